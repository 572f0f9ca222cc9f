// What the booking form checks before it sends anything (the cloud checks again and
// answers a 422 in the page's language), and the one way numbers are sent.
import type { BookKey } from "./i18n";

/** The form's fields, as the cloud names them in a 422's `field`. */
export type Field = "name" | "phone" | "nik" | "bpjs";

/** What the patient typed. */
export interface Details {
  name: string;
  phone: string;
  nik: string;
  bpjs: string;
  consent: boolean;
}

/** An empty form: nothing typed, reminders not asked for. */
export const NO_DETAILS: Details = { name: "", phone: "", nik: "", bpjs: "", consent: false };

/** `raw` without the spaces and dashes people type numbers with. */
export function compact(raw: string): string {
  return raw.replace(/[\s-]/g, "");
}

/**
 * An Indonesian mobile number as `+628…`, or null: `08…`, `628…` or `+628…`, spaces and
 * dashes allowed, the number after the `0`/`62` (the `8…`) 9 to 12 digits long, as
 * Indonesia's mobile numbers are (0812-3456-789 to 0812-3456-78901).
 */
export function normalizePhone(raw: string): string | null {
  const m = /^(?:\+62|62|0)(8\d{8,11})$/.exec(compact(raw));
  return m ? `+62${m[1]}` : null;
}

/** A booking code as the server knows it: `k7m 3qx` → `K7M3QX`. */
export function normalizeCode(raw: string): string {
  return compact(raw).toUpperCase();
}

/** A booking code for reading, in groups of three: `K7M3QX` → `K7M 3QX`. */
export function groupCode(code: string): string {
  return normalizeCode(code).replace(/(.{3})(?=.)/g, "$1 ");
}

/** Each field's problem, as a word of the catalogue; `{}` when the form may be sent. */
export function checkDetails(d: Details): Partial<Record<Field, BookKey>> {
  const problems: Partial<Record<Field, BookKey>> = {};
  if (!d.name.trim()) problems.name = "errName";
  if (!d.phone.trim()) problems.phone = "errPhoneEmpty";
  else if (!normalizePhone(d.phone)) problems.phone = "errPhone";
  if (d.nik.trim() && !/^\d{16}$/.test(compact(d.nik))) problems.nik = "errNik";
  if (d.bpjs.trim() && !/^\d{13}$/.test(compact(d.bpjs))) problems.bpjs = "errBpjs";
  return problems;
}
