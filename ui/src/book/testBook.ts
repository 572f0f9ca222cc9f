// For the booking page's tests: the phone's own zone (not the clinics'), a frozen "now",
// two clinics and their slots, the cloud answering from a table of routes (the head
// office's `cloud`), axe on the page, and the check that no patient data went into a URL
// or into storage.
import axe from "axe-core";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { cloud, type Routes, type Sent } from "../screens/hq/testCloud";
import type { PublicClinic, Slot } from "./api";

// The phone is in Los Angeles: its day and clock are not the clinic's (set before any
// date is formatted; Node takes a new TZ at once).
process.env.TZ = "America/Los_Angeles";

/** 23:30 UTC on Sunday 6 December 2026: Monday 07.30 in Makassar (WITA, +08:00), Sunday 15.30 on the phone. */
export const NOW = new Date("2026-12-06T23:30:00Z");

export const MAKASSAR: PublicClinic = {
  id: "clinic-makassar",
  name: "Klinik Sehat Sentosa Makassar",
  time_zone: "Asia/Makassar",
  services: [
    { code: "A", name_id: "Poli Umum", name_en: "General practice" },
    { code: "G", name_id: "Poli Gigi", name_en: "Dental clinic" },
  ],
};

export const JAKARTA: PublicClinic = {
  id: "clinic-jakarta",
  name: "Klinik Sehat Sentosa Menteng",
  time_zone: "Asia/Jakarta",
  services: [{ code: "A", name_id: "Poli Umum", name_en: "General practice" }],
};

/** A Makassar slot of 30 minutes. */
export function slot(day: string, hhmm: string, free: number): Slot {
  const [h, m] = hhmm.split(":").map(Number);
  const end = h * 60 + m + 30;
  const two = (n: number) => String(n).padStart(2, "0");
  return { start: `${day}T${hhmm}:00+08:00`, end: `${day}T${two(Math.floor(end / 60))}:${two(end % 60)}:00+08:00`, free };
}

/** Makassar's days: today 07.00 (begun already), 08.00 (2 left), 08.30 (full), 09.00 (1 left); closed tomorrow; full the day after. */
export function makassarSlots(day: string | null): Slot[] {
  if (day === "2026-12-07") return [slot(day, "07:00", 3), slot(day, "08:00", 2), slot(day, "08:30", 0), slot(day, "09:00", 1)];
  if (day === "2026-12-09") return [slot(day, "08:00", 0), slot(day, "08:30", 0)];
  if (day === "2026-12-10") return [slot(day, "10:00", 4)];
  return [];
}

/** The booking the tests look up: K7M3QX, made with +6281234567890. */
export const BOOKING = {
  code: "K7M3QX",
  clinic: MAKASSAR.id,
  clinic_name: MAKASSAR.name,
  service: "A",
  service_name_id: "Poli Umum",
  service_name_en: "General practice",
  start: "2026-12-07T08:00:00+08:00",
  end: "2026-12-07T08:30:00+08:00",
  status: "booked" as const,
};

/** The patient of the tests: what must never be in a URL or in storage. */
export const PATIENT = { name: "Siti Rahayu", phone: "0812-3456 7890", digits: "81234567890", nik: "3173012345678901", bpjs: "0001234567890" };

const slotsPath = (c: PublicClinic) => `GET /api/v1/public/clinics/${c.id}/slots`;

/** The cloud with both clinics and Makassar's slots, plus `extra`; every request is kept in `requests`. */
export function bookCloud(extra: Routes = {}): Sent[] {
  const sent = cloud({
    "GET /api/v1/public/clinics": { body: [MAKASSAR, JAKARTA] },
    [slotsPath(MAKASSAR)]: (s) => ({ body: makassarSlots(new URL(s.url, "http://x").searchParams.get("date")) }),
    ...extra,
  });
  requests.push(sent);
  return sent;
}

/** The requests of the test running (each `bookCloud` call's list). */
export const requests: Sent[][] = [];

/** Makassar's slots route, for a test that answers it otherwise. */
export const MAKASSAR_SLOTS = slotsPath(MAKASSAR);

/** Freezes the clock at {@link NOW} (timers still run). */
export function freezeNow() {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(NOW);
}

/** An element's text as read, without the word joiners that keep `08.00–08.30` on one line. */
export function text(el: Element | null): string {
  return (el?.textContent ?? "").replace(/\u2060/g, "");
}

/** Types `value` into the field labelled `label` (a regular expression of its label). */
export function type(label: RegExp | string, value: string) {
  fireEvent.change(screen.getByLabelText(label), { target: { value } });
}

/** axe-core finds nothing on the page as it is now (contrast is Chromium's to check: jsdom lays nothing out). */
export async function noAxeViolations() {
  let result: axe.AxeResults | undefined;
  await act(async () => {
    result = await axe.run(document.body, { rules: { "color-contrast": { enabled: false } } });
  });
  expect(result!.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`)).toEqual([]);
}

/** No URL asked for holds the patient's name, number, NIK or BPJS number, or any query but `service` and `date`; storage holds only the language. */
export function expectNoPatientData() {
  const urls = requests.flat().map((s) => decodeURIComponent(s.url));
  for (const url of urls) {
    expect(url).not.toContain(PATIENT.name);
    expect(url).not.toContain(PATIENT.digits);
    expect(url).not.toContain(PATIENT.nik);
    expect(url).not.toContain(PATIENT.bpjs);
    const query = new URL(url, "http://x").searchParams;
    expect([...query.keys()].every((k) => k === "service" || k === "date")).toBe(true);
  }
  expect(Object.keys(localStorage).every((k) => k === "medicloud.lang")).toBe(true);
  expect(sessionStorage.length).toBe(0);
}

/** Waits until the day's slots are on screen (or said to be none). */
export async function slotsLoaded() {
  await waitFor(() => expect(screen.getByTestId("slots-summary").textContent).not.toMatch(/^(Memuat|Loading)/));
}
