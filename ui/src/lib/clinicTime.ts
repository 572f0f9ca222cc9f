// Every clock, date and time on the screens is in the clinic's time zone (GET
// /api/v1/clinic `time_zone`), never the device's: a kiosk or a browser set to UTC still
// shows Jakarta's 06:30 at 23:30 UTC, and offers Jakarta's today for a booking.
import { useEffect, useState } from "react";
import { api, staffToken } from "../api/client";
import type { Lang } from "./i18n";

/** The zone until the clinic's is known (the demo's and most clinics'). */
export const DEFAULT_TIME_ZONE = "Asia/Jakarta";

function locale(lang: Lang): string {
  return lang === "id" ? "id-ID" : "en-GB";
}

/** `at` as `06:30` in `timeZone`. */
export function clockTime(at: Date | number, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

/** `at` as `Kamis, 3 Desember` (`Thursday 3 December`) in `timeZone`. */
export function clockDate(at: Date | number, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, weekday: "long", day: "numeric", month: "long" }).format(at);
}

/** `at` as a date and a time, `03/12/2026 06:30`, in `timeZone`. */
export function dateTime(at: Date | number, timeZone: string, lang: Lang): string {
  return new Intl.DateTimeFormat(locale(lang), { timeZone, day: "2-digit", month: "2-digit", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
}

/** The calendar day of `at` in `timeZone`, as `2026-12-03` (what a date input holds). */
export function dayIn(timeZone: string, at: Date | number = Date.now()): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(at).map((p) => [p.type, p.value]),
  );
  return `${parts.year}-${parts.month}-${parts.day}`;
}

let known: string | null = null;
let asking: Promise<string> | null = null;
const listeners = new Set<(zone: string) => void>();

/** Tells every screen part the clinic's zone (a screen that read the clinic itself). */
export function rememberTimeZone(zone: string | null | undefined) {
  if (!zone || zone === known) return;
  known = zone;
  listeners.forEach((l) => l(zone));
}

/** Asks the node once per page, with whichever token the page holds. */
function ask(): Promise<string> {
  if (!asking) {
    const token = staffToken.get() ?? localStorage.getItem("medicloud.deviceToken");
    asking = api("GET", "/api/v1/clinic", { token })
      .then((c) => {
        rememberTimeZone(c.time_zone);
        return c.time_zone;
      })
      .catch(() => {
        asking = null; // not logged in yet, or offline: ask again on the next mount
        return known ?? DEFAULT_TIME_ZONE;
      });
  }
  return asking;
}

/** The clinic's time zone ({@link DEFAULT_TIME_ZONE} until the node has said). */
export function useClinicTimeZone(): string {
  const [zone, setZone] = useState(known ?? DEFAULT_TIME_ZONE);
  useEffect(() => {
    listeners.add(setZone);
    if (known) setZone(known);
    else void ask();
    return () => {
      listeners.delete(setZone);
    };
  }, []);
  return zone;
}

/** Forgets the zone (tests). */
export function forgetTimeZone() {
  known = null;
  asking = null;
}
