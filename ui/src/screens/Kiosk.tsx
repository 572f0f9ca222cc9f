// The self check-in kiosk: a walk-in ticket in two taps (service, then lane), check-in
// with a booking code, the number shown large with its QR code — printed or not.
import { useCallback, useEffect, useRef, useState } from "react";
import QRCode from "qrcode";
import { api, takePairingToken } from "../api/client";
import type { Priority, ServiceView, TicketView } from "../api/types";
import { rememberTimeZone } from "../lib/clinicTime";
import { useLang, waitText, type Key, type Lang } from "../lib/i18n";
import { useLive, usePolling } from "../lib/live";
import { Clock, errorText, serviceColor } from "./common";

type Step =
  | { kind: "home" }
  | { kind: "lane"; service: ServiceView }
  | { kind: "code" }
  | { kind: "ticket"; ticket: TicketView };

/** How long a screen waits for a touch before going back home (ticket screen, others). */
export const IDLE_MS = { ticket: 20_000, other: 45_000 };
const PRIORITIES: Priority[] = ["elderly", "pregnant", "disability"];
/** The language the kiosk starts in, until the clinic's own setting (`Clinic.language`,
 * chosen on the admin screen) has loaded: Bahasa Indonesia. */
export const DEFAULT_LANG: Lang = "id";

export function Kiosk() {
  const [token] = useState(() => takePairingToken());
  const { t, toggle, lang, setLang } = useLang(DEFAULT_LANG);
  // The clinic's language, which every patient finds the kiosk in (after the last one
  // chose the other language, too).
  const clinicLang = useRef<Lang>(DEFAULT_LANG);
  const [services, setServices] = useState<ServiceView[]>([]);
  const [clinic, setClinic] = useState("");
  const [step, setStep] = useState<Step>({ kind: "home" });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(() => {
    if (!token) return;
    api("GET", "/api/v1/services", { token })
      .then((s) => {
        // Only what a patient can be called for: open, and served by some counter.
        setServices(s.filter((x) => x.active && x.counters > 0));
        setError(null);
      })
      .catch((e: unknown) => setError(errorText(e, t)));
    api("GET", "/api/v1/clinic", { token })
      .then((c) => {
        setClinic(c.name);
        rememberTimeZone(c.time_zone);
        const language = c.language ?? DEFAULT_LANG;
        if (language !== clinicLang.current) {
          clinicLang.current = language;
          setLang(language);
        }
      })
      .catch(() => {});
  }, [token, t, setLang]);
  usePolling(load, 30_000);
  useLive(token, () => load());

  // Idle reset: any touch or key restarts the timer.
  const idle = useRef<ReturnType<typeof setTimeout>>();
  const home = useCallback(() => {
    setStep({ kind: "home" });
    setError(null);
    setLang(clinicLang.current);
  }, [setLang]);
  useEffect(() => {
    const arm = () => {
      clearTimeout(idle.current);
      // On the home screen too once a patient chose another language.
      if (step.kind !== "home" || lang !== clinicLang.current) idle.current = setTimeout(home, step.kind === "ticket" ? IDLE_MS.ticket : IDLE_MS.other);
    };
    arm();
    window.addEventListener("pointerdown", arm);
    window.addEventListener("keydown", arm);
    return () => {
      clearTimeout(idle.current);
      window.removeEventListener("pointerdown", arm);
      window.removeEventListener("keydown", arm);
    };
  }, [step, home, lang]);

  const issue = async (body: { service?: string; priority?: Priority; appointment_code?: string }) => {
    setBusy(true);
    setError(null);
    try {
      const ticket = await api("POST", "/api/v1/tickets", { token, body });
      setStep({ kind: "ticket", ticket });
    } catch (e) {
      setError(errorText(e, t));
    } finally {
      setBusy(false);
    }
  };

  if (!token) {
    return (
      <main className="kiosk center-screen">
        <h1>{t("notPaired")}</h1>
      </main>
    );
  }

  return (
    <main className="kiosk" data-testid="kiosk">
      <header className="kiosk-bar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>{clinic || t("appName")}</span>
        </div>
        <Clock lang={lang} />
        <button className="lang-switch" onClick={toggle} data-testid="lang">
          {t("language")}
        </button>
      </header>

      {error && (
        <p className="banner banner-error" role="alert">
          {error}
        </p>
      )}

      {step.kind === "home" && (
        <section className="kiosk-home">
          <h1>{t("chooseService")}</h1>
          <div className="service-grid">
            {services.map((s) => (
              <button
                key={s.code}
                className="service-card"
                style={{ "--accent": serviceColor(s.code) } as React.CSSProperties}
                onClick={() => setStep({ kind: "lane", service: s })}
                data-testid={`service-${s.code}`}
              >
                <span className="service-code">{s.code}</span>
                <span className="service-name">{lang === "id" ? s.name_id : s.name_en}</span>
                <span className="service-meta">
                  <strong>{s.waiting}</strong> {t("waiting")} · {t("estimatedWait")} {waitText(s.estimated_wait_seconds, t)}
                </span>
              </button>
            ))}
          </div>
          <button className="link-button big" onClick={() => setStep({ kind: "code" })} data-testid="have-appointment">
            {t("haveAppointment")}
          </button>
        </section>
      )}

      {step.kind === "lane" && (
        <section className="kiosk-lane">
          <h1>{t("priorityQuestion")}</h1>
          <p className="lead">{lang === "id" ? step.service.name_id : step.service.name_en}</p>
          <div className="lane-grid">
            <button className="lane regular" disabled={busy} onClick={() => issue({ service: step.service.code })} data-testid="lane-none">
              {t("priorityNone")}
            </button>
            {PRIORITIES.map((p) => (
              <button
                key={p}
                className="lane priority"
                disabled={busy}
                onClick={() => issue({ service: step.service.code, priority: p })}
                data-testid={`lane-${p}`}
              >
                {t(`priority_${p}` as Key)}
              </button>
            ))}
          </div>
          <button className="link-button" onClick={home}>
            ← {t("back")}
          </button>
        </section>
      )}

      {step.kind === "code" && <CodeEntry t={t} busy={busy} onBack={home} onSubmit={(code) => issue({ appointment_code: code })} />}

      {step.kind === "ticket" && <IssuedTicket ticket={step.ticket} token={token} onDone={home} t={t} lang={lang} />}
    </main>
  );
}

