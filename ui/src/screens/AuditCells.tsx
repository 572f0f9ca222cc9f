// The cells both audit trails draw alike — the node's admin trail (AuditTrail.tsx) and
// the head office's (hq/HqAudit.tsx) list rows of one derivation
// (medicloud_core::audit): what a change concerned and did, and how it ended.
import type { Key } from "../lib/i18n";
import { changeWords } from "./auditWords";

type T = (k: Key) => string;

/** Whether a row's outcome is one staff should notice (a refusal or a failure). */
export function isBadOutcome(outcome: string): boolean {
  return outcome === "denied" || outcome === "failed";
}

/** The subject of a row and, after it, what a configuration change did, in words. */
export function AuditSubject({ row, t }: { row: { subject?: string | null; changes: string[] }; t: T }) {
  return (
    <>
      {row.subject ?? (row.changes.length ? "" : "—")}
      {row.changes.length > 0 && (
        <span className="muted">{`${row.subject ? ": " : ""}${row.changes.map((c) => changeWords(c, t)).join(", ")}`}</span>
      )}
    </>
  );
}

/** A row's outcome as a pill: ✓ ok, ✕ denied or failed. */
export function AuditOutcome({ outcome, t }: { outcome: string; t: T }) {
  const bad = isBadOutcome(outcome);
  const key = (["ok", "denied", "failed"].includes(outcome) ? `outcome_${outcome}` : null) as Key | null;
  return (
    <span className={bad ? "pill bad" : "pill ok"}>
      <span aria-hidden="true">{bad ? "✕" : "✓"}</span> {key ? t(key) : outcome}
    </span>
  );
}
