// The desk's board: every queue live, the ticket at this counter with its actions and
// keyboard shortcuts, the appointments and patients tabs, and a status bar for sync and
// the printer that never goes away.
import { useCallback, useEffect, useState } from "react";
import { api, ApiError } from "../../api/client";
import type { ActionBody, ConflictView, Counter, Handover, PrinterHealth, ServiceView, SyncStatus, TicketView, VisitStep } from "../../api/types";
import type { Key } from "../../lib/i18n";
import { useLive, usePolling } from "../../lib/live";
import { Clock, errorText, serviceColor } from "../common";
import { Appointments } from "./Appointments";
import { CancelDialog } from "./CancelDialog";
import { IssueTicket } from "./IssueTicket";
import { Patients } from "./Patients";
import { StatusBar } from "./StatusBar";

const COUNTER_KEY = "medicloud.counter";

type Tab = "queue" | "appointments" | "patients";

interface BoardProps {
  token: string;
  me: string;
  t: (k: Key) => string;
  lang: "id" | "en";
  toggle: () => void;
  onLogout: () => void;
  onExpired: () => void;
}

export function DeskBoard({ token, me, t, lang, toggle, onLogout, onExpired }: BoardProps) {
  const [counters, setCounters] = useState<Counter[]>([]);
  const [services, setServices] = useState<ServiceView[]>([]);
  const [tickets, setTickets] = useState<TicketView[]>([]);
  const [counter, setCounter] = useState<string>(() => localStorage.getItem(COUNTER_KEY) ?? "");
  const [sync, setSync] = useState<SyncStatus | null>(null);
  const [printer, setPrinter] = useState<PrinterHealth | null>(null);
  const [conflicts, setConflicts] = useState<ConflictView[]>([]);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [tab, setTab] = useState<Tab>("queue");
  const [transferTo, setTransferTo] = useState<string>("");
  // The counter still holds a ticket and N was pressed: the desk says what becomes of it.
  const [handover, setHandover] = useState(false);
  // A ticket the desk is cancelling, waiting for the reason.
  const [cancelling, setCancelling] = useState<TicketView | null>(null);

  const fail = useCallback(
    (e: unknown) => {
      const err = e as ApiError;
      if (err.status === 401) onExpired();
      else setMessage({ kind: "error", text: errorText(err, t) });
    },
    [onExpired, t],
  );
  const load = useCallback(() => {
    api("GET", "/api/v1/counters", { token }).then(setCounters, fail);
    api("GET", "/api/v1/services", { token }).then(setServices, fail);
    api("GET", "/api/v1/tickets", { token }).then(setTickets, fail);
    api("GET", "/api/v1/conflicts", { token }).then(setConflicts, () => setConflicts([]));
  }, [token, fail]);
  const loadStatus = useCallback(() => {
    api("GET", "/api/v1/sync/status", { token }).then(setSync, () => setSync(null));
    api("GET", "/api/v1/printer", { token }).then(setPrinter, () => setPrinter(null));
  }, [token]);
  usePolling(load, 15_000);
  usePolling(loadStatus, 5_000);
  const live = useLive(token, () => load());

  const mine = counters.find((c) => c.id === counter);
  const current = tickets
    .filter((x) => x.counter === counter && (x.status === "called" || x.status === "serving"))
    .sort((a, b) => (b.called_at ?? "").localeCompare(a.called_at ?? ""))[0];

  const callNext = useCallback(
    async (then?: Handover) => {
      setMessage(null);
      setHandover(false);
      try {
        const next = await api("POST", "/api/v1/counters/{counter_id}/call-next", {
          token,
          params: { counter_id: counter },
          body: then ? { current: then } : undefined,
        });
        setMessage({ kind: "ok", text: `${next.label} → ${mine?.name ?? counter}` });
      } catch (e) {
        const err = e as ApiError;
        if (err.code === "queue_empty") {
          // Nobody to call: the current patient is still finished (or sent back) as asked.
          if (then && current) {
            const action = then === "no_show" ? "no-show" : then;
            await api("POST", "/api/v1/tickets/{id}/{action}", { token, params: { id: current.id, action } }).catch(fail);
          }
          setMessage({ kind: "ok", text: t("queueEmpty") });
        }
        // Another screen called to this counter meanwhile: show it and ask.
        else if (err.code === "counter_busy") setHandover(true);
        else fail(e);
      }
      load();
    },
    [counter, current, token, load, fail, mine, t],
  );

  const act = useCallback(
    async (action: string, body?: ActionBody) => {
      if (action === "call-next") {
        // A counter holds one patient: first say what becomes of the current one.
        if (current) setHandover(true);
        else await callNext();
        return;
      }
      setMessage(null);
      setHandover(false);
      try {
        if (current) {
          const after = await api("POST", "/api/v1/tickets/{id}/{action}", { token, params: { id: current.id, action }, body });
          // Registration done: the patient goes on to the room, with the same number or
          // (a clinic giving one per step) a new one printed here.
          if (action === "complete" && after.status === "waiting") {
            const step = (lang === "id" ? after.step_name_id : after.step_name_en) ?? "";
            const was = after.earlier_labels?.at(-1);
            setMessage({
              kind: "ok",
              text: was ? `${was} → ${step} · ${t("newNumberGiven")}: ${after.label}` : `${after.label} → ${step}`,
            });
          }
        }
        load();
      } catch (e) {
        fail(e);
      }
    },
    [current, callNext, token, load, fail, lang, t],
  );

  // Keyboard shortcuts, shown on the buttons.
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement;
      if (target.closest("input, select, textarea") || e.ctrlKey || e.metaKey || e.altKey || !counter || cancelling) return;
      if (handover) {
        const choice: Record<string, Handover | "back"> = { c: "complete", x: "no_show", q: "requeue", escape: "back" };
        const then = choice[e.key.toLowerCase()];
        if (then === "back") setHandover(false);
        else if (then && (then === "complete" || current?.status === "called")) void callNext(then);
        if (then) e.preventDefault();
        return;
      }
      const map: Record<string, string> = { n: "call-next", r: "recall", s: "serve", c: "complete", x: "no-show", q: "requeue", p: "reprint" };
      const action = map[e.key.toLowerCase()];
      if (action) {
        e.preventDefault();
        void act(action);
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [act, callNext, counter, current, handover, cancelling]);

  // A service's tickets waiting at one step of its visit (any step: a service of one).
  const waiting = (code: string, step?: string) =>
    tickets
      .filter((x) => x.service === code && x.status === "waiting" && (!step || x.step === step))
      .sort((a, b) => (a.position ?? 0) - (b.position ?? 0));
  // Whether this counter calls from that queue (a loket registers, a room examines).
  const takes = (code: string, step?: string) =>
    !!mine?.services.includes(code) && (!step || !mine.steps?.length || mine.steps.includes(step));
  // One queue per service and step: "A Poli Umum · Pendaftaran", "A Poli Umum · Ruang
  // Periksa Umum". A closed service stays on the board while people still wait in it.
  type Queue = { key: string; service: ServiceView; step?: VisitStep; testId: string };
  const queues = services
    .flatMap((s): Queue[] =>
      s.steps?.length
        ? s.steps.map((step, i) => ({ key: `${s.code}/${step.id}`, service: s, step, testId: i === 0 ? `queue-${s.code}` : `queue-${s.code}-${step.id}` }))
        : [{ key: s.code, service: s, testId: `queue-${s.code}` }],
    )
    .filter((q) => q.service.active || waiting(q.service.code, q.step?.id).length > 0)
    // This counter's own queues first.
    .sort((a, b) => Number(takes(b.service.code, b.step?.id)) - Number(takes(a.service.code, a.step?.id)));
  const serviceName = (code: string) => {
    const s = services.find((x) => x.code === code);
    return s ? (lang === "id" ? s.name_id : s.name_en) : code;
  };

  return (
    <div className="desk" data-testid="desk">
      <header className="desk-bar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">+</span>
          <span>Medicloud</span>
        </div>
        <nav className="tabs" aria-label="sections">
          {(["queue", "appointments", "patients"] as Tab[]).map((x) => (
            <button key={x} className={tab === x ? "tab active" : "tab"} onClick={() => setTab(x)} aria-pressed={tab === x}>
              {x === "queue" ? t("queue") : x === "appointments" ? t("appointments") : t("patients")}
            </button>
          ))}
        </nav>
        <label className="counter-pick">
          <span>{t("counter")}</span>
          <select
            value={counter}
            onChange={(e) => {
              setCounter(e.target.value);
              localStorage.setItem(COUNTER_KEY, e.target.value);
            }}
            data-testid="counter"
          >
            <option value="">{t("chooseCounter")}</option>
            {counters.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        <Clock lang={lang} />
        <button className="link-button" onClick={toggle}>
          {t("language")}
        </button>
        <button className="secondary" onClick={onLogout}>
          {me ? `${me} · ` : ""}
          {t("logout")}
        </button>
      </header>

      <StatusBar t={t} sync={sync} printer={printer} live={live} />
      {message && (
        <p className={`banner ${message.kind === "error" ? "banner-error" : "banner-ok"}`} role={message.kind === "error" ? "alert" : "status"}>
          {message.text}
        </p>
      )}
      {conflicts.length > 0 && (
        <section className="conflicts" aria-label={t("conflicts")}>
          {conflicts.slice(0, 3).map((c) => (
            <p key={`${c.ticket}-${c.at_ms}`} className="banner banner-warn">
              <strong>{c.label}</strong> {t("conflictWords")} <strong>{c.counter ?? "?"}</strong> {t("conflictLost")}
            </p>
          ))}
        </section>
      )}

      {tab === "queue" && (
        <main className="desk-main">
          <section className="card current-card" aria-label={t("current")}>
            <h2>{t("current")}</h2>
            {current ? (
              <div className="current" data-testid="current">
                <span className="current-label" style={{ color: serviceColor(current.service) }}>
                  {current.label}
                </span>
                <span className="current-meta">
                  {serviceName(current.service)}
                  {current.step_name_id && ` · ${lang === "id" ? current.step_name_id : current.step_name_en}`} · {t(`status_${current.status}` as Key)}
                  {current.priority && <span className="pill">{t(`priority_${current.priority}` as Key)}</span>}
                </span>
              </div>
            ) : (
              <p className="muted">{counter ? t("nobodyCalled") : t("chooseCounter")}</p>
            )}
            {handover && current && (
              <div className="handover" role="alertdialog" aria-labelledby="handover-title" data-testid="handover">
                <p id="handover-title">
                  <strong>{current.label}</strong> {t("stillHeld")}
                </p>
                <div className="actions">
                  <button className="primary" onClick={() => void callNext("complete")} data-testid="handover-complete" autoFocus>
                    {t("handoverComplete")} <kbd>C</kbd>
                  </button>
                  <button disabled={current.status !== "called"} onClick={() => void callNext("no_show")} data-testid="handover-no-show">
                    {t("handoverNoShow")} <kbd>X</kbd>
                  </button>
                  <button disabled={current.status !== "called"} onClick={() => void callNext("requeue")} data-testid="handover-requeue">
                    {t("handoverRequeue")} <kbd>Q</kbd>
                  </button>
                  <button className="secondary" onClick={() => setHandover(false)}>
                    {t("back")} <kbd>Esc</kbd>
                  </button>
                </div>
              </div>
            )}
            <div className="actions">
              <button className="primary huge" disabled={!counter} onClick={() => act("call-next")} data-testid="call-next">
                {t("callNext")} <kbd>N</kbd>
              </button>
              <button disabled={!current} onClick={() => act("recall")}>
                {t("recall")} <kbd>R</kbd>
              </button>
              <button disabled={current?.status !== "called"} onClick={() => act("serve")} data-testid="serve">
                {t("serve")} <kbd>S</kbd>
              </button>
              <button disabled={!current} onClick={() => act("complete")} data-testid="complete">
                {t("complete")} <kbd>C</kbd>
              </button>
              <button disabled={current?.status !== "called"} onClick={() => act("no-show")}>
                {t("noShow")} <kbd>X</kbd>
              </button>
              <button disabled={!current} onClick={() => act("requeue")}>
                {t("requeue")} <kbd>Q</kbd>
              </button>
              <button disabled={!current} onClick={() => act("reprint")}>
                {t("reprint")} <kbd>P</kbd>
              </button>
              <button disabled={current?.status !== "called"} className="danger-outline" onClick={() => current && setCancelling(current)} data-testid="cancel-current">
                {t("cancelTicket")}
              </button>
              <span className="transfer">
                <select value={transferTo} onChange={(e) => setTransferTo(e.target.value)} aria-label={t("transfer")}>
                  <option value="">{t("transfer")}…</option>
                  {services
                    .filter((s) => s.code !== current?.service)
                    .map((s) => (
                      <option key={s.code} value={s.code}>
                        {s.code} · {lang === "id" ? s.name_id : s.name_en}
                      </option>
                    ))}
                </select>
                <button disabled={!current || !transferTo} onClick={() => act("transfer", { service: transferTo })}>
                  {t("transfer")}
                </button>
              </span>
            </div>
            <IssueTicket token={token} t={t} lang={lang} services={services} onIssued={load} />
          </section>
          <section className="queues">
            {queues.map(({ key, service: s, step, testId }) => {
              const list = waiting(s.code, step?.id);
              return (
                <article key={key} className={`card queue ${takes(s.code, step?.id) ? "served" : ""}`} style={{ "--accent": serviceColor(s.code) } as React.CSSProperties}>
                  <h3>
                    <span className="service-code small">{s.code}</span> {lang === "id" ? s.name_id : s.name_en}
                    {step && <span className="queue-step"> · {lang === "id" ? step.name_id : step.name_en}</span>}
                    {!s.active && <span className="pill warn">{t("serviceClosedPill")}</span>}
                    <span className="count">{list.length}</span>
                  </h3>
                  <ol data-testid={testId}>
                    {list.slice(0, 12).map((x) => (
                      <li key={x.id}>
                        <span className="label">{x.label}</span>
                        {x.priority && <span className="pill">{t(`priority_${x.priority}` as Key)}</span>}
                        {x.appointment && <span className="pill alt">{t("appointmentMark")}</span>}
                        <span className="waited">{waited(x.issued_at)}</span>
                        <button className="icon-button" aria-label={`${t("cancelTicket")} ${x.label}`} title={t("cancelTicket")} onClick={() => setCancelling(x)} data-testid={`cancel-${x.label}`}>
                          ×
                        </button>
                      </li>
                    ))}
                    {list.length === 0 && <li className="muted">{t("queueEmpty")}</li>}
                  </ol>
                </article>
              );
            })}
          </section>
        </main>
      )}
      {tab === "appointments" && <Appointments token={token} t={t} services={services} lang={lang} fail={fail} />}
      {tab === "patients" && <Patients token={token} t={t} fail={fail} />}
      {cancelling && (
        <CancelDialog
          t={t}
          title="cancelTicketQ"
          what={cancelling.label}
          onClose={() => setCancelling(null)}
          onConfirm={async (reason) => {
            try {
              await api("POST", "/api/v1/tickets/{id}/cancel", { token, params: { id: cancelling.id }, body: { reason } });
            } catch (err) {
              throw new Error(errorText(err, t));
            }
            setMessage({ kind: "ok", text: `${cancelling.label}: ${t("ticketCancelled")}` });
            setCancelling(null);
            load();
          }}
        />
      )}
    </div>
  );
}

function waited(issuedAt: string): string {
  const minutes = Math.max(0, Math.round((Date.now() - new Date(issuedAt).getTime()) / 60_000));
  return `${minutes}′`;
}
