// One clinic, read-only: its figures, its queues of a day by service and status (today's
// read again whenever the cloud sends this clinic's `overview`), its devices, and a date
// picker for another day (GET /hq/v1/clinics/{id}/tickets?date=, no patient data).
import { useEffect, useMemo, useRef, useState } from "react";
import { hqApi, type HqDevice, type HqTicket, type HqTicketStatus } from "../../api/hq";
import { clockTime } from "../../lib/clinicTime";
import type { Key } from "../../lib/i18n";
import { fill } from "../../lib/i18nHq";
import { serviceColor } from "../common";
import { DeviceLine, elapsed, longestWaitNow, offlineCount, Stat, useClinicNames, waitMinutes, type SeenOverview } from "./parts";

const FINISHED: HqTicketStatus[] = ["done", "no_show", "cancelled", "transferred"];

interface ServiceQueue {
  code: string;
  waiting: HqTicket[];
  atCounter: HqTicket[];
  finished: Record<string, number>;
  total: number;
}

/** The day's tickets by service (by code), each split by where its tickets are. */
export function queuesOf(tickets: HqTicket[]): ServiceQueue[] {
  const by = new Map<string, ServiceQueue>();
  for (const ticket of tickets) {
    let q = by.get(ticket.service);
    if (!q) {
      q = { code: ticket.service, waiting: [], atCounter: [], finished: {}, total: 0 };
      by.set(ticket.service, q);
    }
    q.total += 1;
    if (ticket.status === "waiting") q.waiting.push(ticket);
    else if (ticket.status === "called" || ticket.status === "serving") q.atCounter.push(ticket);
    else q.finished[ticket.status] = (q.finished[ticket.status] ?? 0) + 1;
  }
  for (const q of by.values()) q.waiting.sort((a, b) => a.queued_at_ms - b.queued_at_ms);
  return [...by.values()].sort((a, b) => a.code.localeCompare(b.code));
}

