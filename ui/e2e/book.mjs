// End-to-end, the patients' booking page (/book) against a running cloud, in headless
// Chromium (Debian's, through playwright-core; nothing is downloaded), as a 360×740
// phone: in Bahasa Indonesia and in English, book the first free time, see the code and
// QR code, manage the booking (move it, in English) and cancel it; then the same
// keyboard-only at 200 % text size; then the page's weight and time to interactive
// under a throttled phone profile. It reads clinics, services and slots from the API
// and leaves nothing booked (every booking it makes it cancels; it asks for no
// reminders), so it may run against a real cloud.
//   MEDICLOUD_CLOUD_URL=https://cloud.example node e2e/book.mjs
// While the cloud's routes are being built, against the development stub:
//   npm run build && node e2e/book-stub.mjs 8787 &
//   MEDICLOUD_CLOUD_URL=http://127.0.0.1:8787 node e2e/book.mjs
// Screenshots go to e2e/screenshots/book/, or $MEDICLOUD_SHOTS. It prints
// `book.transfer_kib=… book.gzip9_kib=… book.tti_ms=…` (medians of three cold loads).
import { mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { axeCheck, check, passed } from "./checks.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const base = (process.env.MEDICLOUD_CLOUD_URL ?? "").replace(/\/+$/, "");
if (!base) throw new Error("set MEDICLOUD_CLOUD_URL to the cloud (or the development stub, e2e/book-stub.mjs)");
const shots = process.env.MEDICLOUD_SHOTS ?? join(here, "screenshots", "book");
mkdirSync(shots, { recursive: true });
/** The budget of the brief: the whole page compressed, and interactive on a slow phone. */
const BUDGET_KIB = 150;
const BUDGET_TTI_MS = 2000;
/** A zone no clinic of Indonesia is in: the page must show the clinic's times anyway. */
const PHONE_ZONE = "America/Sao_Paulo";

// The words the walk expects, written here apart from src/book/i18n.ts.
const W = {
  id: {
    chooseClinic: "Pilih klinik",
    chooseService: "Pilih layanan",
    chooseTime: "Pilih hari dan jam",
    details: "Data Anda",
    today: "Hari ini",
    errName: "Tulis nama Anda.",
    errPhoneEmpty: "Tulis nomor HP Anda.",
    errPhone: "Nomor HP ini tidak bisa dipakai",
    errNik: "NIK harus 16 angka.",
    booked: "Booking Anda sudah tercatat",
    qrAlt: (code) => `Kode QR untuk booking ${code}`,
    kiosk: "30 menit sebelum jam Anda",
    manage: "Kelola booking saya",
    find: "Cari booking",
    statusBooked: "Terjadwal",
    statusCancelled: "Dibatalkan",
    cancel: "Batalkan booking",
    cancelYes: "Ya, batalkan",
    move: "Pindah jadwal",
    moveYes: "Ya, pindahkan",
    moved: "Jadwal booking Anda sudah dipindah",
    phone: "Nomor HP",
    name: "Nama lengkap",
    nik: "NIK",
    consent: "Kirimi saya pengingat lewat WhatsApp/SMS",
    book: "Pesan sekarang",
    notFound: "Tidak ada booking dengan kode dan nomor HP ini",
  },
  en: {
    chooseClinic: "Choose a clinic",
    chooseService: "Choose a service",
    chooseTime: "Choose a day and time",
    details: "Your details",
    today: "Today",
    errName: "Please enter your name.",
    errPhoneEmpty: "Please enter your mobile number.",
    errPhone: "This mobile number cannot be used",
    errNik: "The NIK must be 16 digits.",
    booked: "You are booked",
    qrAlt: (code) => `QR code for booking ${code}`,
    kiosk: "30 minutes before your time",
    manage: "Manage my booking",
    find: "Find my booking",
    statusBooked: "Booked",
    statusCancelled: "Cancelled",
    cancel: "Cancel the booking",
    cancelYes: "Yes, cancel it",
    move: "Change the time",
    moveYes: "Yes, move it",
    moved: "Your booking has been moved",
    phone: "Mobile number",
    name: "Full name",
    nik: "NIK (national ID number)",
    consent: "Send me reminders by WhatsApp/SMS",
    book: "Book now",
    notFound: "There is no booking with this code and mobile number",
  },
};

/** A mobile number for the walk (no reminders are asked for it). */
function testPhone() {
  const n = String(Math.floor(Math.random() * 1e8)).padStart(8, "0");
  return { typed: `0812-${n.slice(0, 4)} ${n.slice(4)}`, digits: `812${n}` };
}

/** The clinic's today, `YYYY-MM-DD`. */
function today(zone) {
  const p = Object.fromEntries(new Intl.DateTimeFormat("en-US", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(new Date()).map((x) => [x.type, x.value]));
  return `${p.year}-${p.month}-${p.day}`;
}

/** `08:00` of an RFC 3339 time with the clinic's offset, as the page writes it (`08.00` in Indonesian). */
const wallClock = (start, lang) => start.slice(11, 16).replace(":", lang === "id" ? "." : ":");

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `book-${name}.png`), fullPage: true });
}

