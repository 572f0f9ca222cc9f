// A service's schedule, as the admin sets it: opening periods by day of the week, slot
// length, places per slot and how many of them patients may book online, and closed
// days. Saved whole with PUT /api/v1/services/{code}/schedule; the node checks it again
// and says what is wrong in the screen's language.
import { useState } from "react";
import type { Schedule } from "../api/types";
import type { Key } from "../lib/i18n";
import { useSubmit } from "./AdminForms";

type T = (k: Key) => string;
type Day = Schedule["hours"][number]["day"];

export const DAYS: Day[] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/** What a new schedule starts from: the demo clinic's, Monday to Saturday 08:00–14:00. */
export function defaultSchedule(): Schedule {
  return {
    hours: DAYS.slice(0, 6).map((day) => ({ day, opens: "08:00", closes: "14:00" })),
    slot_minutes: 15,
    places_per_slot: 4,
    online_places: 2,
    closed: [],
  };
}

const hm = (t: string) => t.slice(0, 5);

/** One line a person reads: "Mon–Sat 08:00–14:00 · 15 min · 4 places (2 online)". */
export function scheduleSummary(s: Schedule | null | undefined, t: T): string {
  if (!s) return t("scheduleNone");
  const periods = new Map<string, Day[]>();
  for (const h of s.hours) {
    const key = `${hm(h.opens)}–${hm(h.closes)}`;
    periods.set(key, [...(periods.get(key) ?? []), h.day]);
  }
  const days = (ds: Day[]) => {
    const idx = ds.map((d) => DAYS.indexOf(d)).sort((a, b) => a - b);
    const run = idx.every((v, i) => i === 0 || v === idx[i - 1] + 1);
    const name = (i: number) => t(`day_${DAYS[i]}` as Key);
    return run && idx.length > 2 ? `${name(idx[0])}–${name(idx[idx.length - 1])}` : idx.map(name).join(", ");
  };
  const hours = [...periods].map(([time, ds]) => `${days(ds)} ${time}`).join("; ") || t("scheduleClosed");
  return `${hours} · ${s.slot_minutes} ${t("minutes")} · ${s.places_per_slot} ${t("places")} (${s.online_places} ${t("slotOnline").toLowerCase()})`;
}

export function ScheduleForm(props: { code: string; schedule?: Schedule | null; t: T; onSave: (s: Schedule) => Promise<unknown>; onClose: () => void }) {
  const { t } = props;
  const [form, setForm] = useState<Schedule>(() => {
    const s = props.schedule ?? defaultSchedule();
    return { ...s, hours: s.hours.map((h) => ({ ...h, opens: hm(h.opens), closes: hm(h.closes) })), closed: s.closed ?? [] };
  });
  const [closedDay, setClosedDay] = useState("");
  const { submit, busy, shown } = useSubmit(t);
  const setHours = (i: number, change: Partial<Schedule["hours"][number]>) =>
    setForm({ ...form, hours: form.hours.map((h, j) => (j === i ? { ...h, ...change } : h)) });
  const number = (field: "slot_minutes" | "places_per_slot" | "online_places", min: number, max: number) => (
    <label className="field">
      <span>{t(`schedule_${field}` as Key)}</span>
      <input type="number" min={min} max={max} value={form[field]} onChange={(e) => setForm({ ...form, [field]: Number(e.target.value) })} data-testid={`schedule-${field}`} />
    </label>
  );
  return (
    <form
      className="form schedule-form"
      data-testid={`schedule-form-${props.code}`}
      aria-label={`${t("schedule")} ${props.code}`}
      onSubmit={async (e) => {
        e.preventDefault();
        if (await submit(() => props.onSave(form))) props.onClose();
      }}
    >
      <h3>
        {t("schedule")} · {props.code}
      </h3>
      <fieldset>
        <legend>{t("scheduleHours")}</legend>
        {form.hours.length === 0 && <p className="muted">{t("scheduleClosed")}</p>}
        {form.hours.map((h, i) => (
          <div className="schedule-period" key={i} data-testid={`schedule-period-${i}`}>
            <select aria-label={t("scheduleDay")} value={h.day} onChange={(e) => setHours(i, { day: e.target.value as Day })}>
              {DAYS.map((d) => (
                <option key={d} value={d}>
                  {t(`day_${d}` as Key)}
                </option>
              ))}
            </select>
            <input type="time" aria-label={t("scheduleOpens")} value={h.opens} onChange={(e) => setHours(i, { opens: e.target.value })} required />
            <input type="time" aria-label={t("scheduleCloses")} value={h.closes} onChange={(e) => setHours(i, { closes: e.target.value })} required />
            <button type="button" className="link-button" onClick={() => setForm({ ...form, hours: form.hours.filter((_, j) => j !== i) })}>
              {t("remove")}
            </button>
          </div>
        ))}
        <button type="button" className="secondary" onClick={() => setForm({ ...form, hours: [...form.hours, { day: "mon", opens: "08:00", closes: "12:00" }] })} data-testid="schedule-add-period">
          {t("scheduleAddPeriod")}
        </button>
      </fieldset>
      <div className="schedule-numbers">
        {number("slot_minutes", 5, 240)}
        {number("places_per_slot", 1, 50)}
        {number("online_places", 0, 50)}
      </div>
      <p className="muted small-text">{t("scheduleOnlineHint")}</p>
      <fieldset>
        <legend>{t("scheduleClosedDays")}</legend>
        <div className="chips">
          {(form.closed ?? []).map((d) => (
            <span className="chip" key={d}>
              {d}
              <button type="button" className="link-button" aria-label={`${t("remove")} ${d}`} onClick={() => setForm({ ...form, closed: (form.closed ?? []).filter((x) => x !== d) })}>
                ×
              </button>
            </span>
          ))}
        </div>
        <div className="row">
          <input type="date" aria-label={t("scheduleClosedDays")} value={closedDay} onChange={(e) => setClosedDay(e.target.value)} data-testid="schedule-closed-day" />
          <button
            type="button"
            className="secondary"
            disabled={!closedDay}
            onClick={() => {
              setForm({ ...form, closed: [...new Set([...(form.closed ?? []), closedDay])].sort() });
              setClosedDay("");
            }}
          >
            {t("add")}
          </button>
        </div>
      </fieldset>
      {shown}
      <div className="row">
        <button className="primary" type="submit" disabled={busy} data-testid="schedule-save">
          {t("save")}
        </button>
        <button type="button" className="secondary" onClick={props.onClose}>
          {t("back")}
        </button>
      </div>
    </form>
  );
}
