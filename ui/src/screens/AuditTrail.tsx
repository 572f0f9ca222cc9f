// The admin's audit trail: who did what, to which patient, when — newest first, with
// filters, the common actions in words (auditWords.ts, shared with the head office's
// trail), and refusals and failures marked.
import { useCallback, useEffect, useState } from "react";
import { api, queryString } from "../api/client";
import type { AuditFilter, AuditRow, DeviceView, StaffView } from "../api/types";
import type { Key } from "../lib/i18n";
import { useNewest } from "../lib/newest";
import { AuditOutcome, AuditSubject, isBadOutcome } from "./AuditCells";
import { actionWords, COMMON_ACTIONS } from "./auditWords";
import { roleWords } from "./common";

const OTHER = "__other";

/** What the filter form holds: text as typed, the time as a `datetime-local` value. */
export type AuditForm = { action: string; other: string; actor: string; patient: string; since: string };
export const EMPTY_FORM: AuditForm = { action: "", other: "", actor: "", patient: "", since: "" };

/** Milliseconds since the epoch of a wall-clock time (`2026-12-01T08:30`) in `timeZone`. */
export function zonedMs(local: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/.exec(local);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  const offset = (at: number) => {
    const parts = Object.fromEntries(
      new Intl.DateTimeFormat("en-US", { timeZone, hourCycle: "h23", year: "numeric", month: "numeric", day: "numeric", hour: "numeric", minute: "numeric", second: "numeric" })
        .formatToParts(new Date(at))
        .map((p) => [p.type, p.value]),
    );
    return Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour, +parts.minute, +parts.second) - at;
  };
  const first = wall - offset(wall);
  return wall - offset(first);
}

/** The filters of the form (empty fields are left out). */
export function auditFilter(form: AuditForm, timeZone: string, limit = 200): AuditFilter {
  const filter: AuditFilter = { limit };
  const action = form.action === OTHER ? form.other.trim() : form.action;
  if (action) filter.action = action;
  if (form.actor) filter.actor = form.actor;
  if (form.patient.trim()) filter.patient = form.patient.trim();
  const since = form.since ? zonedMs(form.since, timeZone) : null;
  if (since !== null) filter.since_ms = since;
  return filter;
}

/** The query string the form's filters are sent as. */
export function auditQuery(form: AuditForm, timeZone: string, limit = 200): string {
  return queryString(auditFilter(form, timeZone, limit));
}

export function AuditTrail(props: {
  token: string;
  t: (k: Key) => string;
  lang: "id" | "en";
  timeZone: string;
  staff: StaffView[];
  devices: DeviceView[];
  fail: (e: unknown) => void;
}) {
  const { token, t, lang, timeZone, staff, devices, fail } = props;
  const [form, setForm] = useState<AuditForm>(EMPTY_FORM);
  const [applied, setApplied] = useState<AuditForm>(EMPTY_FORM);
  const [rows, setRows] = useState<AuditRow[] | null>(null);
  const newest = useNewest();
  const load = useCallback(() => {
    const current = newest();
    api("GET", "/api/v1/audit", { token, query: auditFilter(applied, timeZone) }).then(
      (got) => current() && setRows(got),
      (e) => current() && fail(e),
    );
  }, [applied, timeZone, token, fail, newest]);
  useEffect(load, [load]);

  const when = new Intl.DateTimeFormat(lang === "id" ? "id-ID" : "en-GB", { timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23" });
  const who = (actor: string) => {
    if (actor === "system") return t("system");
    const [kind, id] = actor.split(":");
    if (kind === "staff") return staff.find((u) => u.id === id)?.display_name ?? actor;
    if (kind === "device") return devices.find((d) => d.id === id)?.name ?? actor;
    return actor;
  };
  const set = (patch: Partial<AuditForm>) => setForm((f) => ({ ...f, ...patch }));

  return (
    <section className="card wide" aria-labelledby="audit-title" data-testid="audit">
      <div className="row spread">
        <h2 id="audit-title">{t("auditTrail")}</h2>
        <button onClick={load} data-testid="audit-refresh">
          {t("refresh")}
        </button>
      </div>
      <form
        className="audit-filters"
        onSubmit={(e) => {
          e.preventDefault();
          setApplied(form);
        }}
      >
        <label>
          {t("auditAction")}
          <select value={form.action} onChange={(e) => set({ action: e.target.value })} data-testid="audit-action">
            <option value="">{t("auditAny")}</option>
            {COMMON_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionWords(a, t)}
              </option>
            ))}
            <option value={OTHER}>{t("auditOther")}</option>
          </select>
        </label>
        {form.action === OTHER && (
          <label>
            {t("auditOtherAction")}
            <input value={form.other} onChange={(e) => set({ other: e.target.value })} data-testid="audit-other" />
          </label>
        )}
        <label>
          {t("auditActor")}
          <select value={form.actor} onChange={(e) => set({ actor: e.target.value })} data-testid="audit-actor">
            <option value="">{t("auditAny")}</option>
            <option value="system">{t("system")}</option>
            {staff.map((u) => (
              <option key={u.id} value={`staff:${u.id}`}>
                {u.display_name} ({u.username})
              </option>
            ))}
            {devices.map((d) => (
              <option key={d.id} value={`device:${d.id}`}>
                {d.name} ({roleWords(d.role, t)})
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("auditPatient")}
          <input value={form.patient} onChange={(e) => set({ patient: e.target.value })} spellCheck={false} data-testid="audit-patient" />
        </label>
        <label>
          {t("auditSince")}
          <input type="datetime-local" value={form.since} onChange={(e) => set({ since: e.target.value })} data-testid="audit-since" />
        </label>
        <div className="row">
          <button className="primary" type="submit" data-testid="audit-apply">
            {t("auditApply")}
          </button>
          <button
            type="button"
            className="secondary"
            data-testid="audit-clear"
            onClick={() => {
              setForm(EMPTY_FORM);
              setApplied(EMPTY_FORM);
            }}
          >
            {t("auditClear")}
          </button>
        </div>
      </form>
      {rows && rows.length === 0 && (
        <p className="audit-empty muted" role="status" data-testid="audit-empty">
          {t("auditEmpty")}
        </p>
      )}
      {rows && rows.length > 0 && (
        <>
          <p className="muted" role="status">
            {rows.length} {t("auditShown")}
          </p>
          <div className="audit-scroll" tabIndex={0} role="region" aria-label={t("auditTrail")}>
            <table className="table audit-table" data-testid="audit-rows">
              <thead>
                <tr>
                  <th scope="col">{t("auditWhen")}</th>
                  <th scope="col">{t("auditActor")}</th>
                  <th scope="col">{t("auditAction")}</th>
                  <th scope="col">{t("auditSubject")}</th>
                  <th scope="col">{t("auditPatient")}</th>
                  <th scope="col">{t("auditOutcome")}</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((r) => {
                  const bad = isBadOutcome(r.outcome);
                  return (
                    <tr key={`${r.device}-${r.seq}`} className={bad ? "audit-bad" : undefined} data-action={r.action} data-outcome={r.outcome}>
                      <td className="nowrap">{when.format(new Date(r.at_ms))}</td>
                      <td>{who(r.actor)}</td>
                      <td>
                        {actionWords(r.action, t)} <code className="muted small-code">{r.action}</code>
                      </td>
                      <td data-testid="audit-subject">
                        <AuditSubject row={r} t={t} />
                      </td>
                      <td>{r.patient ? <code className="small-code">{r.patient}</code> : "—"}</td>
                      <td>
                        <AuditOutcome outcome={r.outcome} t={t} />
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
    </section>
  );
}