/** No sideways scrolling: everything fits the phone's width. */
async function fits(page, what) {
  const [scroll, width] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth]);
  check(`${what}: fits the screen's width (${scroll} ≤ ${width} px)`, scroll <= width, `${scroll} > ${width}`);
}

/** axe: no violation at all (moderate ones too) on the booking page. */
async function a11y(page, what) {
  const all = await axeCheck(page, what);
  check(`${what}: no accessibility violations of any impact`, all.length === 0, JSON.stringify(all));
}

/** The heading of the step on screen. */
async function heading(page, name) {
  await page.getByRole("heading", { level: 1, name }).waitFor();
}

/** Waits for the slots of the day shown to be loaded; answers how many are free. */
async function freeSlots(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-page="book"]:not([hidden]) [data-testid="slots-summary"], [data-page="manage"]:not([hidden]) [data-testid="slots-summary"]');
    return s && !/^(Memuat|Loading)/.test(s.textContent ?? "");
  });
  return page.locator(".book-slot:not([disabled])").count();
}

/** Presses Tab until `locator` has the focus (at most `max` times); checks the focus shows. */
async function tabTo(page, locator, what, max = 80) {
  for (let i = 0; i < max; i++) {
    if (await locator.evaluate((el) => el === document.activeElement).catch(() => false)) {
      const ring = await locator.evaluate((el) => {
        const s = getComputedStyle(el);
        return { style: s.outlineStyle, width: parseFloat(s.outlineWidth), colour: s.outlineColor };
      });
      check(`keyboard: Tab reaches ${what}, its focus ring shows (${ring.style} ${ring.width}px)`, ring.style !== "none" && ring.width >= 2, JSON.stringify(ring));
      return;
    }
    await page.keyboard.press("Tab");
  }
  throw new Error(`FAILED: keyboard: Tab never reached ${what}`);
}

