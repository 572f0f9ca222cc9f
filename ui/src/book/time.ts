// Days and times on the booking page are the clinic's (its `time_zone`), never the
// phone's: a phone set to another zone still offers the clinic's today and shows a
// slot at the clinic's 08.00. Calendar days are `YYYY-MM-DD` strings, counted on as UTC
// dates (a day has no zone once it is named).
import type { Lang } from "./api";

function locale(lang: Lang): string {
  return lang === "id" ? "id-ID" : "en-GB";
}

/** The calendar day of `at` in `timeZone`, as `2026-12-07`. */
export function dayIn(timeZone: string, at: Date | number = Date.now()): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

/** Noon UTC of `day`: a moment that is `day` when formatted in UTC. */
function noon(day: string): Date {
  const [y, m, d] = day.split("-").map(Number);
  return new Date(Date.UTC(y, m - 1, d, 12));
}

/** `count` calendar days from `first` on, `first` included. */
export function daysFrom(first: string, count: number): string[] {
  const start = noon(first).getTime();
  return Array.from({ length: count }, (_, i) => new Date(start + i * 86_400_000).toISOString().slice(0, 10));
}

/** `day` in words: `Senin, 7 Desember 2026` (`Monday 7 December 2026`). */
export function longDay(day: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone: "UTC", weekday: "long", day: "numeric", month: "long", year: "numeric" }).format(noon(day));
}

/** `day` on a day button: the short weekday, and `7 Des`. */
export function shortDay(day: string, lang: Lang): { weekday: string; date: string } {
  const at = noon(day);
  return {
    weekday: new Intl.DateTimeFormat(locale(lang), { timeZone: "UTC", weekday: "short" }).format(at),
    date: new Intl.DateTimeFormat(locale(lang), { timeZone: "UTC", day: "numeric", month: "short" }).format(at),
  };
}

/** `at` (RFC 3339) as the clinic's clock, `08.00` (`08:00`). */
export function clock(at: string, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(at));
}

/** Indonesia's own names of its zones; another zone by the browser's short name. */
const ZONE_NAMES: Record<string, string> = {
  "Asia/Jakarta": "WIB",
  "Asia/Pontianak": "WIB",
  "Asia/Makassar": "WITA",
  "Asia/Ujung_Pandang": "WITA",
  "Asia/Jayapura": "WIT",
};

/** The zone as a patient reads it: `WITA`. */
export function zoneName(timeZone: string): string {
  if (ZONE_NAMES[timeZone]) return ZONE_NAMES[timeZone];
  const part = new Intl.DateTimeFormat("en-GB", { timeZone, timeZoneName: "short" }).formatToParts(new Date()).find((p) => p.type === "timeZoneName");
  return part?.value ?? timeZone;
}

/** A visit's day and clock apart: `Senin, 7 Desember 2026` and `08.00–08.30 WITA`. */
export function visitParts(start: string, end: string | undefined, timeZone: string, lang: Lang): { day: string; time: string } {
  const from = clock(start, timeZone, lang);
  // Word joiners: `08.00–08.30` is never broken across lines at its dash.
  const to = end ? `\u2060–\u2060${clock(end, timeZone, lang)}` : "";
  return { day: longDay(dayIn(timeZone, new Date(start)), lang), time: `${from}${to} ${zoneName(timeZone)}` };
}

/** A visit in words: `Senin, 7 Desember 2026, 08.00–08.30 WITA`. */
export function visitTime(start: string, end: string | undefined, timeZone: string, lang: Lang): string {
  const { day, time } = visitParts(start, end, timeZone, lang);
  return `${day}, ${time}`;
}
