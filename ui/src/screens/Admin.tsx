// The admin's screen: services (add, rename, open and close), counters and what each
// serves (add, edit), staff (StaffList.tsx: edit, disable, reset a password, unlock),
// devices with their pairing links (revoked after a confirmation), the printer (test
// print, the last ticket as printed), the clinic's name, time zone and ticket text
// (AdminForms.tsx), the audit trail (AuditTrail.tsx), and who hands out the clinic's
// queue numbers, with the alarm of a second authority (LabelAuthority.tsx). Its second
// tab is the clinic's reports (Reports.tsx).
import QRCode from "qrcode";
import { useCallback, useEffect, useState } from "react";
import { api, ApiError, staffToken } from "../api/client";
import type { Clinic, Counter, DeviceView, NewDevice as NewDeviceBody, PrinterHealth, Schedule, ServiceSettings, ServiceView, StaffAccount, SyncStatus } from "../api/types";
import { useLang, type Key } from "../lib/i18n";
import { ClinicForm, ConfirmButton, CounterForm, NewService, NewStaff } from "./AdminForms";
import { ScheduleForm, scheduleSummary } from "./ScheduleForm";
import { AuditTrail } from "./AuditTrail";
import { errorText, Login, roleWords, serviceColor, useIdleLogoff } from "./common";
import { LabelAuthorityCard, LabelConflictBanner } from "./LabelAuthority";
import { DEFAULT_TIME_ZONE } from "../lib/clinicTime";
import { Reports } from "./Reports";
import { StaffList } from "./StaffList";

export function Admin() {
  const { t, toggle, lang } = useLang();
  const [token, setToken] = useState<string | null>(() => staffToken.get());
  const [notice, setNotice] = useState<string | null>(null);
  const logoff = useCallback(() => {
    staffToken.clear();
    setToken(null);
    setNotice(t("sessionEnded"));
  }, [t]);
  useIdleLogoff(!!token, 14 * 60_000, logoff);
  if (!token) return <Login t={t} toggle={toggle} notice={notice} onLogin={(s) => setToken(s.token)} />;
  return <AdminBoard token={token} t={t} lang={lang} onLogout={logoff} />;
}

