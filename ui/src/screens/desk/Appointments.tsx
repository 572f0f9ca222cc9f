// The desk's appointments tab: the list of any day (today in the clinic's time zone by
// default) with check-in, move and cancel; and booking a patient into a slot with a
// free place, the slots' fill shown.
import { useCallback, useEffect, useState } from "react";
import { ApiError, api } from "../../api/client";
import type { AppointmentView, ServiceView, SlotFill } from "../../api/types";
import type { Key } from "../../lib/i18n";
import { errorText } from "../common";
import { CancelDialog } from "./CancelDialog";
import { PatientPicker, type Chosen } from "./PatientPicker";

/** The date `YYYY-MM-DD` it is now in `timeZone` (the device's own zone when unknown). */
export function todayIn(timeZone?: string, now = new Date()): string {
  try {
    return new Intl.DateTimeFormat("en-CA", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).format(now);
  } catch {
    return now.toISOString().slice(0, 10);
  }
}

type Props = { token: string; t: (k: Key) => string; services: ServiceView[]; lang: "id" | "en"; fail: (e: unknown) => void };

export function Appointments(props: Props) {
  const { token, t, fail, lang } = props;
  const [today, setToday] = useState(() => todayIn());
  const [day, setDay] = useState(today);
  const [list, setList] = useState<AppointmentView[]>([]);
  const [cancelling, setCancelling] = useState<AppointmentView | null>(null);
  const [moving, setMoving] = useState<{ id: string; date: string; slot_start: string; error?: string } | null>(null);
  // Bumped when a cancellation or a move frees a place, so the slots' fill is read again.
  const [freed, setFreed] = useState(0);

  // The clinic's zone decides what "today" is, not this computer's.
  useEffect(() => {
    api("GET", "/api/v1/clinic", { token }).then(
      (c) => {
        const clinicToday = todayIn(c?.time_zone);
        setToday((old) => {
          setDay((d) => (d === old ? clinicToday : d));
          return clinicToday;
        });
      },
      () => {},
    );
  }, [token]);
  const load = useCallback(() => api("GET", "/api/v1/appointments", { token, query: { date: day } }).then(setList, fail), [token, day, fail]);
  useEffect(() => {
    void load();
  }, [load]);
  const serviceName = (code: string) => {
    const s = props.services.find((x) => x.code === code);
    return s ? (lang === "id" ? s.name_id : s.name_en) : code;
  };

  return (
    <main className="desk-main two">
      <section className="card">
        <div className="row spread">
          <h2>{t("appointmentsOf")}</h2>
          <label className="row">
            <span>{t("date")}</span>
            <input type="date" value={day} onChange={(e) => e.target.value && setDay(e.target.value)} data-testid="list-date" />
            {day !== today && (
              <button type="button" className="link-button" onClick={() => setDay(today)}>
                {t("today")}
              </button>
            )}
          </label>
        </div>
        <table className="table" data-testid="appointments">
          <thead>
            <tr>
              <th>{t("time")}</th>
              <th>{t("service")}</th>
              <th>{t("name")}</th>
              <th>{t("appointmentCode")}</th>
              <th>{t("status")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.length === 0 && (
              <tr>
                <td colSpan={6} className="muted">
                  {t("noAppointments")}
                </td>
              </tr>
            )}
            {list.map((a) => (
              <tr key={a.id} className={a.status === "cancelled" ? "struck" : undefined}>
                <td>{a.slot_start.slice(0, 5)}</td>
                <td>{serviceName(a.service)}</td>
                <td>{a.patient_name ?? "—"}</td>
                <td>
                  <code>{a.code}</code>
                  {a.channel === "online" && <span className="pill">{t("bookedOnline")}</span>}
                  {a.overbooked && <span className="pill warn">{t("overbooked")}</span>}
                </td>
                <td>
                  <span className={`pill ${a.status === "checked_in" ? "ok" : a.status === "cancelled" ? "warn" : ""}`}>{t(`appt_${a.status}` as Key)}</span>
                </td>
                <td className="row-actions">
                  {a.status === "booked" && (
                    <>
                      {a.date === today && (
                        <button onClick={() => api("POST", "/api/v1/tickets", { token, body: { appointment_code: a.code } }).then(load, fail)}>{t("checkIn")}</button>
                      )}
                      <button onClick={() => setMoving({ id: a.id, date: a.date, slot_start: a.slot_start.slice(0, 5) })} data-testid={`move-${a.code}`}>
                        {t("move")}
                      </button>
                      <button className="danger-outline" onClick={() => setCancelling(a)} data-testid={`cancel-${a.code}`}>
                        {t("cancel")}
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
        {moving && (
          <form
            className="move-form"
            data-testid="move-form"
            onSubmit={async (e) => {
              e.preventDefault();
              try {
                await api("POST", "/api/v1/appointments/{id}/move", { token, params: { id: moving.id }, body: { date: moving.date, slot_start: moving.slot_start } });
                setMoving(null);
                setFreed((n) => n + 1);
                void load();
              } catch (err) {
                setMoving({ ...moving, error: errorText(err, t) });
              }
            }}
          >
            <strong>{t("moveTo")}</strong>
            <input type="date" aria-label={t("date")} min={today} value={moving.date} onChange={(e) => setMoving({ ...moving, date: e.target.value, error: undefined })} />
            <input type="time" aria-label={t("time")} value={moving.slot_start} onChange={(e) => setMoving({ ...moving, slot_start: e.target.value, error: undefined })} />
            <button className="primary" type="submit">
              {t("move")}
            </button>
            <button type="button" className="secondary" onClick={() => setMoving(null)}>
              {t("back")}
            </button>
            {moving.error && (
              <p className="form-error" role="alert">
                {moving.error}
              </p>
            )}
          </form>
        )}
      </section>
      <BookingForm {...props} today={today} freed={freed} onBooked={(date) => (date === day ? void load() : undefined)} />
      {cancelling && (
        <CancelDialog
          t={t}
          title="cancelAppointmentQ"
          what={`${cancelling.date} ${cancelling.slot_start.slice(0, 5)} · ${cancelling.patient_name ?? cancelling.code}`}
          onClose={() => setCancelling(null)}
          onConfirm={async (reason) => {
            try {
              await api("POST", "/api/v1/appointments/{id}/cancel", { token, params: { id: cancelling.id }, body: { reason } });
            } catch (err) {
              throw new Error(errorText(err, t));
            }
            setCancelling(null);
            setFreed((n) => n + 1);
            void load();
          }}
        />
      )}
    </main>
  );
}

function BookingForm(props: Props & { today: string; freed: number; onBooked: (date: string) => void }) {
  const { token, t, lang, today, freed } = props;
  const [service, setService] = useState("A");
  const [date, setDate] = useState(today);
  const [slot, setSlot] = useState<string | null>(null);
  const [slots, setSlots] = useState<SlotFill[]>([]);
  const [patient, setPatient] = useState<Chosen | null>(null);
  const [booked, setBooked] = useState<{ code: string; when: string } | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A slot whose desk places are all booked takes a booking only when the desk ticks
  // this: the booking is then an overbooking every desk sees.
  const [overbook, setOverbook] = useState(false);
  // Cut off from the clinic computer that counts the desk's places, the desk books
  // only as a ticked overbooking too.
  const [authorityAway, setAuthorityAway] = useState(false);
  const chosenFull = slots.some((s) => s.start.slice(0, 5) === slot && s.free_desk === 0);
  const mustConfirm = chosenFull || authorityAway;
  useEffect(() => setDate((d) => (d < today ? today : d)), [today]);
  const loadSlots = useCallback(
    () =>
      api("GET", "/api/v1/slots", { token, query: { service, date } }).then(setSlots, (err) => {
        setSlots([]);
        setError(errorText(err, t));
      }),
    [token, service, date, t],
  );
  useEffect(() => {
    setSlot(null);
    void loadSlots();
  }, [loadSlots, freed]);

  return (
    <section className="card">
      <h2>{t("book")}</h2>
      <form
        className="form"
        onSubmit={async (e) => {
          e.preventDefault();
          // A failed booking must not leave the previous booking's code on screen.
          setBooked(null);
          setError(null);
          if (!patient) return setError(t("choosePatientFirst"));
          if (!slot) return setError(t("chooseSlotFirst"));
          try {
            if (chosenFull && !overbook) return setError(t("slotFullConfirm"));
            const body = { service, date, slot_start: slot, patient: patient.id, confirm_overbooking: mustConfirm && overbook };
            const a = await api("POST", "/api/v1/appointments", { token, body });
            setBooked({ code: a.code, when: `${a.date} ${a.slot_start.slice(0, 5)}` });
            setPatient(null);
            setSlot(null);
            setOverbook(false);
            setAuthorityAway(false);
            props.onBooked(a.date);
          } catch (err) {
            setAuthorityAway(err instanceof ApiError && err.code === "booking_authority_unreachable");
            setError(errorText(err, t));
          }
          void loadSlots();
        }}
      >
        <PatientPicker token={token} t={t} chosen={patient} onChoose={setPatient} />
        <div className="row">
          <span className="field grow">
            <label htmlFor="ap-service">{t("service")}</label>
            <select id="ap-service" value={service} onChange={(e) => setService(e.target.value)}>
              {props.services.map((s) => (
                <option key={s.code} value={s.code}>
                  {s.code} · {lang === "id" ? s.name_id : s.name_en}
                </option>
              ))}
            </select>
          </span>
          <span className="field">
            <label htmlFor="ap-date">{t("date")}</label>
            <input id="ap-date" type="date" min={today} value={date} onChange={(e) => e.target.value && setDate(e.target.value)} />
          </span>
        </div>
        <span className="label-like">{t("slot")}</span>
        {slots.some((s) => s.online_places > 0) && <p className="muted small-text">{t("slotLegend")}</p>}
        <div className="slot-grid" role="radiogroup" aria-label={t("slot")} data-testid="slots">
          {slots.length === 0 && <span className="muted">{t("noSlots")}</span>}
          {slots.map((s) => {
            const start = s.start.slice(0, 5);
            // The desk books its own share; a full one only as a confirmed overbooking.
            const deskPlaces = s.places - s.online_places;
            const full = s.free_desk === 0;
            const over = s.fullness === "over_capacity";
            const label = s.outside_schedule
              ? t("slotOutside")
              : over
                ? t("slotOver")
                : full
                  ? t("slotFull")
                  : `${t("slotDesk")} ${s.booked_desk}/${deskPlaces}`;
            // Desk places escrowed to a node for booking cut off: taken here.
            const reserved = s.reserved ? `${s.reserved} ${t("slotReserved")}` : "";
            return (
              <button
                key={start}
                type="button"
                role="radio"
                aria-checked={slot === start}
                aria-label={`${start} · ${label}${reserved ? ` · ${reserved}` : ""} · ${t("slotOnline")} ${s.booked_online}/${s.online_places}`}
                className={`slot ${slot === start ? "chosen" : ""} ${full ? "full" : ""} ${over ? "over" : ""}`}
                disabled={s.past || s.outside_schedule}
                onClick={() => {
                  setSlot(start);
                  setOverbook(false);
                }}
                data-testid={`slot-${start}`}
              >
                <span className="slot-time">{start}</span>
                <span className="slot-fill">{label}</span>
                {reserved && <span className="slot-reserved">{reserved}</span>}
                {s.online_places > 0 && (
                  <span className="slot-online">
                    {t("slotOnline")} {s.booked_online}/{s.online_places}
                  </span>
                )}
              </button>
            );
          })}
        </div>
        {mustConfirm && (
          <label className="row overbook" data-testid="overbook">
            <input type="checkbox" checked={overbook} onChange={(e) => setOverbook(e.target.checked)} />
            <span>{t("confirmOverbooking")}</span>
          </label>
        )}
        {error && (
          <p className="form-error" role="alert" data-testid="book-error">
            {error}
          </p>
        )}
        <button className="primary" type="submit" data-testid="book">
          {t("book")}
        </button>
        {booked && (
          <p className="banner banner-ok" data-testid="booked-code">
            {t("appointmentCode")}: <strong>{booked.code}</strong> · {booked.when}
          </p>
        )}
      </form>
    </section>
  );
}