/** One patient's walk; answers the URLs the page asked for. */
async function walk(browser, clinics, { lang, keyboard = false, bigText = false, move = false }) {
  const tag = `${lang}${keyboard ? "-keyboard" : ""}${bigText ? "-200" : ""}`;
  const w = W[lang];
  console.log(`/book, ${lang === "id" ? "Bahasa Indonesia" : "English"}${keyboard ? ", keyboard only" : ""}${bigText ? ", 200 % text" : ""}, 360×740:`);
  const context = await browser.newContext({
    bypassCSP: true, // for axe's script; the page itself runs under the cloud's CSP in the timing run
    viewport: { width: 360, height: 740 },
    deviceScaleFactor: 2,
    isMobile: !keyboard,
    hasTouch: !keyboard,
    locale: lang === "id" ? "id-ID" : "en-GB",
    timezoneId: PHONE_ZONE,
  });
  if (bigText) {
    // What a phone's "large text" does: the root font size, which every size of the page follows.
    await context.addInitScript(() => {
      document.addEventListener("DOMContentLoaded", () => {
        const s = document.createElement("style");
        s.textContent = "html { font-size: 200% !important; }";
        document.head.append(s);
      });
    });
  }
  const page = await context.newPage();
  const errors = [];
  const urls = [];
  page.on("pageerror", (e) => errors.push(e.message));
  // A refused request is the browser's console error too: those are checked by status.
  page.on("console", (m) => m.type() === "error" && !m.text().startsWith("Failed to load resource") && errors.push(m.text()));
  page.on("request", (r) => urls.push(r.url()));
  const refused = [];
  page.on("response", (r) => r.status() >= 400 && refused.push(`${r.status()} ${new URL(r.url()).pathname}`));
  const press = async (locator, what, key = "Enter") => {
    if (keyboard) {
      await tabTo(page, locator, what);
      await page.keyboard.press(key);
    } else await locator.click();
  };
  const type = async (locator, what, text) => {
    if (keyboard) {
      await tabTo(page, locator, what);
      await page.keyboard.press("Control+A");
      await page.keyboard.press("Backspace");
      await page.keyboard.type(text);
    } else await locator.fill(text);
  };
  const phone = testPhone();
  const name = `Uji Coba E2E ${lang.toUpperCase()}`;

  await page.goto(`${base}/book`);
  await heading(page, W.id.chooseClinic);
  check("the cloud serves the booking page at /book, in Bahasa Indonesia first", (await page.evaluate(() => document.documentElement.lang)) === "id");
  if (lang === "en") {
    await press(page.getByTestId("lang"), "the language switch");
    await heading(page, w.chooseClinic);
    check("the switch turns the page to English", (await page.evaluate(() => document.documentElement.lang)) === "en");
    await page.reload();
    await heading(page, w.chooseClinic);
    check("English is remembered after a reload", (await page.evaluate(() => localStorage.getItem("medicloud.lang"))) === "en");
  }

  // 1. The clinic: the API's first clinic that has a service.
  const clinic = clinics.find((c) => c.services.length > 0);
  check(`the page lists the cloud's ${clinics.length} clinics`, (await page.getByTestId("clinics").getByRole("button").count()) === clinics.length);
  await shot(page, `${tag}-1-clinic`);
  await fits(page, "clinic step");
  if (!keyboard) await a11y(page, "clinic step");
  await press(page.getByTestId("clinics").getByRole("button").filter({ hasText: clinic.name }).first(), `the clinic ${clinic.name}`);

  // 2. Its first service, named in the page's language.
  await heading(page, w.chooseService);
  const service = clinic.services[0];
  const serviceName = lang === "id" ? service.name_id : service.name_en;
  check(`${clinic.name}'s services in the page's language`, (await page.getByTestId("services").getByRole("button").first().textContent()) === serviceName);
  await shot(page, `${tag}-2-service`);
  await fits(page, "service step");
  if (!keyboard) await a11y(page, "service step");
  await press(page.getByTestId("services").getByRole("button").first(), `the service ${serviceName}`);

  // 3. The first day with a free time, the clinic's today first.
  await heading(page, w.chooseTime);
  const days = page.locator(".book-day");
  check("14 days to choose from", (await days.count()) === 14);
  const first = await days.first().getAttribute("data-day");
  check(`the first day is the clinic's today in ${clinic.time_zone} (${first}), whatever the phone's zone`, first === today(clinic.time_zone), first);
  check(`the first day says "${w.today}"`, (await days.first().textContent()).startsWith(w.today));
  let free = 0;
  for (let i = 0; i < 14 && free === 0; i++) {
    if (i > 0) await press(days.nth(i), `day ${i + 1}`);
    free = await freeSlots(page);
  }
  check("a day with a free time", free > 0);
  for (const b of await page.locator(".book-slot").all()) {
    const start = await b.getAttribute("data-start");
    const time = await b.locator(".book-slot-time").textContent();
    if (time !== wallClock(start, lang)) check(`slot ${start} shown at the clinic's ${wallClock(start, lang)}`, false, time);
  }
  check("every time is shown in the clinic's zone, not the phone's", true);
  const slot = page.locator(".book-slot:not([disabled])").first();
  const start = await slot.getAttribute("data-start");
  check(`a free time says how many places are left`, /\d/.test(await slot.locator(".book-slot-free").textContent()));
  await shot(page, `${tag}-3-times`);
  await fits(page, "day and time step");
  if (!keyboard) await a11y(page, "day and time step");
  await press(slot, `the time ${start}`);

  // 4. The details: refused empty and wrong, in the page's language; then sent.
  await heading(page, w.details);
  await press(page.getByTestId("book-submit"), "the book button");
  await page.getByText(w.errName).waitFor();
  check("an empty form is refused with words at each required field", (await page.getByText(w.errPhoneEmpty).count()) === 1);
  check("the focus goes to the first field to fix", await page.getByLabel(w.name).evaluate((el) => el === document.activeElement));
  await type(page.getByLabel(w.phone), "the phone field", "0712 345");
  await type(page.getByLabel(w.nik), "the NIK field", "12345");
  await page.getByText(w.errPhone, { exact: false }).waitFor();
  check("a wrong phone number and NIK are refused as they are typed, once tried", (await page.getByText(w.errNik).count()) === 1);
  await shot(page, `${tag}-4-details-refused`);
  await fits(page, "details step");
  if (!keyboard) await a11y(page, "details step, with errors");
  await type(page.getByLabel(w.name), "the name field", name);
  await type(page.getByLabel(w.phone), "the phone field", phone.typed);
  await type(page.getByLabel(w.nik), "the NIK field", "");
  const consent = page.getByLabel(w.consent);
  check("reminders are not asked for unless ticked", !(await consent.isChecked()));
  if (keyboard) {
    await press(consent, "the reminders checkbox", "Space");
    check("Space ticks the reminders checkbox", await consent.isChecked());
    await page.keyboard.press("Space");
    check("and Space unticks it (the walk asks for no reminders)", !(await consent.isChecked()));
  }
  await shot(page, `${tag}-4-details`);
  await press(page.getByTestId("book-submit"), "the book button");

  // The confirmation.
  await heading(page, w.booked);
  const code = (await page.getByTestId("booking-code").textContent()).trim();
  check(`the booking code is shown grouped: ${code}`, /^[A-Z0-9]{3}( [A-Z0-9]{1,3})+$/.test(code), code);
  const qr = page.getByRole("img", { name: w.qrAlt(code) });
  await page.waitForFunction(() => document.querySelector(".book-qr")?.complete);
  check("the QR code is there, loaded, with its words for a screen reader", (await qr.count()) === 1 && (await qr.evaluate((img) => img.naturalWidth > 0)));
  const visit = await page.getByTestId("visit-time").textContent();
  check(`the visit at the clinic's ${wallClock(start, lang)} (${visit})`, visit.includes(wallClock(start, lang)), visit);
  check("the confirmation names the clinic and service", (await page.getByTestId("visit").textContent()).includes(clinic.name) && (await page.getByTestId("visit").textContent()).includes(serviceName));
  check("it says what to do at the kiosk", (await page.getByText(w.kiosk, { exact: false }).count()) === 1);
  const ics = await page.getByTestId("ics").getAttribute("href");
  const calendar = await page.evaluate(async (href) => (await fetch(href)).text(), ics);
  check("the calendar link gives an .ics file", calendar.includes("BEGIN:VCALENDAR"), calendar.slice(0, 80));
  await shot(page, `${tag}-5-confirmation`);
  await fits(page, "confirmation");
  if (!keyboard) await a11y(page, "confirmation");

  // 5. Manage: look it up by code and phone.
  await press(page.getByRole("link", { name: w.manage }), "the manage link");
  await page.getByTestId("manage-find").waitFor();
  check("the code is filled in from the confirmation", (await page.locator("#manage-code").inputValue()) === code);
  if (lang === "id" && !keyboard) {
    // Once only: the cloud counts failed lookups toward its 429.
    await page.getByLabel(w.phone).fill("0812 0000 0001");
    await page.getByTestId("manage-find").click();
    await page.getByTestId("manage-refusal").waitFor();
    check("another number does not find it", (await page.getByTestId("manage-refusal").textContent()).includes(w.notFound));
    await shot(page, `${tag}-6-lookup-refused`);
    await a11y(page, "lookup, refused");
  }
  await type(page.getByLabel(w.phone), "the phone field", phone.typed.replace(/^0/, "+62 "));
  if (keyboard) await page.keyboard.press("Enter");
  else await page.getByTestId("manage-find").click();
  await page.getByTestId("booking").waitFor();
  check("the booking is found with the same number written +62", (await page.getByTestId("booking-status").textContent()) === w.statusBooked);
  await shot(page, `${tag}-6-manage`);
  await fits(page, "the booking found");
  if (!keyboard) await a11y(page, "the booking found");

  if (move) {
    await press(page.getByTestId("move"), "the move button");
    let other = 0;
    const moveDays = page.locator('[data-page="manage"] .book-day');
    for (let i = 0; i < 14; i++) {
      if (i > 0) await press(moveDays.nth(i), `day ${i + 1}`);
      other = await page.locator(`[data-page="manage"] .book-slot:not([disabled]):not([data-start="${start}"])`).count();
      if ((await freeSlots(page)) > 0 && other > 0) break;
    }
    check("another free time to move to", other > 0);
    const to = page.locator(`[data-page="manage"] .book-slot:not([disabled]):not([data-start="${start}"])`).first();
    const newStart = await to.getAttribute("data-start");
    await shot(page, `${tag}-7-move-times`);
    await press(to, `the time ${newStart}`);
    await page.getByTestId("move-yes").waitFor();
    await shot(page, `${tag}-7-move-confirm`);
    if (!keyboard) await a11y(page, "move confirmation");
    await press(page.getByTestId("move-yes"), "yes, move it");
    await heading(page, w.moved);
    const movedTime = await page.locator('[data-page="manage"] [data-testid="visit-time"]').textContent();
    check(`moved to the clinic's ${wallClock(newStart, lang)} on ${newStart.slice(0, 10)}`, movedTime.includes(wallClock(newStart, lang)), movedTime);
    await shot(page, `${tag}-7-moved`);
    if (!keyboard) await a11y(page, "moved");
    await press(page.getByRole("button", { name: lang === "id" ? "Kelola booking" : "Manage your booking" }), "back to the booking");
    await page.getByTestId("booking").waitFor();
  }

  // Cancel, after a confirmation.
  await press(page.getByTestId("cancel"), "the cancel button");
  await page.getByTestId("cancel-yes").waitFor();
  await shot(page, `${tag}-8-cancel-confirm`);
  await fits(page, "cancel confirmation");
  if (!keyboard) await a11y(page, "cancel confirmation");
  await press(page.getByTestId("cancel-yes"), "yes, cancel it", keyboard ? "Space" : "Enter");
  await page.getByTestId("cancelled").waitFor();
  check("the booking is cancelled", (await page.getByTestId("booking-status").textContent()) === w.statusCancelled);
  await shot(page, `${tag}-9-cancelled`);
  if (!keyboard) await a11y(page, "cancelled");

  const leaked = urls.filter((u) => u.includes(phone.digits) || decodeURIComponent(u).includes(name) || /[?&](phone|name|nik|bpjs)=/i.test(u));
  check(`no patient data in any of the ${urls.length} URLs the page asked for`, leaked.length === 0, JSON.stringify(leaked));
  const stored = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }));
  check("nothing of the patient's in the browser's storage", !stored.includes(phone.digits) && !stored.includes(name), stored);
  check("no script errors", errors.length === 0, JSON.stringify(errors));
  const expected = keyboard || lang !== "id" ? [] : [`404 /api/v1/public/bookings/${code.replaceAll(" ", "")}/lookup`];
  check(`no refused request but the wrong number's lookup`, JSON.stringify(refused) === JSON.stringify(expected), JSON.stringify(refused));
  await context.close();
}

