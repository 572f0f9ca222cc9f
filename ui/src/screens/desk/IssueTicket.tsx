// A ticket issued at the desk, for a patient who cannot use the kiosk: the service, a
// priority lane if any, and the number to tell them (printed on this node's printer).
import { useState } from "react";
import { api } from "../../api/client";
import type { Priority, ServiceView } from "../../api/types";
import type { Key } from "../../lib/i18n";
import { errorText } from "../common";

const LANES: Priority[] = ["elderly", "pregnant", "disability"];

export function IssueTicket(props: { token: string; t: (k: Key) => string; lang: "id" | "en"; services: ServiceView[]; onIssued: () => void }) {
  const { token, t, lang } = props;
  const open = props.services.filter((s) => s.active);
  const [service, setService] = useState("");
  const [priority, setPriority] = useState<Priority | "">("");
  const [result, setResult] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const chosen = service || open[0]?.code || "";
  return (
    <form
      className="issue-ticket"
      aria-label={t("issueAtDesk")}
      onSubmit={async (e) => {
        e.preventDefault();
        setResult(null);
        try {
          const ticket = await api("POST", "/api/v1/tickets", { token, body: { service: chosen, priority: priority || undefined } });
          setResult({ kind: "ok", text: `${t("issuedAtDesk")}: ${ticket.label}` });
          setPriority("");
          props.onIssued();
        } catch (err) {
          setResult({ kind: "error", text: errorText(err, t) });
        }
      }}
    >
      <h3>{t("issueAtDesk")}</h3>
      <div className="row">
        <select aria-label={t("service")} value={chosen} onChange={(e) => setService(e.target.value)} data-testid="issue-service">
          {open.map((s) => (
            <option key={s.code} value={s.code}>
              {s.code} · {lang === "id" ? s.name_id : s.name_en}
            </option>
          ))}
        </select>
        <select aria-label={t("priorityQuestion")} value={priority} onChange={(e) => setPriority(e.target.value as Priority | "")}>
          <option value="">{t("priorityNone")}</option>
          {LANES.map((p) => (
            <option key={p} value={p}>
              {t(`priority_${p}` as Key)}
            </option>
          ))}
        </select>
        <button className="primary" type="submit" disabled={!chosen} data-testid="issue-ticket">
          {t("issueTicket")}
        </button>
      </div>
      {result && (
        <p className={result.kind === "ok" ? "issued" : "form-error"} role={result.kind === "ok" ? "status" : "alert"} data-testid="issued">
          {result.text}
        </p>
      )}
    </form>
  );
}
