// The desk's appointments tab: today's list with check-in, and booking.
import { useCallback, useEffect, useState } from "react";
import { api } from "../../api/client";
import type { AppointmentView, ServiceView } from "../../api/types";
import { dayIn, useClinicTimeZone } from "../../lib/clinicTime";
import type { Key } from "../../lib/i18n";

export function Appointments(props: { token: string; t: (k: Key) => string; services: ServiceView[]; lang: "id" | "en"; fail: (e: unknown) => void }) {
  const { token, t, fail } = props;
  const [list, setList] = useState<AppointmentView[]>([]);
  // The clinic's today (before 07:00 WIB the UTC date is still yesterday's).
  const today = dayIn(useClinicTimeZone());
  const [form, setForm] = useState({ service: "A", date: today, slot_start: "09:00" });
  useEffect(() => setForm((f) => ({ ...f, date: today })), [today]); // once the zone is known
  const [booked, setBooked] = useState<string | null>(null);
  const load = useCallback(() => api("GET", "/api/v1/appointments", { token }).then(setList, fail), [token, fail]);
  useEffect(() => {
    void load();
  }, [load]);
  return (
    <main className="desk-main two">
      <section className="card">
        <h2>{t("appointments")}</h2>
        <table className="table">
          <thead>
            <tr>
              <th>{t("time")}</th>
              <th>{t("service")}</th>
              <th>{t("name")}</th>
              <th>{t("appointmentCode")}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.map((a) => (
              <tr key={a.id}>
                <td>{a.slot_start.slice(0, 5)}</td>
                <td>{a.service}</td>
                <td>{a.patient_name ?? "—"}</td>
                <td>
                  <code>{a.code}</code>
                </td>
                <td>
                  {a.ticket ? (
                    <span className="pill ok">✓</span>
                  ) : (
                    <button
                      onClick={() => api("POST", "/api/v1/tickets", { token, body: { appointment_code: a.code } }).then(load, fail)}
                    >
                      {t("checkIn")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section className="card">
        <h2>{t("book")}</h2>
        <form
          className="form"
          onSubmit={async (e) => {
            e.preventDefault();
            try {
              const a = await api("POST", "/api/v1/appointments", { token, body: form });
              setBooked(a.code);
              void load();
            } catch (err) {
              setBooked(null); // the code shown was the last booking's, not this one's
              fail(err);
            }
          }}
        >
          <label htmlFor="ap-service">{t("service")}</label>
          <select id="ap-service" value={form.service} onChange={(e) => setForm({ ...form, service: e.target.value })}>
            {props.services.map((s) => (
              <option key={s.code} value={s.code}>
                {s.code} · {props.lang === "id" ? s.name_id : s.name_en}
              </option>
            ))}
          </select>
          <label htmlFor="ap-date">{t("date")}</label>
          <input id="ap-date" type="date" value={form.date} onChange={(e) => setForm({ ...form, date: e.target.value })} />
          <label htmlFor="ap-time">{t("time")}</label>
          <input id="ap-time" type="time" value={form.slot_start} onChange={(e) => setForm({ ...form, slot_start: e.target.value })} />
          <button className="primary" type="submit" data-testid="book">
            {t("book")}
          </button>
          {booked && (
            <p className="banner banner-ok" data-testid="booked-code">
              {t("appointmentCode")}: <strong>{booked}</strong>
            </p>
          )}
        </form>
      </section>
    </main>
  );
}