/** The letters and digits booking codes are made of (no look-alikes such as 0/O, 1/I). */
export const CODE_KEYS = "ACDEFGHJKMNPQRTUVWXY34679";

function CodeEntry(props: { t: (k: Key) => string; busy: boolean; onBack: () => void; onSubmit: (code: string) => void }) {
  const { t } = props;
  const [code, setCode] = useState("");
  const input = useRef<HTMLInputElement>(null);
  useEffect(() => input.current?.focus(), []);
  return (
    <section className="kiosk-code">
      <h1>{t("haveAppointment")}</h1>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (code.trim()) props.onSubmit(code.trim().toUpperCase());
        }}
      >
        <label htmlFor="booking-code">{t("appointmentCode")}</label>
        <input
          id="booking-code"
          ref={input}
          className="code-input"
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          autoCapitalize="characters"
          spellCheck={false}
          maxLength={16}
          data-testid="booking-code"
        />
        <p className="hint">{t("appointmentHint")}</p>
        <div className="code-keys" role="group" aria-label={t("onScreenKeyboard")} data-testid="code-keys">
          {CODE_KEYS.split("").map((k) => (
            <button type="button" key={k} onClick={() => setCode((c) => (c.length < 16 ? c + k : c))} data-testid={`key-${k}`}>
              {k}
            </button>
          ))}
          <button type="button" className="wide" onClick={() => setCode((c) => c.slice(0, -1))} aria-label={t("keyBackspace")} data-testid="key-backspace">
            ⌫
          </button>
          <button type="button" className="wide" onClick={() => setCode("")} data-testid="key-clear">
            {t("keyClear")}
          </button>
        </div>
        <div className="row">
          <button type="button" className="secondary big" onClick={props.onBack}>
            ← {t("back")}
          </button>
          <button type="submit" className="primary big" disabled={props.busy || !code.trim()} data-testid="check-in">
            {t("checkIn")}
          </button>
        </div>
      </form>
    </section>
  );
}

/** Printed, still printing, or a printer problem: from the ticket's print state. */
export function printMessage(ticket: TicketView, waitedMs: number): Key {
  const print = ticket.print;
  if (!print || print.status === "printed") return "printed";
  if (print.fault || waitedMs > 6_000) return "printerProblem";
  return "printing";
}

function IssuedTicket(props: { ticket: TicketView; token: string; onDone: () => void; t: (k: Key) => string; lang: "id" | "en" }) {
  const { t, lang } = props;
  const [ticket, setTicket] = useState(props.ticket);
  const [qr, setQr] = useState<string>("");
  const [since] = useState(() => Date.now());
  const [, tick] = useState(0);
  useEffect(() => {
    QRCode.toDataURL(`${window.location.origin}/t/${ticket.id}`, { margin: 1, width: 220 }).then(setQr, () => {});
  }, [ticket.id]);
  useEffect(() => {
    if (ticket.print?.status === "printed") return;
    const id = setInterval(() => {
      tick((n) => n + 1);
      api("GET", "/api/v1/tickets/{id}", { token: props.token, params: { id: ticket.id } }).then(setTicket, () => {});
    }, 700);
    return () => clearInterval(id);
  }, [ticket.id, ticket.print?.status, props.token]);
  const message = printMessage(ticket, Date.now() - since);
  return (
    <section className="kiosk-ticket" data-testid="issued">
      <p className="eyebrow">{t("yourNumber")}</p>
      <p className="ticket-label" data-testid="ticket-label" style={{ color: serviceColor(ticket.service) }}>
        {ticket.label}
      </p>
      <p className="ticket-service">{lang === "id" ? ticket.service_name_id : ticket.service_name_en}</p>
      {ticket.priority && <p className="pill">{t(`priority_${ticket.priority}` as Key)}</p>}
      <div className="ticket-facts">
        <div>
          <strong>{ticket.people_ahead ?? 0}</strong>
          <span>{t("peopleAhead")}</span>
        </div>
        <div>
          <strong>{waitText(ticket.estimated_wait_seconds, t)}</strong>
          <span>{t("estimatedWait")}</span>
        </div>
      </div>
      <p className={`print-state ${message === "printerProblem" ? "warn" : ""}`} role="status" data-testid="print-state">
        {t(message)}
      </p>
      {qr && (
        <figure className="qr">
          <img src={qr} alt={t("scanToFollow")} width={180} height={180} />
          <figcaption>{t("scanToFollow")}</figcaption>
        </figure>
      )}
      <button className="primary big" onClick={props.onDone} data-testid="done">
        {t("done")}
      </button>
    </section>
  );
}