/** Cold loads of /book on a throttled phone: bytes over the wire, gzip -9 of them, time to interactive. */
async function measure(browser) {
  console.log("/book on a throttled phone (1.6 Mbps down, 150 ms RTT, CPU ×4), three cold loads:");
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const context = await browser.newContext({ viewport: { width: 360, height: 740 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, locale: "id-ID" });
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send("Network.enable");
    await cdp.send("Network.setCacheDisabled", { cacheDisabled: true });
    await cdp.send("Network.emulateNetworkConditions", { offline: false, latency: 150, downloadThroughput: (1.6e6 / 8) | 0, uploadThroughput: (750e3 / 8) | 0 });
    await cdp.send("Emulation.setCPUThrottlingRate", { rate: 4 });
    const responses = new Map();
    cdp.on("Network.responseReceived", (e) => responses.set(e.requestId, { url: e.response.url, status: e.response.status, encoding: e.response.headers["content-encoding"] ?? e.response.headers["Content-Encoding"] }));
    const sizes = new Map();
    cdp.on("Network.loadingFinished", (e) => sizes.set(e.requestId, e.encodedDataLength));
    const errors = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("console", (m) => m.type() === "error" && errors.push(m.text()));
    await page.goto(`${base}/book`);
    await page.waitForFunction(() => performance.getEntriesByName("book-interactive").length > 0, null, { timeout: 30_000 });
    const tti = await page.evaluate(() => performance.getEntriesByName("book-interactive")[0].startTime);
    await page.waitForLoadState("networkidle");
    let wire = 0;
    let gzip9 = 0;
    const loaded = [];
    for (const [id, r] of responses) {
      wire += sizes.get(id) ?? 0;
      const body = Buffer.from(await (await fetch(r.url)).arrayBuffer());
      gzip9 += gzipSync(body, { level: 9 }).length;
      loaded.push(`${new URL(r.url).pathname} ${r.status} ${sizes.get(id) ?? "?"} B${r.encoding ? ` ${r.encoding}` : ""}`);
    }
    if (i === 0) console.log(`  loaded: ${loaded.join(", ")}`);
    check(`load ${i + 1}: under the cloud's CSP, no script errors`, errors.length === 0, JSON.stringify(errors));
    runs.push({ wire, gzip9, tti });
    await context.close();
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[1];
  const wire = median(runs.map((r) => r.wire)) / 1024;
  const gzip9 = median(runs.map((r) => r.gzip9)) / 1024;
  const tti = median(runs.map((r) => r.tti));
  console.log(`  runs: ${runs.map((r) => `${(r.wire / 1024).toFixed(1)} KiB / ${Math.round(r.tti)} ms`).join("; ")}`);
  console.log(`book.transfer_kib=${wire.toFixed(1)} book.gzip9_kib=${gzip9.toFixed(1)} book.tti_ms=${Math.round(tti)}`);
  check(`the whole page is ≤ ${BUDGET_KIB} KiB compressed (${wire.toFixed(1)} KiB over the wire, ${gzip9.toFixed(1)} KiB at gzip -9)`, wire <= BUDGET_KIB && gzip9 <= BUDGET_KIB);
  check(`interactive within ${BUDGET_TTI_MS} ms on the throttled phone (${Math.round(tti)} ms)`, tti <= BUDGET_TTI_MS);
}

async function main() {
  const clinics = await (await fetch(`${base}/api/v1/public/clinics`, { headers: { "accept-language": "id" } })).json();
  check(`the cloud lists ${clinics.length} clinics that take bookings`, Array.isArray(clinics) && clinics.some((c) => c.services.length > 0));
  const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  try {
    await walk(browser, clinics, { lang: "id" });
    await walk(browser, clinics, { lang: "en", move: true });
    await walk(browser, clinics, { lang: "id", keyboard: true, bigText: true });
    // The first step on a desktop, for the look of it.
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale: "id-ID" });
    const page = await context.newPage();
    await page.goto(`${base}/book`);
    await heading(page, W.id.chooseClinic);
    await shot(page, "desktop-1-clinic");
    await context.close();
    await measure(browser);
  } finally {
    await browser.close();
  }
  console.log(`e2e book: ${passed()} checks passed, screenshots in ${shots}`);
}

main().catch((e) => {
  console.error(e.message ?? e);
  console.log(`e2e book: FAILED after ${passed()} checks`);
  process.exit(1);
});