export function ClinicView({
  id,
  row,
  date,
  setDate,
  now,
  t,
  lang,
  fail,
}: {
  id: string;
  /** The clinic's overview row (undefined: not among the caller's clinics). */
  row: SeenOverview | undefined;
  /** The day shown (`YYYY-MM-DD`; null: the clinic's today). */
  date: string | null;
  setDate: (date: string | null) => void;
  now: number;
  t: (k: Key) => string;
  lang: "id" | "en";
  fail: (e: unknown) => void;
}) {
  const today = row?.today ?? null;
  const day = date ?? today;
  const isToday = day !== null && day === today;
  const [tickets, setTickets] = useState<HqTicket[] | null>(null);
  const [devices, setDevices] = useState<HqDevice[]>([]);
  const failRef = useRef(fail);
  failRef.current = fail;

  // The day's tickets: again on each new row of this clinic when the day is today
  // (rows that come together are read for once).
  const version = isToday ? row : null;
  useEffect(() => {
    if (!day) return;
    let live = true;
    const timer = setTimeout(() => {
      hqApi.tickets(id, day).then(
        (list) => live && setTickets(list),
        (e) => live && failRef.current(e),
      );
    }, 150);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [id, day, version]);
  useEffect(() => setTickets(null), [id, day]);

  const deviceCount = row?.devices.length;
  useEffect(() => {
    let live = true;
    hqApi.devices(id).then(
      (list) => live && setDevices(list),
      (e) => live && failRef.current(e),
    );
    return () => {
      live = false;
    };
  }, [id, deviceCount]);

  const names = useClinicNames(id, lang);

  const queues = useMemo(() => queuesOf(tickets ?? []), [tickets]);
  if (!row) return <p className="banner banner-error" role="alert">{t("hqNotFound")}</p>;
  const tz = row.time_zone;
  const count = (s: HqTicketStatus) => (tickets ?? []).filter((x) => x.status === s).length;
  const revoked = devices.filter((d) => d.revoked);
  const slots = new Map(devices.map((d) => [d.id, d.slot]));

  return (
    <div className="hq-page" data-testid="hq-clinic">
      <div className="hq-clinic-head">
        <div>
          <h1 data-testid="hq-clinic-name">{row.name}</h1>
          <p className="muted small-text">
            {tz} · {t("hqReadOnly")}
          </p>
        </div>
        <label className="hq-field">
          <span>{t("hqDay")}</span>
          <input
            type="date"
            value={day ?? ""}
            max={today ?? undefined}
            onChange={(e) => setDate(e.target.value && e.target.value !== today ? e.target.value : null)}
            data-testid="hq-day"
          />
        </label>
        {!isToday && (
          <button type="button" onClick={() => setDate(null)} data-testid="hq-today">
            {t("hqToday")}
          </button>
        )}
      </div>
      {!isToday && <p className="banner banner-warn">{t("hqPastDay")}</p>}
      <section className="hq-totals" aria-label={row.name}>
        {isToday ? (
          <>
            <Stat label={t("hqWaitingNow")} value={row.waiting} testId="clinic-waiting" />
            <Stat label={t("hqLongestWait")} value={waitMinutes(longestWaitNow(row, now), row.waiting, lang)} />
            <Stat label={t("hqServedToday")} value={row.served_today} testId="clinic-served" />
            <Stat label={t("hqNoShowToday")} value={row.no_show_today} />
          </>
        ) : (
          <>
            <Stat label={t("reportIssued")} value={tickets?.length ?? "…"} />
            <Stat label={t("reportServed")} value={tickets ? count("done") : "…"} />
            <Stat label={t("reportNoShow")} value={tickets ? count("no_show") : "…"} />
            <Stat label={t("reportCancelled")} value={tickets ? count("cancelled") : "…"} />
          </>
        )}
      </section>

      <section aria-labelledby="hq-queues-title">
        <h2 id="hq-queues-title" className="hq-section-title">
          {t("hqQueues")}
        </h2>
        {tickets === null ? (
          <p className="muted">{t("hqLoading")}</p>
        ) : queues.length === 0 ? (
          <p className="audit-empty card">{t("hqNoTickets")}</p>
        ) : (
          <div className="queues hq-queues">
            {queues.map((q) => (
              <article key={q.code} className="card queue" style={{ ["--accent" as string]: serviceColor(q.code) }} data-testid={`hq-queue-${q.code}`}>
                <h3>
                  <span className="service-code small">{q.code}</span>
                  <span>{names.services[q.code] ?? q.code}</span>
                  <span className="count" title={t("hqStatus_waiting")} data-testid="queue-waiting">
                    {q.waiting.length}
                  </span>
                </h3>
                <p className="eyebrow small-text">{t("hqStatus_waiting")}</p>
                {q.waiting.length === 0 ? (
                  <p className="muted small-text">{t("queueEmpty")}</p>
                ) : (
                  <ol>
                    {q.waiting.map((x) => (
                      <li key={x.id}>
                        <span className="label">{x.label}</span>
                        {x.step && <span className="muted small-text">{names.steps[`${x.service}/${x.step}`] ?? x.step}</span>}
                        {x.appointment && <span className="pill alt small-text">{t("hqAppointment")}</span>}
                        {isToday && <span className="waited">{elapsed(Math.max(0, Math.floor((now - x.queued_at_ms) / 1000)), t, lang)}</span>}
                      </li>
                    ))}
                  </ol>
                )}
                {q.atCounter.length > 0 && (
                  <>
                    <p className="eyebrow small-text">{t("hqAtCounter")}</p>
                    <ol>
                      {q.atCounter.map((x) => (
                        <li key={x.id} className="at-counter">
                          <span className="label">{x.label}</span>
                          <span className="muted small-text">
                            {t(`hqStatus_${x.status}` as Key)}
                            {x.counter ? ` ${fill(t("hqAt"), { counter: names.counters[x.counter] ?? x.counter })}` : ""}
                          </span>
                          {x.called_at_ms && <span className="waited">{clockTime(x.called_at_ms, tz, lang)}</span>}
                        </li>
                      ))}
                    </ol>
                  </>
                )}
                <p className="queue-finished small-text" data-testid="queue-finished">
                  {FINISHED.map((s) => `${t(`hqStatus_${s}` as Key)} ${q.finished[s] ?? 0}`).join(" · ")}
                </p>
              </article>
            ))}
          </div>
        )}
      </section>

      <section className="card" aria-labelledby="hq-devices-title">
        <h2 id="hq-devices-title">
          {t("hqDevices")}{" "}
          <span className="muted small-text">
            {offlineCount(row.devices, now) ? fill(t("hqDevicesOffline"), { n: offlineCount(row.devices, now) }) : t("hqAllOnline")}
          </span>
        </h2>
        {row.devices.length === 0 && revoked.length === 0 ? (
          <p className="muted">{t("hqNoDevices")}</p>
        ) : (
          <ul className="device-list wide">
            {row.devices.map((d) => (
              <DeviceLine key={d.id} device={{ ...d, name: slots.has(d.id) ? `${d.name} (${fill(t("hqSlot"), { n: slots.get(d.id) ?? 0 })})` : d.name }} timeZone={tz} now={now} t={t} lang={lang} />
            ))}
            {revoked.map((d) => (
              <li key={d.id} className="device revoked">
                <span className="device-dot" aria-hidden="true" />
                <strong>{d.name}</strong> <span className="device-words">{t("hqRevoked")}</span>
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