function AdminBoard({ token, t, lang, onLogout }: { token: string; t: (k: Key) => string; lang: "id" | "en"; onLogout: () => void }) {
  const [services, setServices] = useState<ServiceView[]>([]);
  const [counters, setCounters] = useState<Counter[]>([]);
  const [staff, setStaff] = useState<StaffAccount[]>([]);
  const [devices, setDevices] = useState<DeviceView[]>([]);
  const [printer, setPrinter] = useState<PrinterHealth | null>(null);
  const [clinic, setClinic] = useState<Clinic | null>(null);
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [message, setMessage] = useState<{ kind: "ok" | "error"; text: string } | null>(null);
  const [pairing, setPairing] = useState<string | null>(null);
  const [preview, setPreview] = useState<string | null>(null);
  const [me, setMe] = useState<string | undefined>(undefined);
  const [editing, setEditing] = useState<string | null>(null);
  const [tab, setTab] = useState<"settings" | "reports">("settings");

  const fail = useCallback(
    (e: unknown) => {
      const err = e as ApiError;
      if (err.status === 401) onLogout();
      else setMessage({ kind: "error", text: errorText(err, t) });
    },
    [onLogout, t],
  );
  const load = useCallback(() => {
    api("GET", "/api/v1/services", { token }).then(setServices, fail);
    api("GET", "/api/v1/counters", { token }).then(setCounters, fail);
    api("GET", "/api/v1/users", { token }).then(setStaff, fail);
    api("GET", "/api/v1/devices", { token }).then(setDevices, fail);
    api("GET", "/api/v1/printer", { token }).then(setPrinter, fail);
    api("GET", "/api/v1/clinic", { token }).then(setClinic, fail);
    api("GET", "/api/v1/sync/status", { token }).then(setSync, () => setSync(null));
  }, [token, fail]);
  useEffect(load, [load]);
  useEffect(() => {
    api("GET", "/api/v1/auth/me", { token }).then((m) => setMe(m.kind === "staff" ? m.username : undefined), fail);
  }, [token, fail]);
  /** Runs a change for a form that shows its own error: a 401 still logs off. */
  const change = async <R,>(work: Promise<R>): Promise<R> => {
    try {
      const answer = await work;
      setMessage({ kind: "ok", text: "✓" });
      load();
      return answer;
    } catch (e) {
      if ((e as ApiError).status === 401) onLogout();
      throw e;
    }
  };
  const saved = () => {
    setMessage({ kind: "ok", text: "✓" });
    load();
  };

  // A counter's steps by name, among its own services: "Pendaftaran", "Ruang Gigi".
  const stepNames = (ids: string[], of: string[]) =>
    ids
      .map((id) => [...new Set(services.filter((s) => of.includes(s.code)).flatMap((s) => (s.steps ?? []).filter((x) => x.id === id).map((x) => (lang === "id" ? x.name_id : x.name_en))))].join(" / ") || id)
      .join(", ");

  const showPreview = async () => {
    const tickets = await api("GET", "/api/v1/tickets", { token }).catch(() => []);
    const last = tickets[tickets.length - 1];
    if (!last) return;
    const res = await fetch(`/api/v1/tickets/${last.id}/print.png`, { headers: { authorization: `Bearer ${token}` } });
    if (res.ok) setPreview(URL.createObjectURL(await res.blob()));
  };

  return (
    <div className="admin" data-testid="admin">
      <header className="desk-bar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>Medicloud · {t("admin")}</span>
        </div>
        <button className="secondary" onClick={onLogout}>
          {t("logout")}
        </button>
      </header>
      {message && (
        <p className={`banner ${message.kind === "error" ? "banner-error" : "banner-ok"}`} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      <LabelConflictBanner t={t} labels={sync?.labels} fix />
      <nav className="tabs" role="tablist" aria-label={t("admin")}>
        {(["settings", "reports"] as const).map((name) => (
          <button key={name} role="tab" aria-selected={tab === name} className={tab === name ? "tab active" : "tab"} onClick={() => setTab(name)} data-testid={`tab-${name}`}>
            {t(name)}
          </button>
        ))}
      </nav>
      {tab === "reports" ? (
        <main className="admin-grid">
          <Reports
            token={token}
            t={t}
            lang={lang}
            timeZone={clinic?.time_zone ?? DEFAULT_TIME_ZONE}
            fail={fail}
            counterNames={Object.fromEntries(counters.map((c) => [c.id, c.name]))}
          />
        </main>
      ) : (
      <main className="admin-grid">
        <LabelAuthorityCard t={t} labels={sync?.labels} />
        <section className="card wide">
          <h2>{t("services")}</h2>
          <table className="table">
            <tbody>
              {services.map((s) => (
                <ServiceRow
                  key={s.code}
                  s={s}
                  t={t}
                  lang={lang}
                  onSave={(body) => api("PUT", "/api/v1/services/{code}", { token, params: { code: s.code }, body }).then(saved, fail)}
                  onSchedule={(body) => api("PUT", "/api/v1/services/{code}/schedule", { token, params: { code: s.code }, body }).then(saved)}
                />
              ))}
            </tbody>
          </table>
          <NewService t={t} onCreate={(body) => change(api("POST", "/api/v1/services", { token, body }))} />
        </section>
        <section className="card">
          <h2>{t("counters")}</h2>
          <ul className="plain-list" data-testid="counter-list">
            {counters.map((c) =>
              editing === c.id ? (
                <li key={c.id}>
                  <CounterForm
                    t={t}
                    lang={lang}
                    services={services}
                    counter={c}
                    onCancel={() => setEditing(null)}
                    onSave={(body) => change(api("PUT", "/api/v1/counters/{counter_id}", { token, params: { counter_id: c.id }, body })).then(() => setEditing(null))}
                  />
                </li>
              ) : (
                <li key={c.id} className="counter-row">
                  <strong>{c.name}</strong>
                  <span className="chips">
                    {c.services.map((code) => (
                      <span key={code} className="chip" style={{ "--accent": serviceColor(code) } as React.CSSProperties}>
                        {code}
                      </span>
                    ))}
                  </span>
                  {(c.steps ?? []).length > 0 && <span className="muted small-text" data-testid={`counter-steps-${c.id}`}>{stepNames(c.steps ?? [], c.services)}</span>}
                  <button className="link-button" onClick={() => setEditing(c.id)} data-testid={`counter-edit-${c.id}`}>
                    {t("edit")}
                  </button>
                </li>
              ),
            )}
          </ul>
          <CounterForm t={t} lang={lang} services={services} onSave={(body) => change(api("POST", "/api/v1/counters", { token, body }))} />
        </section>
        <section className="card">
          <h2>{t("staff")}</h2>
          <StaffList
            staff={staff}
            t={t}
            me={me}
            actions={{
              update: (id, body) => change(api("PUT", "/api/v1/users/{id}", { token, params: { id }, body })),
              resetPassword: (id) => change(api("POST", "/api/v1/users/{id}/password-reset", { token, params: { id } })),
              unlock: (id) => change(api("POST", "/api/v1/users/{id}/unlock", { token, params: { id } })),
            }}
          />
          <NewStaff t={t} onCreate={(body) => change(api("POST", "/api/v1/users", { token, body }))} />
        </section>
        <section className="card">
          <h2>{t("devices")}</h2>
          <ul className="plain-list">
            {devices.map((d) => (
              <li key={d.id}>
                <strong>{d.name}</strong> <span className="pill">{roleWords(d.role, t)}</span>
                {d.revoked ? (
                  <span className="pill warn">✕</span>
                ) : (
                  <ConfirmButton
                    t={t}
                    label={t("revoke")}
                    question={t("revokeConfirm").replace("{name}", d.name)}
                    testId={`revoke-${d.id}`}
                    onConfirm={() => void api("POST", "/api/v1/devices/{id}/revoke", { token, params: { id: d.id } }).then(saved, fail)}
                  />
                )}
              </li>
            ))}
          </ul>
          <NewDevice
            t={t}
            onCreate={async (name, role) => {
              try {
                const d = await api("POST", "/api/v1/devices", { token, body: { name, role } });
                const screen = role === "display" ? "display" : role === "kiosk" ? "kiosk" : "desk";
                setPairing(`${window.location.origin}/${screen}#token=${d.token}`);
                load();
              } catch (e) {
                fail(e);
              }
            }}
          />
          {pairing && <PairingLink link={pairing} t={t} />}
        </section>
        <section className="card">
          <h2>{t("printer")}</h2>
          <p>
            {printer?.configured ? (
              <span className={printer.fault ? "pill warn" : "pill ok"}>{printer.fault ?? t("printerOk")}</span>
            ) : (
              "—"
            )}{" "}
            <span className="muted">{printer?.target}</span>
          </p>
          <div className="row">
            <button onClick={() => api("POST", "/api/v1/printer/test", { token }).then(saved, fail)}>{t("testPrint")}</button>
            <button onClick={() => void showPreview()}>{t("preview")}</button>
          </div>
          {preview && <img className="ticket-preview" src={preview} alt={t("preview")} />}
        </section>
        {clinic && (
          <section className="card">
            <h2>{t("clinic")}</h2>
            <ClinicForm key={`${clinic.name}|${clinic.time_zone}`} clinic={clinic} t={t} onSave={(body) => change(api("PUT", "/api/v1/clinic", { token, body }))} />
          </section>
        )}
        {clinic && <AuditTrail token={token} t={t} lang={lang} timeZone={clinic.time_zone} staff={staff} devices={devices} fail={fail} />}
      </main>
      )}
    </div>
  );
}

function ServiceRow(props: { s: ServiceView; t: (k: Key) => string; lang: "id" | "en"; onSave: (b: ServiceSettings) => void; onSchedule: (s: Schedule) => Promise<unknown> }) {
  const { s, t, lang, onSave, onSchedule } = props;
  const [nameId, setNameId] = useState(s.name_id);
  const [nameEn, setNameEn] = useState(s.name_en);
  const [active, setActive] = useState(s.active);
  const [editing, setEditing] = useState(false);
  return (
    <>
    <tr>
      <td>
        <span className="service-code small" style={{ background: serviceColor(s.code) }}>
          {s.code}
        </span>
      </td>
      <td>
        <input aria-label={`${s.code} Bahasa Indonesia`} value={nameId} onChange={(e) => setNameId(e.target.value)} />
      </td>
      <td>
        <input aria-label={`${s.code} English`} value={nameEn} onChange={(e) => setNameEn(e.target.value)} />
      </td>
      <td>
        <label>
          <input type="checkbox" checked={active} onChange={(e) => setActive(e.target.checked)} /> {t("active")}
        </label>
      </td>
      <td className="service-steps" data-testid={`steps-${s.code}`}>
        {(s.steps ?? []).length > 0 ? (s.steps ?? []).map((step) => (lang === "id" ? step.name_id : step.name_en)).join(" → ") : <span className="muted">{t("oneStep")}</span>}
      </td>
      <td className="service-schedule" data-testid={`schedule-${s.code}`}>
        {scheduleSummary(s.schedule, t)}{" "}
        <button type="button" className="link-button" onClick={() => setEditing(true)} data-testid={`edit-schedule-${s.code}`}>
          {t("editSchedule")}
        </button>
      </td>
      <td>
        <button onClick={() => onSave({ name_id: nameId, name_en: nameEn, active })}>{t("save")}</button>
      </td>
    </tr>
    {editing && (
      <tr className="schedule-row">
        <td colSpan={7}>
          <ScheduleForm code={s.code} schedule={s.schedule} t={t} onSave={onSchedule} onClose={() => setEditing(false)} />
        </td>
      </tr>
    )}
    </>
  );
}

function NewDevice({ t, onCreate }: { t: (k: Key) => string; onCreate: (name: string, role: NewDeviceBody["role"]) => void }) {
  const [name, setName] = useState("");
  const [role, setRole] = useState<NewDeviceBody["role"]>("kiosk");
  return (
    <form
      className="row"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim()) onCreate(name.trim(), role);
      }}
    >
      <input aria-label={t("name")} value={name} onChange={(e) => setName(e.target.value)} placeholder={t("name")} />
      <select aria-label={t("role")} value={role} onChange={(e) => setRole(e.target.value as NewDeviceBody["role"])}>
        <option value="kiosk">{t("role_kiosk")}</option>
        <option value="display">{t("role_display")}</option>
        <option value="desk">{t("role_desk")}</option>
      </select>
      <button className="primary" type="submit">
        {t("add")}
      </button>
    </form>
  );
}

/** A new device's pairing link, once: as text to copy and as a QR code the kiosk's or
 * display's camera (or a phone) opens. */
function PairingLink({ link, t }: { link: string; t: (k: Key) => string }) {
  const [qr, setQr] = useState("");
  useEffect(() => {
    QRCode.toDataURL(link, { margin: 1, width: 200 }).then(setQr, () => setQr(""));
  }, [link]);
  return (
    <div className="banner banner-ok pairing">
      {qr && <img src={qr} alt={t("pairingQr")} width={200} height={200} data-testid="pairing-qr" />}
      <p>
        {t("pairingLink")}: <code data-testid="pairing-link">{link}</code>
      </p>
    </div>
  );
}
