// The clinics' audit trails at the head office (auditors and the chain's admin): every
// clinic's, or one picked, newest first, filtered by action, over GET /hq/v1/audit —
// the lines the clinics' own nodes list, in the node admin's words (auditWords.ts),
// each clinic's times in its own zone. Patients by id, never by name; "load more"
// asks for the page after the last row shown (`before=<device>:<seq>`).
import { useCallback, useEffect, useMemo, useState } from "react";
import { hqApi, type HqAuditClinic, type HqAuditRow } from "../../api/hq";
import type { Key } from "../../lib/i18n";
import { useNewest } from "../../lib/newest";
import { AuditOutcome, AuditSubject, isBadOutcome } from "../AuditCells";
import { actionWords, COMMON_ACTIONS } from "../auditWords";

/** Rows asked for at first and added by each "load more". */
export const AUDIT_PAGE = 200;

/** Who did it, in words: the system, or the staff member or device by the name the
 * clinic gave it (the cloud's `actor_name`), else by the end of its id. */
export function actorWords(r: Pick<HqAuditRow, "actor" | "actor_name">, t: (k: Key) => string): string {
  if (r.actor === "system") return t("system");
  const [kind, id = ""] = r.actor.split(":");
  if (r.actor_name) return r.actor_name;
  if (kind === "staff") return `${t("hqActorStaff")} ${id.slice(-8)}`;
  if (kind === "device") return `${t("hqActorDevice")} ${id.slice(-8)}`;
  return r.actor;
}

export function HqAudit({
  clinic,
  setClinic,
  t,
  lang,
  fail,
}: {
  /** The clinic asked for (the address's `?clinic=`); every clinic when none. */
  clinic: string | null;
  setClinic: (id: string | null) => void;
  t: (k: Key) => string;
  lang: "id" | "en";
  fail: (e: unknown) => void;
}) {
  const [clinics, setClinics] = useState<HqAuditClinic[] | null>(null);
  const [action, setAction] = useState("");
  const [rows, setRows] = useState<HqAuditRow[] | null>(null);
  // Whether the last page was full: older rows may follow.
  const [full, setFull] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    hqApi.auditClinics().then(setClinics, fail);
  }, [fail]);
  const newest = useNewest();
  const page = useCallback(
    (after: HqAuditRow | undefined) => {
      const current = newest();
      setBusy(true);
      hqApi
        .audit({ clinic: clinic ?? undefined, action: action || undefined, limit: AUDIT_PAGE, before: after && `${after.device}:${after.seq}` })
        .then(
          (got) => {
            if (!current()) return;
            setRows((shown) => (after && shown ? [...shown, ...got] : got));
            setFull(got.length === AUDIT_PAGE);
          },
          (e) => current() && fail(e),
        )
        .finally(() => current() && setBusy(false));
    },
    [clinic, action, fail, newest],
  );
  const load = useCallback(() => page(undefined), [page]);
  useEffect(load, [load]);

  const zones = useMemo(() => new Map((clinics ?? []).map((c) => [c.id, c.time_zone])), [clinics]);
  const formats = useMemo(() => new Map<string, Intl.DateTimeFormat>(), []);
  const when = (r: HqAuditRow) => {
    const zone = zones.get(r.clinic);
    const key = `${lang}|${zone ?? ""}`;
    let f = formats.get(key);
    if (!f) {
      f = new Intl.DateTimeFormat(lang === "id" ? "id-ID" : "en-GB", { timeZone: zone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23", timeZoneName: "short" });
      formats.set(key, f);
    }
    return f.format(new Date(r.at_ms));
  };
  const more = rows !== null && rows.length > 0 && full;
  const all = clinic === null;

  return (
    <section className="card wide hq-page" aria-labelledby="hq-audit-title" data-testid="hq-audit">
      <div className="row spread">
        <h1 id="hq-audit-title">{t("auditTrail")}</h1>
        <button onClick={load} disabled={busy} data-testid="hq-audit-refresh">
          {t("refresh")}
        </button>
      </div>
      <p className="muted">{t("hqAuditIntro")}</p>
      <div className="audit-filters">
        <label>
          {t("hqClinic")}
          <select
            value={clinic ?? ""}
            onChange={(e) => setClinic(e.target.value || null)}
            data-testid="hq-audit-clinic"
          >
            <option value="">{t("hqAuditAllClinics")}</option>
            {(clinics ?? []).map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <label>
          {t("auditAction")}
          <select
            value={action}
            onChange={(e) => setAction(e.target.value)}
            data-testid="hq-audit-action"
          >
            <option value="">{t("auditAny")}</option>
            {COMMON_ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionWords(a, t)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {rows && rows.length === 0 && (
        <p className="audit-empty muted" role="status" data-testid="hq-audit-empty">
          {t("auditEmpty")}
        </p>
      )}
      {rows && rows.length > 0 && (
        <>
          <p className="muted" role="status">
            {rows.length} {t("auditShown")}
          </p>
          <div className="audit-scroll" tabIndex={0} role="region" aria-label={t("auditTrail")}>
            <table className="table audit-table" data-testid="hq-audit-rows">
              <thead>
                <tr>
                  <th scope="col">{t("auditWhen")}</th>
                  {all && <th scope="col">{t("hqClinic")}</th>}
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
                    <tr key={`${r.clinic}-${r.device}-${r.seq}`} className={bad ? "audit-bad" : undefined} data-action={r.action} data-outcome={r.outcome}>
                      <td className="nowrap">{when(r)}</td>
                      {all && <td>{r.clinic_name}</td>}
                      <td title={r.actor}>{actorWords(r, t)}</td>
                      <td>
                        {actionWords(r.action, t)} <code className="muted small-code">{r.action}</code>
                      </td>
                      <td data-testid="hq-audit-subject">
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
          {more && (
            <button className="secondary" disabled={busy} onClick={() => page(rows.at(-1))} data-testid="hq-audit-more">
              {t("hqAuditMore")}
            </button>
          )}
        </>
      )}
    </section>
  );
}
