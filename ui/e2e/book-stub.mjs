// ┌──────────────────────────────────────────────────────────────────────────────────┐
// │ DEVELOPMENT AID ONLY — NOT THE CLOUD. A throwaway stand-in for the cloud's public │
// │ booking API, for building the booking page and taking its screenshots while the  │
// │ real routes are being written. Nothing ships or tests against it but book.mjs    │
// │ during development; the real walk points MEDICLOUD_CLOUD_URL at a real cloud.    │
// └──────────────────────────────────────────────────────────────────────────────────┘
// A plain node:http server, data in memory (gone when it stops): three clinics in
// three zones, slots every 30 minutes (Sundays closed, Saturday mornings only, some
// slots full), bookings with a code, QR code (SVG, npm `qrcode`) and .ics file,
// lookup / cancel / move by code and phone, 422s worded in the Accept-Language's
// language, 409 slot_full, 429 after 10 failed lookups in a minute. It serves the built
// book.html at /book and /book/*, and /assets, gzip-compressed with the cloud's
// security headers, so sizes and the CSP are as the cloud's.
//   npm run build && node e2e/book-stub.mjs [port]     (default 8787; 0 picks one)
// It logs method and path only, never a body.
import { randomInt } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { createServer } from "node:http";
import { dirname, extname, join, normalize, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import QRCode from "qrcode";

const here = dirname(fileURLToPath(import.meta.url));
const dist = resolve(here, "..", "dist");
const port = Number(process.argv[2] ?? process.env.PORT ?? 8787);

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";
const SECURITY = { "x-content-type-options": "nosniff", "x-frame-options": "DENY", "referrer-policy": "no-referrer", "content-security-policy": CSP, "cross-origin-opener-policy": "same-origin" };

const OFFSETS = { "Asia/Jakarta": "+07:00", "Asia/Makassar": "+08:00", "Asia/Jayapura": "+09:00" };
const clinics = [
  {
    id: "6d656469-636c-6f75-6400-0000000000a1",
    name: "Klinik Sehat Sentosa Makassar",
    time_zone: "Asia/Makassar",
    services: [
      { code: "A", name_id: "Poli Umum", name_en: "General practice" },
      { code: "G", name_id: "Poli Gigi", name_en: "Dental clinic" },
      { code: "K", name_id: "Kesehatan Ibu dan Anak", name_en: "Mother and child health" },
    ],
  },
  {
    id: "6d656469-636c-6f75-6400-0000000000a2",
    name: "Klinik Sehat Sentosa Menteng, Jakarta",
    time_zone: "Asia/Jakarta",
    services: [
      { code: "A", name_id: "Poli Umum", name_en: "General practice" },
      { code: "L", name_id: "Laboratorium", name_en: "Laboratory" },
    ],
  },
  {
    id: "6d656469-636c-6f75-6400-0000000000a3",
    name: "Klinik Sehat Sentosa Jayapura",
    time_zone: "Asia/Jayapura",
    services: [{ code: "A", name_id: "Poli Umum", name_en: "General practice" }],
  },
];
const CAPACITY = 4;
/** code → booking (with the patient's data: memory only, never logged). */
const bookings = new Map();
/** client → failed lookups' times, for the 429. */
const failures = new Map();

const say = (lang, id, en) => (lang === "en" ? en : id);

/** The clinic's today, `YYYY-MM-DD`. */
function today(zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** A small, stable hash: the same slot is as busy on every run. */
function hash(text) {
  let h = 2166136261;
  for (const c of text) h = Math.imul(h ^ c.charCodeAt(0), 16777619);
  return h >>> 0;
}

/** A day's slots of a service, or [] when closed (Sundays; past or beyond 14 days). */
function slots(clinic, service, date) {
  const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
  const first = today(clinic.time_zone);
  const days = (Date.parse(`${date}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000;
  if (weekday === 0 || days < 0 || days > 13) return [];
  const offset = OFFSETS[clinic.time_zone];
  const out = [];
  const last = weekday === 6 ? 12 * 60 : 15 * 60;
  for (let m = 8 * 60; m < last; m += 30) {
    if (m >= 12 * 60 && m < 13 * 60) continue; // lunch
    const hhmm = (x) => `${String(Math.floor(x / 60)).padStart(2, "0")}:${String(x % 60).padStart(2, "0")}`;
    const start = `${date}T${hhmm(m)}:00${offset}`;
    const end = `${date}T${hhmm(m + 30)}:00${offset}`;
    const others = hash(`${clinic.id}${service}${start}`) % 6; // 0–5 booked at the desk
    const online = [...bookings.values()].filter((b) => b.status === "booked" && b.clinic === clinic.id && b.service === service && b.start === start).length;
    out.push({ start, end, free: Math.max(0, CAPACITY - Math.min(others, CAPACITY) - online) });
  }
  return out;
}

const compact = (s) => String(s ?? "").replace(/[\s-]/g, "");
function phoneOf(raw) {
  const m = /^(?:\+62|62|0)(8\d{8,11})$/.exec(compact(raw));
  return m ? `+62${m[1]}` : null;
}
const CODE_LETTERS = "ACDEFGHJKMNPQRTUVWXY3479";
function newCode() {
  let code;
  do code = Array.from({ length: 6 }, () => CODE_LETTERS[randomInt(CODE_LETTERS.length)]).join("");
  while (bookings.has(code));
  return code;
}
const made = (b) => ({ code: b.code, start: b.start, service: b.service, qr_url: `/api/v1/public/bookings/${b.code}/qr.svg`, ics_url: `/api/v1/public/bookings/${b.code}/booking.ics` });
function view(b) {
  const clinic = clinics.find((c) => c.id === b.clinic);
  const service = clinic.services.find((s) => s.code === b.service);
  return { code: b.code, clinic: b.clinic, clinic_name: clinic.name, service: b.service, service_name_id: service.name_id, service_name_en: service.name_en, start: b.start, end: b.end, status: b.status };
}

function send(req, res, status, body, headers = {}) {
  const raw = Buffer.isBuffer(body) ? body : Buffer.from(typeof body === "string" ? body : JSON.stringify(body));
  const h = { "content-type": "application/json", ...SECURITY, ...headers, vary: "accept-encoding" };
  const gzip = /\bgzip\b/.test(req.headers["accept-encoding"] ?? "") && raw.length > 256;
  res.writeHead(status, gzip ? { ...h, "content-encoding": "gzip" } : h);
  res.end(gzip ? gzipSync(raw) : raw);
}
const fail = (req, res, status, code, message, extra = {}, headers = {}) => send(req, res, status, { code, message, ...extra }, headers);

const TYPES = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon" };
function file(req, res, path, cache) {
  try {
    statSync(path);
  } catch {
    return fail(req, res, 404, "not_found", "not found");
  }
  send(req, res, 200, readFileSync(path), { "content-type": TYPES[extname(path)] ?? "application/octet-stream", "cache-control": cache });
}

function readBody(req) {
  return new Promise((ok) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => {
      try {
        ok(text ? JSON.parse(text) : {});
      } catch {
        ok(null);
      }
    });
  });
}

/** The booking `code` if `phone` is its number; counts a miss toward the 429. */
function owned(req, code, phone) {
  const b = bookings.get(String(code).toUpperCase());
  if (b && b.phone === phoneOf(phone)) return b;
  const who = req.socket.remoteAddress;
  const recent = (failures.get(who) ?? []).filter((t) => Date.now() - t < 60_000);
  recent.push(Date.now());
  failures.set(who, recent);
  return null;
}
function limited(req) {
  const recent = (failures.get(req.socket.remoteAddress) ?? []).filter((t) => Date.now() - t < 60_000);
  return recent.length >= 10 ? Math.ceil((recent[0] + 60_000 - Date.now()) / 1000) : 0;
}

async function api(req, res, url, lang) {
  const path = url.pathname;
  if (req.method === "GET" && path === "/api/v1/public/clinics") return send(req, res, 200, clinics);
  let m = /^\/api\/v1\/public\/clinics\/([^/]+)\/slots$/.exec(path);
  if (req.method === "GET" && m) {
    const clinic = clinics.find((c) => c.id === decodeURIComponent(m[1]));
    if (!clinic) return fail(req, res, 404, "not_found", say(lang, "Klinik tidak ditemukan.", "No such clinic."));
    const service = url.searchParams.get("service");
    const date = url.searchParams.get("date") ?? "";
    if (!clinic.services.some((s) => s.code === service)) return fail(req, res, 422, "validation_failed", say(lang, "Layanan tidak dikenal.", "Unknown service."), { field: "service" });
    if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) return fail(req, res, 422, "validation_failed", say(lang, "Tanggal tidak valid.", "Not a valid date."), { field: "date" });
    return send(req, res, 200, slots(clinic, service, date));
  }
  m = /^\/api\/v1\/public\/bookings\/([^/]+)\/(qr\.svg|booking\.ics)$/.exec(path);
  if (req.method === "GET" && m) {
    const b = bookings.get(decodeURIComponent(m[1]));
    if (!b) return fail(req, res, 404, "not_found", "not found");
    if (m[2] === "qr.svg") return send(req, res, 200, await QRCode.toString(b.code, { type: "svg", margin: 2, errorCorrectionLevel: "M" }), { "content-type": "image/svg+xml" });
    const clinic = clinics.find((c) => c.id === b.clinic);
    const utc = (at) => new Date(at).toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
    const ics = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Medicloud//booking stub//ID", "BEGIN:VEVENT", `UID:${b.code}@medicloud.stub`, `DTSTAMP:${utc(Date.now())}`, `DTSTART:${utc(b.start)}`, `DTEND:${utc(b.end)}`, `SUMMARY:${clinic.name} (${b.code})`, "END:VEVENT", "END:VCALENDAR", ""].join("\r\n");
    return send(req, res, 200, ics, { "content-type": "text/calendar; charset=utf-8", "content-disposition": `attachment; filename="booking-${b.code}.ics"` });
  }
  if (req.method !== "POST") return fail(req, res, 404, "not_found", "no such route");
  const body = await readBody(req);
  if (!body) return fail(req, res, 400, "bad_json", "the body is not JSON");

  if (path === "/api/v1/public/bookings") {
    const clinic = clinics.find((c) => c.id === body.clinic);
    if (!clinic) return fail(req, res, 422, "validation_failed", say(lang, "Klinik tidak dikenal.", "Unknown clinic."), { field: "clinic" });
    const slot = clinic.services.some((s) => s.code === body.service) && slots(clinic, body.service, String(body.start ?? "").slice(0, 10)).find((s) => s.start === body.start);
    if (!slot) return fail(req, res, 422, "validation_failed", say(lang, "Jam ini tidak ada pada jadwal klinik.", "This time is not on the clinic's timetable."), { field: "start" });
    if (!String(body.name ?? "").trim()) return fail(req, res, 422, "validation_failed", say(lang, "Nama wajib diisi.", "A name is required."), { field: "name" });
    const phone = phoneOf(body.phone);
    if (!phone) return fail(req, res, 422, "validation_failed", say(lang, "Nomor HP tidak valid.", "Not a valid mobile number."), { field: "phone" });
    if (body.nik != null && !/^\d{16}$/.test(body.nik)) return fail(req, res, 422, "validation_failed", say(lang, "NIK harus 16 angka.", "The NIK must be 16 digits."), { field: "nik" });
    if (body.bpjs != null && !/^\d{13}$/.test(body.bpjs)) return fail(req, res, 422, "validation_failed", say(lang, "Nomor BPJS harus 13 angka.", "The BPJS number must be 13 digits."), { field: "bpjs" });
    if (slot.free <= 0) return fail(req, res, 409, "slot_full", say(lang, "Jam ini sudah penuh.", "This time is full."));
    const b = { code: newCode(), clinic: clinic.id, service: body.service, start: slot.start, end: slot.end, name: body.name.trim(), phone, nik: body.nik, bpjs: body.bpjs, consent: !!body.consent_messages, status: "booked" };
    bookings.set(b.code, b);
    return send(req, res, 201, made(b));
  }
  m = /^\/api\/v1\/public\/bookings\/([^/]+)\/(lookup|cancel|move)$/.exec(path);
  if (!m) return fail(req, res, 404, "not_found", "no such route");
  const wait = limited(req);
  if (wait) return fail(req, res, 429, "rate_limited", say(lang, "Terlalu banyak percobaan.", "Too many attempts."), {}, { "retry-after": String(wait) });
  const b = owned(req, decodeURIComponent(m[1]), body.phone);
  if (!b) return fail(req, res, 404, "not_found", say(lang, "Booking tidak ditemukan.", "No such booking."));
  if (m[2] === "lookup") return send(req, res, 200, view(b));
  if (b.status === "checked_in") return fail(req, res, 409, "already_checked_in", say(lang, "Booking ini sudah check-in.", "This booking is checked in."));
  if (m[2] === "cancel") {
    b.status = "cancelled";
    return send(req, res, 200, view(b));
  }
  if (b.status !== "booked") return fail(req, res, 409, "appointment_cancelled", say(lang, "Booking ini sudah dibatalkan.", "This booking is cancelled."));
  const clinic = clinics.find((c) => c.id === b.clinic);
  const slot = slots(clinic, b.service, String(body.start ?? "").slice(0, 10)).find((s) => s.start === body.start);
  if (!slot) return fail(req, res, 422, "validation_failed", say(lang, "Jam ini tidak ada pada jadwal klinik.", "This time is not on the clinic's timetable."), { field: "start" });
  if (slot.start !== b.start && slot.free <= 0) return fail(req, res, 409, "slot_full", say(lang, "Jam ini sudah penuh.", "This time is full."));
  b.start = slot.start;
  b.end = slot.end;
  return send(req, res, 200, made(b));
}

const server = createServer(async (req, res) => {
  const url = new URL(req.url, "http://stub");
  const lang = /^en\b/i.test(req.headers["accept-language"] ?? "") ? "en" : "id";
  console.log(`${req.method} ${url.pathname}`);
  try {
    if (url.pathname.startsWith("/api/")) return await api(req, res, url, lang);
    if (url.pathname === "/book" || url.pathname.startsWith("/book/")) return file(req, res, join(dist, "book.html"), "no-cache");
    if (url.pathname.startsWith("/assets/")) {
      const path = normalize(join(dist, url.pathname));
      if (!path.startsWith(join(dist, "assets"))) return fail(req, res, 404, "not_found", "not found");
      return file(req, res, path, "public, max-age=31536000, immutable");
    }
    return fail(req, res, 404, "not_found", "no such route");
  } catch (e) {
    console.error(e);
    return fail(req, res, 500, "internal", "internal error");
  }
});
server.listen(port, "127.0.0.1", () => console.log(`booking stub (development aid, not the cloud) listening on http://127.0.0.1:${server.address().port}/book`));
