// Pick a day and a free time: the next 14 days from the clinic's today (in the clinic's
// zone), that day's slots with the places left, and in plain words when the day is
// closed, full or over. Booking and moving a booking both pick here.
import { useEffect, useState } from "react";
import { listSlots, type Lang, type PublicClinic, type Slot } from "./api";
import type { T } from "./i18n";
import { Alert, errorText } from "./parts";
import { clock, dayIn, daysFrom, longDay, shortDay, zoneName } from "./time";

/** How many days ahead a patient may book, today included. */
export const DAYS_AHEAD = 14;

interface Props {
  lang: Lang;
  t: T;
  clinic: PublicClinic;
  service: string;
  /** The day shown; null: the clinic's today. */
  day: string | null;
  onDay: (day: string) => void;
  onPick: (slot: Slot) => void;
  /** Said above the days (a time just taken). */
  notice?: string | null;
  /** Changed to fetch the day's slots again. */
  refresh?: number;
  /** The start of the booking being moved: shown as the patient's, not offered. */
  current?: string;
}

type Loaded = { day: string; slots: Slot[] } | { day: string; error: unknown };

export function SlotPicker({ lang, t, clinic, service, day, onDay, onPick, notice, refresh = 0, current }: Props) {
  const zone = clinic.time_zone;
  const days = daysFrom(dayIn(zone), DAYS_AHEAD);
  const shown = day && days.includes(day) ? day : days[0];
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [retry, setRetry] = useState(0);
  useEffect(() => {
    let live = true;
    setLoaded(null);
    listSlots(lang, clinic.id, service, shown).then(
      (slots) => live && setLoaded({ day: shown, slots }),
      (e: unknown) => live && setLoaded({ day: shown, error: e }),
    );
    return () => {
      live = false;
    };
    // The language changes only the words, not the slots: no new request for it.
  }, [clinic.id, service, shown, refresh, retry]);

  const now = Date.now();
  const slots = loaded && "slots" in loaded && loaded.day === shown ? loaded.slots : null;
  // A time already begun cannot be booked any more, whatever the list says.
  const ahead = slots?.filter((s) => Date.parse(s.start) > now) ?? [];
  const free = ahead.filter((s) => s.free > 0 && s.start !== current);
  const next = days[days.indexOf(shown) + 1];
  const dayName = longDay(shown, lang);
  let summary = t("loading");
  if (loaded && "error" in loaded) summary = "";
  else if (slots && slots.length === 0) summary = t("dayClosed", { day: dayName });
  else if (slots && ahead.length === 0) summary = t("dayOver");
  else if (slots && free.length === 0) summary = t("dayFull", { day: dayName });
  else if (slots) summary = t("timesOn", { n: free.length, day: dayName });

  return (
    <div className="book-picker">
      {notice && <Alert testId="slot-notice">{notice}</Alert>}
      <p className="book-note">{t("clinicTimeNote", { zone: zoneName(zone) })}</p>
      <h2 id="book-days">{t("day")}</h2>
      <ul className="book-days" aria-labelledby="book-days">
        {days.map((d, i) => {
          const s = shortDay(d, lang);
          return (
            <li key={d}>
              <button
                type="button"
                className="book-day"
                aria-pressed={d === shown}
                data-day={d}
                onClick={() => onDay(d)}
              >
                <span className="book-day-name">{i === 0 ? t("today") : i === 1 ? t("tomorrow") : s.weekday}</span>
                <span className="book-day-date">{s.date}</span>
              </button>
            </li>
          );
        })}
      </ul>
      <h2 id="book-times">{t("times")}</h2>
      <p className="book-summary" role="status" data-testid="slots-summary">
        {summary}
      </p>
      {loaded && "error" in loaded && (
        <>
          <Alert>{errorText(loaded.error, t)}</Alert>
          <button type="button" className="book-button secondary" onClick={() => setRetry((n) => n + 1)}>
            {t("tryAgain")}
          </button>
        </>
      )}
      {ahead.length > 0 && (
        <ul className="book-slots" aria-labelledby="book-times" data-testid="slots">
          {ahead.map((s) => (
            <li key={s.start}>
              <button type="button" className={`book-slot${s.start === current ? " current" : ""}`} disabled={s.free <= 0 || s.start === current} data-start={s.start} onClick={() => onPick(s)}>
                <span className="book-slot-time">{clock(s.start, zone, lang)}</span>
                <span className="book-slot-free">{s.start === current ? t("yourTime") : s.free <= 0 ? t("full") : s.free === 1 ? t("onePlaceLeft") : t("placesLeft", { n: s.free })}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
      {slots && free.length === 0 && next && (
        <button type="button" className="book-button secondary" onClick={() => onDay(next)}>
          {t("nextDay")} →
        </button>
      )}
    </div>
  );
}
