// The booking page's client of the cloud's public booking API (`/api/v1/public/…`, same
// origin, no login). The types are written by hand from the agreed contract: the
// cloud's OpenAPI document does not describe these routes yet, so when it does, generate
// them (`npm run gen:api`) and check these against it. Kept apart from `api/client.ts`
// and its generated schema so the page loads nothing of the other screens.
//
// The patient's name, phone number, NIK and BPJS number travel only in POST bodies,
// never in a URL; the booking code, which the contract puts in the path, is no patient
// data.

/** The page's two languages; every request asks for answers in one of them. */
export type Lang = "id" | "en";

/** A service a clinic takes online bookings for. */
export interface PublicService {
  /** The clinic's code for it (`A`), what the slots and a booking name. */
  code: string;
  name_id: string;
  name_en: string;
}

/** `GET /api/v1/public/clinics`: a clinic of the chain that takes online bookings. */
export interface PublicClinic {
  id: string;
  name: string;
  /** IANA zone (`Asia/Makassar`): every day and time of this clinic is said in it. */
  time_zone: string;
  services: PublicService[];
}

/** `GET …/slots`: one bookable time of a day. */
export interface Slot {
  /** RFC 3339 with the clinic's offset, `2026-12-07T08:00:00+08:00`. */
  start: string;
  end: string;
  /** Online places left; 0 is full (full slots are listed too). */
  free: number;
}

/** `POST /api/v1/public/bookings`'s body. */
export interface BookingRequest {
  clinic: string;
  service: string;
  /** The chosen slot's `start`, as the slots gave it. */
  start: string;
  name: string;
  /** `+628…`, as `validate.ts` normalises it. */
  phone: string;
  nik?: string;
  bpjs?: string;
  /** Reminders by WhatsApp/SMS; the booking stands either way. */
  consent_messages: boolean;
}

/** A booking made or moved: what the confirmation shows. */
export interface BookingConfirmation {
  /** `K7M3QX`: what the kiosk scans or the patient types. */
  code: string;
  start: string;
  /** The service's code. */
  service: string;
  /** Same-origin image of the QR code the kiosk scans. */
  qr_url: string;
  /** Same-origin `.ics` file of the visit. */
  ics_url: string;
}

/** Where a booking stands. */
export type BookingStatus = "booked" | "cancelled" | "checked_in";

/** A booking looked up (or cancelled) with its code and phone number. */
export interface BookingView {
  code: string;
  /** The clinic's id (its zone is in the clinics list). */
  clinic: string;
  clinic_name: string;
  service: string;
  service_name_id: string;
  service_name_en: string;
  start: string;
  end: string;
  status: BookingStatus;
}

/** A refusal: the server's `{code, message, field}`, or `offline` when nothing answered. */
export class BookError extends Error {
  constructor(
    /** HTTP status; 0 when the request never got an answer. */
    readonly status: number,
    /** `slot_full`, `validation_failed`, `not_found`, `rate_limited`, `offline`, … */
    readonly code: string,
    /** The server's words, in the language asked for (empty when offline). */
    message: string,
    /** The body field a `validation_failed` is about (`phone`). */
    readonly field?: string,
    /** Seconds to wait, from a 429's `Retry-After`. */
    readonly retryAfter?: number,
  ) {
    super(message);
  }
}

/** Seconds from a `Retry-After` header: delta-seconds or an HTTP date. */
function retryAfterSeconds(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, Math.ceil(seconds));
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, Math.ceil((at - Date.now()) / 1000));
}

async function call<T>(lang: Lang, method: "GET" | "POST", path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: "application/json", "accept-language": lang };
  if (body !== undefined) headers["content-type"] = "application/json";
  let res: Response;
  try {
    res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  } catch {
    throw new BookError(0, "offline", "");
  }
  const text = await res.text().catch(() => "");
  let json: unknown = undefined;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  if (!res.ok) {
    const e = (json ?? {}) as { code?: string; message?: string; field?: string };
    const code = e.code ?? (res.status === 429 ? "rate_limited" : res.status === 404 ? "not_found" : "unknown");
    throw new BookError(res.status, code, e.message ?? "", e.field, retryAfterSeconds(res.headers.get("retry-after")));
  }
  return json as T;
}

const seg = encodeURIComponent;

/** The clinics that take online bookings, with their services. */
export function listClinics(lang: Lang): Promise<PublicClinic[]> {
  return call(lang, "GET", "/api/v1/public/clinics");
}

/** A day's slots of one service (`day` is the clinic's `YYYY-MM-DD`); `[]` when closed. */
export function listSlots(lang: Lang, clinic: string, service: string, day: string): Promise<Slot[]> {
  return call(lang, "GET", `/api/v1/public/clinics/${seg(clinic)}/slots?service=${seg(service)}&date=${seg(day)}`);
}

/** Books a slot: 201, or 409 `slot_full`, 422 `validation_failed`, 429. */
export function createBooking(lang: Lang, booking: BookingRequest): Promise<BookingConfirmation> {
  return call(lang, "POST", "/api/v1/public/bookings", booking);
}

/** The booking with this code, when `phone` is the one it was made with (else 404). */
export function lookupBooking(lang: Lang, code: string, phone: string): Promise<BookingView> {
  return call(lang, "POST", `/api/v1/public/bookings/${seg(code)}/lookup`, { phone });
}

/** Cancels it: the booking as it now stands, or 409 `already_checked_in`. */
export function cancelBooking(lang: Lang, code: string, phone: string): Promise<BookingView> {
  return call(lang, "POST", `/api/v1/public/bookings/${seg(code)}/cancel`, { phone });
}

/** Moves it to another free `start` of the same service: 409 `slot_full` when taken. */
export function moveBooking(lang: Lang, code: string, phone: string, start: string): Promise<BookingConfirmation> {
  return call(lang, "POST", `/api/v1/public/bookings/${seg(code)}/move`, { phone, start });
}
