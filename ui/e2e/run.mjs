// End-to-end: the real `medicloud demo` with a virtual printer, the real screens in
// headless Chromium (Debian's, through playwright-core; nothing is downloaded).
//   MEDICLOUD_BIN=../target/debug/medicloud npm run e2e
// Screenshots of every screen go to e2e/screenshots/.
import { execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeCheck, bin, check, children, passed, start } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ui = resolve(here, "..");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "e2e-password-123";
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });



function control(addr, line) {
  const [host, port] = addr.split(":");
  return new Promise((res, rej) => {
    const socket = createConnection({ host, port: Number(port) }, () => socket.write(`${line}\n`));
    socket.on("data", (d) => {
      socket.end();
      res(String(d).trim());
    });
    socket.on("error", rej);
  });
}

// How the display should say a call, written here apart from ui/src/lib/speech.ts (its
// spec: letters one by one, each leading zero as "nol"/"zero", then the number — in
// Indonesian as a number, in English digit by digit), so that a wrong label, wrong
// words or a wrong counter fail the check.
const DIGITS_ID = ["nol", "satu", "dua", "tiga", "empat", "lima", "enam", "tujuh", "delapan", "sembilan"];
const DIGITS_EN = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"];
function below1000InIndonesian(n) {
  if (!(n >= 1 && n <= 999)) throw new Error(`the e2e says numbers 1 to 999, not ${n}`);
  const [h, t, u] = [Math.floor(n / 100), Math.floor(n / 10) % 10, n % 10];
  const words = [];
  if (h) words.push(h === 1 ? "seratus" : `${DIGITS_ID[h]} ratus`);
  if (t === 1) words.push(u === 0 ? "sepuluh" : u === 1 ? "sebelas" : `${DIGITS_ID[u]} belas`);
  else {
    if (t) words.push(`${DIGITS_ID[t]} puluh`);
    if (u) words.push(DIGITS_ID[u]);
  }
  return words.join(" ");
}
function spokenLabel(label, lang) {
  return label
    .split("-")
    .map((part) => {
      if (!/^\d+$/.test(part)) return [...part].join(" ");
      const digits = [...part];
      const zeros = digits.findIndex((d) => d !== "0");
      if (zeros === -1) return digits.map(() => (lang === "id" ? "nol" : "zero")).join(" ");
      const number = lang === "id" ? below1000InIndonesian(Number(part)) : digits.slice(zeros).map((d) => DIGITS_EN[d]).join(" ");
      return [...digits.slice(0, zeros).map(() => (lang === "id" ? "nol" : "zero")), number].join(" ");
    })
    .join(" ");
}
/** The two sentences for `label` called to "Loket <counter>" (1 to 9). */
const callSentences = (label, counter) => [
  { text: `Nomor antrean ${spokenLabel(label, "id")}, silakan menuju loket ${DIGITS_ID[counter]}`, lang: "id-ID" },
  { text: `Queue number ${spokenLabel(label, "en")}, please go to Loket ${counter}`, lang: "en-US" },
];


async function main() {
  console.log("API types match the node's OpenAPI document:");
  execFileSync(process.execPath, [join(ui, "scripts/gen-api.mjs"), "--check"], { stdio: "inherit", env: process.env });
  check("the API types are current", true);

  const tmp = mkdtempSync(join(tmpdir(), "medicloud-e2e-"));
  const printedDir = join(tmp, "printed");
  const printer = await start(
    ["printer", "serve", "--listen", "127.0.0.1:0", "--out", printedDir, "--control", "127.0.0.1:0"],
    {},
    { addr: /virtual printer listening on (\S+)/, control: /control port on (\S+)/ },
  );
  const demo = await start(
    ["demo", "--data", join(tmp, "node"), "--listen", "127.0.0.1:0", "--ui", join(ui, "dist"), "--printer", printer.addr],
    { MEDICLOUD_DEMO_PASSWORD: PASSWORD },
    { base: /listening on (http:\/\/\S+)/, kiosk: /kiosk: (http\S+)/, display: /display: (http\S+)/ },
  );
  const base = demo.base;
  console.log(`node at ${base}, printer at ${printer.addr}`);

  const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox", "--autoplay-policy=no-user-gesture-required"] });
  try {
    // The waiting-room display, on a TV.
    const display = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1920, height: 1080 } })).newPage();
    await display.goto(demo.display);
    await display.getByTestId("display").waitFor();
    check("the display pairs and drops the token from the address bar", !display.url().includes("token="));
    // This browser lets pages play sound without a click (as the desktop app's display
    // window does): the display's sound is on from the start, with no notice to click.
    await display.waitForTimeout(500);
    check("where no click is needed, the display's sound is on without asking", (await display.getByTestId("sound-notice").count()) === 0);

    // The kiosk, portrait.
    const kiosk = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1080, height: 1700 } })).newPage();
    await kiosk.goto(demo.kiosk);
    await kiosk.getByText("Pilih layanan").waitFor();
    check("the kiosk opens in Bahasa Indonesia", true);
    await kiosk.getByTestId("service-A").waitFor();
    await kiosk.screenshot({ path: join(shots, "kiosk-home.png") });
    await axeCheck(kiosk, "kiosk");
    await kiosk.getByTestId("service-A").click();
    await kiosk.getByTestId("lane-none").click();
    const label = (await kiosk.getByTestId("ticket-label").textContent()).trim();
    check("a walk-in ticket in two taps", /^A-\d{3}$/.test(label), label);
    await kiosk.getByText("Silakan ambil tiket Anda.").waitFor({ timeout: 15_000 });
    check("the ticket printed", readdirSync(printedDir).some((f) => f.endsWith(".txt") && readFileSync(join(printedDir, f), "utf8").includes(label)));
    await kiosk.screenshot({ path: join(shots, "kiosk-ticket.png") });
    await axeCheck(kiosk, "kiosk ticket");
    await kiosk.getByTestId("done").click();
    // The next patient's ticket, for the second counter's call below.
    await kiosk.getByTestId("service-A").click();
    await kiosk.getByTestId("lane-none").click();
    const nextLabel = (await kiosk.getByTestId("ticket-label").textContent()).trim();
    check(`the next patient's ticket follows (${nextLabel})`, /^A-\d{3}$/.test(nextLabel) && nextLabel !== label, nextLabel);
    await kiosk.getByTestId("done").click();

    // The desk logs in and calls it.
    const desk = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    await desk.goto(`${base}/desk`);
    await axeCheck(desk, "login");
    await desk.getByLabel("Nama pengguna").fill("desk");
    await desk.getByLabel("Kata sandi").fill(PASSWORD);
    await desk.getByTestId("login").click();
    await desk.getByTestId("counter").selectOption("loket-1");
    await desk.getByTestId("queue-A").getByText(label).waitFor();
    check("the desk sees the ticket in its queue", true);
    await desk.screenshot({ path: join(shots, "desk.png") });
    await axeCheck(desk, "desk");
    // The display's voice, from here on, is the test's: headless Chromium has none (every
    // sentence fails at once), so this one notes what it is given and holds each sentence
    // until the test lets it end (speech.ts gives up on a sentence after 8 s, so the checks
    // of the held state come well within that); and every change of the announcement list
    // is noted.
    await display.evaluate(() => {
      const voice = { said: [], held: [], hold: true, lists: [] };
      window.__voice = voice;
      window.speechSynthesis.speak = (u) => {
        voice.said.push({ text: u.text, lang: u.lang });
        if (voice.hold) voice.held.push(u);
        else setTimeout(() => u.onend(new Event("end")));
      };
      window.__releaseVoice = () => {
        voice.hold = false;
        for (const u of voice.held.splice(0)) u.onend(new Event("end"));
      };
      const list = document.querySelector('[data-testid="announcements"]');
      const note = () => voice.lists.push([...list.querySelectorAll("li")].map((li) => ({ text: li.textContent, state: li.dataset.state })));
      new MutationObserver(note).observe(list, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: ["data-state"] });
    });
    await desk.getByTestId("call-next").click();
    await desk.getByTestId("current").getByText(label).waitFor();
    check("the desk called it", true);

    // The display shows the call and speaks it: the label in words, then the counter.
    await display.getByTestId("current-call").getByText(label).waitFor({ timeout: 10_000 });
    check("the display shows the call", true);
    const [firstId, firstEn] = callSentences(label, 1);
    const announcements = () => display.evaluate(() => [...document.querySelectorAll('[data-testid="announcements"] li')].map((li) => ({ text: li.textContent, state: li.dataset.state })));
    await display.waitForFunction(() => window.__voice.said.length >= 1, null, { timeout: 10_000 });
    const first = await display.evaluate(() => window.__voice.said);
    check(`the display says the called ticket's label in words: "${firstId.text}"`, JSON.stringify(first) === JSON.stringify([firstId]), JSON.stringify(first));
    const speaking = await announcements();
    check(
      "its announcement is at the head of the announcer's queue, being spoken",
      JSON.stringify(speaking) === JSON.stringify([{ text: firstId.text, state: "speaking" }]),
      JSON.stringify(speaking),
    );
    await display.screenshot({ path: join(shots, "display.png") });
    // Loket 2 calls the next patient while the first call is still being said: it waits
    // its turn in the announcer's queue.
    const session = await (await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "desk", password: PASSWORD }),
    })).json();
    const called = await (await fetch(`${base}/api/v1/counters/loket-2/call-next`, { method: "POST", headers: { authorization: `Bearer ${session.token}` } })).json();
    check(`loket 2 calls ${nextLabel}`, called.label === nextLabel, JSON.stringify(called));
    const [secondId, secondEn] = callSentences(nextLabel, 2);
    await display.waitForFunction(() => document.querySelectorAll('[data-testid="announcements"] li').length === 2, null, { timeout: 10_000 });
    const queued = await announcements();
    const saidMeanwhile = await display.evaluate(() => window.__voice.said);
    check(
      `the call of ${nextLabel} is queued behind the one being said, not spoken over it`,
      JSON.stringify(queued) === JSON.stringify([{ text: secondId.text, state: "queued" }, { text: firstId.text, state: "speaking" }]) &&
        JSON.stringify(saidMeanwhile) === JSON.stringify([firstId]),
      JSON.stringify({ queued, saidMeanwhile }),
    );
    // Let the voice finish: each call is said in full, in Indonesian then English, the
    // second after the first, and both end up spoken.
    await display.evaluate(() => window.__releaseVoice());
    await display.waitForFunction(
      () => [...document.querySelectorAll('[data-testid="announcements"] li')].every((li) => li.dataset.state === "spoken"),
      null,
      { timeout: 15_000 },
    );
    const said = await display.evaluate(() => window.__voice.said);
    check(
      `both calls are said in full, one after the other ("${secondEn.text}" last)`,
      JSON.stringify(said) === JSON.stringify([firstId, firstEn, secondId, secondEn]),
      JSON.stringify(said),
    );
    const states = (await display.evaluate(() => window.__voice.lists)).map((l) => l.map((a) => a.state).join(","));
    const order = ["speaking", "queued,speaking", "speaking,spoken", "spoken,spoken"];
    check(
      "the announcer's queue went: speaking → one queued behind it → each spoken in turn",
      order.every((o) => states.includes(o)) && order.map((o) => states.indexOf(o)).every((i, k, a) => k === 0 || a[k - 1] < i),
      JSON.stringify(states),
    );
    await axeCheck(display, "display");

    // Appointment check-in with a booking code, typed as a scanner would. Poli Gigi and
    // Poli Umum are set open all day in 5-minute slots (the demo's schedule is Monday to
    // Saturday 08:00–14:00), so the walk books the next slot whatever day and hour it runs.
    const adminSession = await (await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "admin", password: PASSWORD }),
    })).json();
    const allDay = (places) => ({
      hours: ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({ day, opens: "00:00", closes: "23:59" })),
      slot_minutes: 5,
      places_per_slot: places,
      online_places: 0,
    });
    for (const [service, places] of [["B", 4], ["A", 1]]) {
      const put = await fetch(`${base}/api/v1/services/${service}/schedule`, {
        method: "PUT",
        headers: { "content-type": "application/json", authorization: `Bearer ${adminSession.token}` },
        body: JSON.stringify(allDay(places)),
      });
      check(`the admin sets service ${service}'s schedule`, put.status === 200, String(put.status));
    }
    // The next 5-minute slot in Jakarta; in the day's last minutes (the last slot ends
    // 23:55) the walk waits for the next day's first, so the booking is for today.
    if (new Date().getUTCHours() === 16 && new Date().getUTCMinutes() >= 50) {
      await new Promise((r) => setTimeout(r, Date.UTC(new Date().getUTCFullYear(), new Date().getUTCMonth(), new Date().getUTCDate(), 17, 0, 5) - Date.now()));
    }
    const soon = new Date(Math.ceil(Date.now() / 300_000) * 300_000);
    const jakarta = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(soon);
    const part = (t) => jakarta.find((p) => p.type === t).value;
    const booking = await (await fetch(`${base}/api/v1/appointments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ service: "B", date: `${part("year")}-${part("month")}-${part("day")}`, slot_start: `${part("hour").replace("24", "00")}:${part("minute")}` }),
    })).json();
    check("an appointment is booked", typeof booking.code === "string", JSON.stringify(booking));
    await kiosk.getByTestId("have-appointment").click();
    await kiosk.getByTestId("booking-code").pressSequentially(booking.code);
    await kiosk.getByTestId("booking-code").press("Enter");
    const checkedIn = (await kiosk.getByTestId("ticket-label").textContent()).trim();
    check("the appointment is checked in at the kiosk", checkedIn.startsWith("B-"), checkedIn);
    await kiosk.getByTestId("done").click();

    // Out of paper: the ticket is still issued, and the kiosk says to note the number.
    check("the printer runs out of paper", (await control(printer.control, "mode paper-out")) === "ok paper-out");
    await kiosk.getByTestId("service-C").click();
    await kiosk.getByTestId("lane-pregnant").click();
    const noPaper = (await kiosk.getByTestId("ticket-label").textContent()).trim();
    await kiosk.getByText("Printer sedang bermasalah. Silakan catat nomor Anda.").waitFor({ timeout: 15_000 });
    check(`the kiosk shows ${noPaper} and asks to note it`, noPaper.startsWith("C-"));
    await kiosk.screenshot({ path: join(shots, "kiosk-paper-out.png") });
    await desk.getByTestId("printer-state").getByText("paper out").waitFor({ timeout: 15_000 });
    check("the desk's status bar shows the printer fault", true);

    // Loket 1 still holds the first patient: N asks what becomes of them first, and
    // "complete, call next" finishes them and calls the next one in one step.
    await desk.getByTestId("call-next").click();
    await desk.getByTestId("handover").getByText(label).waitFor();
    check(`N at a counter holding ${label} asks what becomes of it, and calls nobody yet`, (await desk.getByTestId("current").textContent()).includes(label));
    await desk.screenshot({ path: join(shots, "desk-handover.png") });
    await axeCheck(desk, "desk handover");
    await desk.getByTestId("handover-complete").click();
    await desk.getByTestId("handover").waitFor({ state: "detached" });
    await desk.waitForFunction((first) => !document.querySelector('[data-testid="current"]')?.textContent.includes(first), label);
    const all = await (await fetch(`${base}/api/v1/tickets`, { headers: { authorization: `Bearer ${session.token}` } })).json();
    const atLoket1 = all.filter((t) => t.counter === "loket-1" && (t.status === "called" || t.status === "serving"));
    const registered = all.find((t) => t.label === label);
    check(
      `${label} is registered (waiting for the doctor's room, same number) and loket 1 holds exactly the next patient`,
      registered?.status === "waiting" && registered?.step === "room" && atLoket1.length === 1 && atLoket1[0].label !== label,
      JSON.stringify({ registered: [registered?.status, registered?.step], atLoket1: atLoket1.map((t) => [t.label, t.status]) }),
    );
    // The display says where the registered patient goes next.
    await display.locator(".last-calls li", { hasText: label }).getByText("Ruang Periksa Umum").waitFor({ timeout: 10_000 });
    check(`the display shows "${label} Loket 1 → Ruang Periksa Umum"`, true);
    await display.screenshot({ path: join(shots, "display-next-step.png") });
    // The doctor's room: its own queue first, holding only registered patients; N calls
    // the registered patient, and the display sends them to the room.
    const room = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 } })).newPage();
    await room.goto(`${base}/desk`);
    await room.getByLabel("Nama pengguna").fill("doctor");
    await room.getByLabel("Kata sandi").fill(PASSWORD);
    await room.getByTestId("login").click();
    await room.getByTestId("counter").selectOption("ruang-umum");
    const walkIn = await (await fetch(`${base}/api/v1/tickets`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ service: "A" }),
    })).json();
    await room.getByTestId("queue-A-room").getByText(label).waitFor();
    await room.getByTestId("queue-A").getByText(walkIn.label).waitFor();
    check(
      `the room's queue lists ${label}, and ${walkIn.label}, not registered yet, only in registration's`,
      (await room.getByTestId("queue-A-room").getByText(walkIn.label).count()) === 0 && (await room.locator("section.queues article").first().getByTestId("queue-A-room").count()) === 1,
    );
    await room.screenshot({ path: join(shots, "desk-room.png") });
    await axeCheck(room, "room desk");
    await room.getByTestId("call-next").click();
    await room.getByTestId("current").getByText(label).waitFor();
    await display.getByTestId("current-call").getByText(label).waitFor({ timeout: 10_000 });
    check(`the display calls ${label} to Ruang Periksa Umum`, (await display.getByTestId("current-go-to").textContent()) === "Ruang Periksa Umum");
    await room.getByTestId("complete").click();
    await room.getByTestId("current").waitFor({ state: "detached" });
    const afterRoom = await (await fetch(`${base}/api/v1/tickets`, { headers: { authorization: `Bearer ${session.token}` } })).json();
    check(`the room's "complete" ends ${label}'s visit`, afterRoom.find((t) => t.label === label)?.status === "done");

    // Appointments at the desk: a new patient registered in the booking form, booked into
    // tomorrow's first slot (then full), the list of that day, a cancellation with a reason.
    await desk.locator("nav.tabs").getByText("Janji temu", { exact: true }).click();
    const todayJakarta = `${part("year")}-${part("month")}-${part("day")}`;
    // The clinic's zone arrives with the clinic: the list moves to its today at once.
    await desk.waitForFunction((day) => document.querySelector('[data-testid="list-date"]')?.value === day, todayJakarta, { timeout: 5_000 }).catch(() => {});
    check("the appointments list opens on today in the clinic's time zone", (await desk.getByTestId("list-date").inputValue()) === todayJakarta);
    const tomorrowDate = new Date(`${todayJakarta}T00:00:00Z`);
    tomorrowDate.setUTCDate(tomorrowDate.getUTCDate() + 1);
    const tomorrow = tomorrowDate.toISOString().slice(0, 10);
    await desk.getByTestId("new-patient").click();
    await desk.locator("#bp-name").fill("Budi Santoso");
    await desk.getByTestId("register-patient").click();
    await desk.getByTestId("chosen-patient").getByText("Budi Santoso").waitFor();
    await desk.locator("#ap-date").fill(tomorrow);
    await desk.getByTestId("slot-08:00").getByText("Loket 0/1").waitFor();
    await desk.getByTestId("slot-08:00").click();
    await desk.getByTestId("book").click();
    const bookedText = await desk.getByTestId("booked-code").textContent();
    const bookedCode = /: ([A-Z0-9]{6})/.exec(bookedText)?.[1];
    check("the desk books the new patient and sees the booking code", !!bookedCode, bookedText);
    await desk.getByTestId("slot-08:00").getByText("penuh").waitFor();
    // A full desk share takes another booking only as a ticked overbooking.
    await desk.getByTestId("slot-08:00").click();
    await desk.getByTestId("overbook").waitFor();
    check("choosing the full slot asks the desk to confirm an overbooking", (await desk.getByTestId("overbook").count()) === 1);
    await desk.getByTestId("book").click();
    await desk.getByTestId("book-error").waitFor();
    check("after a refused booking the previous code is gone", (await desk.getByTestId("booked-code").count()) === 0);
    await desk.getByTestId("list-date").fill(tomorrow);
    const bookedRow = desk.getByTestId("appointments").locator("tr", { hasText: bookedCode });
    await bookedRow.getByText("Budi Santoso").waitFor();
    check("tomorrow's list shows the booking with the patient's name", true);
    await desk.screenshot({ path: join(shots, "desk-appointments.png") });
    await axeCheck(desk, "desk appointments");
    await desk.getByTestId(`cancel-${bookedCode}`).click();
    await desk.getByTestId("cancel-confirm").click();
    await desk.getByTestId("cancel-dialog").getByText("Tuliskan alasan pembatalan.").waitFor();
    await desk.locator("#cancel-reason").fill("Pasien minta jadwal ulang");
    await desk.screenshot({ path: join(shots, "desk-cancel-dialog.png") });
    await axeCheck(desk, "desk cancel dialog");
    await desk.getByTestId("cancel-confirm").click();
    await desk.getByTestId("cancel-dialog").waitFor({ state: "detached" });
    await bookedRow.getByText("Dibatalkan").waitFor();
    const tomorrowList = await (await fetch(`${base}/api/v1/appointments?date=${tomorrow}`, { headers: { authorization: `Bearer ${session.token}` } })).json();
    check("the appointment is cancelled on the node", tomorrowList.find((a) => a.code === bookedCode)?.status === "cancelled", JSON.stringify(tomorrowList));
    await desk.getByTestId("slot-08:00").getByText("0/1").waitFor();
    check("its place is free again", true);

    // A ticket issued at the desk for a patient who cannot use the kiosk, then cancelled.
    await desk.locator("nav.tabs").getByText("Antrean", { exact: true }).click();
    await desk.getByTestId("issue-service").selectOption("A");
    await desk.getByTestId("issue-ticket").click();
    const issued = /: ([A-Z]+-\d+)/.exec(await desk.getByTestId("issued").textContent())?.[1];
    await desk.getByTestId("queue-A").getByText(issued).waitFor();
    check(`the desk issued ${issued} and it waits in the queue`, !!issued);
    await desk.getByTestId(`cancel-${issued}`).click();
    await desk.locator("#cancel-reason").fill("Salah layanan");
    await desk.getByTestId("cancel-confirm").click();
    await desk.getByTestId("queue-A").getByText(issued).waitFor({ state: "detached" });
    check(`${issued} cancelled with a reason leaves the queue`, true);

    // The patient's phone.
    const tickets = await (await fetch(`${base}/api/v1/tickets`, { headers: { authorization: `Bearer ${session.token}` } })).json();
    const mine = tickets.find((t) => t.label === noPaper);
    const phone = await (await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    await phone.goto(`${base}/t/${mine.id}`);
    await phone.getByTestId("status-page").getByText(noPaper).waitFor();
    check("the status page shows the ticket", true);
    await phone.screenshot({ path: join(shots, "status.png") });
    await axeCheck(phone, "status page");

    // A landscape kiosk (1366×768) in a browser set to UTC: the home screen fits with its
    // appointment button, the clock is the clinic's (Asia/Jakarta), and after a patient
    // chose English the idle reset brings back the clinic's Bahasa Indonesia.
    const jakartaTime = (at) => new Intl.DateTimeFormat("id-ID", { timeZone: "Asia/Jakarta", hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(at);
    const jakartaDay = (at) => new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit" }).format(at);
    const wide = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1366, height: 768 }, timezoneId: "UTC", locale: "en-GB" })).newPage();
    await wide.clock.install();
    await wide.goto(demo.kiosk);
    await wide.getByTestId("service-A").waitFor();
    const appointmentButton = await wide.getByTestId("have-appointment").boundingBox();
    check(
      "at 1366×768 the kiosk's appointment button is whole on the screen",
      appointmentButton && appointmentButton.y >= 0 && appointmentButton.y + appointmentButton.height <= 768,
      JSON.stringify(appointmentButton),
    );
    check("at 1366×768 the kiosk's home screen does not scroll", await wide.evaluate(() => document.documentElement.scrollHeight <= window.innerHeight));
    const shownTime = (await wide.locator(".clock-time").textContent()).trim();
    const pageNow = await wide.evaluate(() => Date.now());
    check(
      `a kiosk in a UTC browser shows the clinic's time (${shownTime} in Jakarta)`,
      [jakartaTime(pageNow), jakartaTime(pageNow - 60_000)].includes(shownTime),
      `${shownTime}, Jakarta ${jakartaTime(pageNow)}`,
    );
    await wide.screenshot({ path: join(shots, "kiosk-1366x768.png") });
    await wide.getByTestId("lang").click();
    await wide.getByText("Choose a service").waitFor();
    await wide.getByTestId("have-appointment").click();
    await wide.getByTestId("booking-code").waitFor();
    await wide.screenshot({ path: join(shots, "kiosk-1366x768-code.png") });
    await wide.clock.fastForward(46_000);
    await wide.getByText("Pilih layanan").waitFor();
    check("the kiosk's idle reset brings back the clinic's language", (await wide.evaluate(() => document.documentElement.lang)) === "id");

    // The desk at 23:30 UTC (06:30 the next morning in Jakarta) in a UTC browser: the
    // appointments list and the booking form open on Jakarta's today, not the browser's.
    const utcNow = new Date();
    const lateUtc = Date.UTC(utcNow.getUTCFullYear(), utcNow.getUTCMonth(), utcNow.getUTCDate(), 23, 30);
    const early = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 900 }, timezoneId: "UTC", locale: "en-GB" })).newPage();
    await early.clock.install({ time: lateUtc });
    await early.goto(`${base}/desk`);
    await early.getByLabel("Nama pengguna").fill("desk");
    await early.getByLabel("Kata sandi").fill(PASSWORD);
    await early.getByTestId("login").click();
    await early.locator("nav.tabs").getByText("Janji temu", { exact: true }).click();
    await early.waitForFunction((day) => document.querySelector('[data-testid="list-date"]')?.value === day, jakartaDay(lateUtc));
    const offered = await early.locator("#ap-date").inputValue();
    check(`at 23:30 UTC the list and the booking form open on Jakarta's day (${offered})`, offered === jakartaDay(lateUtc), `${offered} vs ${jakartaDay(lateUtc)}`);
    await early.screenshot({ path: join(shots, "desk-appointments-utc-browser.png") });

    // The admin.
    const admin = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1440, height: 1000 }, locale: "id-ID", timezoneId: "Asia/Jakarta" })).newPage();
    await admin.goto(`${base}/admin`);
    // A wrong password first: refused, and it goes on the audit trail.
    await admin.getByLabel("Nama pengguna").fill("admin");
    await admin.getByLabel("Kata sandi").fill("not-the-password-0");
    await admin.getByTestId("login").click();
    await admin.getByRole("alert").waitFor();
    check(
      "a wrong password is refused, in Bahasa Indonesia",
      (await admin.getByTestId("admin").count()) === 0 && (await admin.getByRole("alert").textContent()) === "Nama pengguna atau kata sandi salah.",
    );
    await admin.screenshot({ path: join(shots, "login-failed.png") });
    await axeCheck(admin, "failed login");
    await admin.getByLabel("Kata sandi").fill(PASSWORD);
    await admin.getByTestId("login").click();
    await admin.getByRole("heading", { name: "Layanan", exact: true }).waitFor();
    check("the admin screen opens", true);
    // The services list: every demo service, its code and both names in its fields.
    await admin.getByLabel("F English", { exact: true }).waitFor();
    const servicesCard = admin.locator("section", { has: admin.getByRole("heading", { name: "Layanan", exact: true }) });
    const services = await servicesCard.locator("tbody tr").evaluateAll((rows) =>
      rows.map((r) => [r.querySelector(".service-code")?.textContent, ...[...r.querySelectorAll("input:not([type=checkbox]):not([type=number])")].map((i) => i.value)].join(" | ")),
    );
    const demoServices = [
      "A | Poli Umum | General Practice",
      "B | Poli Gigi | Dental Clinic",
      "C | KIA | Maternal & Child Health",
      "L | Laboratorium | Laboratory",
      "F | Farmasi | Pharmacy",
    ];
    check("the admin lists the clinic's services with their names", JSON.stringify([...services].sort()) === JSON.stringify([...demoServices].sort()), JSON.stringify(services));
    const poliSteps = await admin.getByTestId("steps-A").textContent();
    check("the admin shows Poli Umum's visit: registration, then the room", poliSteps === "Pendaftaran → Ruang Periksa Umum", poliSteps);
    // Poli Gigi's schedule as the walk set it (all day in 5-minute slots), edited here:
    // Sundays closed, 3 online places; the summary says so once saved.
    const dentalSchedule = admin.getByTestId("schedule-B");
    check("the admin reads each service's schedule in a line", (await dentalSchedule.textContent()).includes("00:00–23:59 · 5 menit · 4 tempat (0 online)"), await dentalSchedule.textContent());
    await admin.getByTestId("edit-schedule-B").click();
    const form = admin.getByTestId("schedule-form-B");
    await form.waitFor();
    await form.screenshot({ path: join(shots, "admin-schedule.png") });
    await axeCheck(admin, "admin schedule");
    await form.getByTestId("schedule-period-6").getByRole("button").click();
    await form.getByTestId("schedule-online_places").fill("3");
    await form.getByTestId("schedule-save").click();
    await admin.waitForFunction(() => document.querySelector('[data-testid="schedule-B"]')?.textContent?.includes("(3 online)"), null, { timeout: 5_000 }).catch(() => {});
    const saved = await dentalSchedule.textContent();
    check("the admin's schedule is saved: Sunday closed, 3 online places", saved.includes("Sen–Sab 00:00–23:59") && saved.includes("(3 online)"), saved);

    // Pairing a new kiosk: its link once, as text and as a QR code to scan on the device.
    const devicesCard = admin.locator("section", { has: admin.getByRole("heading", { name: "Perangkat", exact: true }) });
    await devicesCard.getByPlaceholder("Nama").fill("Kiosk Lantai 2");
    await devicesCard.getByRole("button", { name: "Tambah" }).click();
    const pairingLink = (await admin.getByTestId("pairing-link").textContent()).trim();
    const qrSrc = await admin.getByTestId("pairing-qr").getAttribute("src");
    check(
      "a new device's pairing link is shown with its QR code",
      /\/kiosk#token=mcd_[A-Za-z0-9_-]{43}$/.test(pairingLink) && qrSrc.startsWith("data:image/png;base64,") && (await admin.getByTestId("pairing-qr").evaluate((img) => img.naturalWidth)) >= 200,
      pairingLink,
    );
    await devicesCard.screenshot({ path: join(shots, "admin-pairing.png") });

    // The audit trail: the desk's login, and the failed one marked.
    const audit = admin.getByTestId("audit");
    await audit.getByRole("heading", { name: "Jejak audit" }).waitFor();
    const rows = audit.getByTestId("audit-rows").locator("tbody tr");
    await rows.first().waitFor();
    const deskLogin = audit.locator('tr[data-action="login"]').filter({ has: admin.locator("td", { hasText: /^desk$/ }) });
    check("the audit trail shows the desk's login", (await deskLogin.count()) >= 1 && (await deskLogin.first().getAttribute("data-outcome")) === "ok");
    const failed = audit.locator('tr[data-action="login_failed"]').filter({ hasText: "Gagal masuk" });
    check(
      "the audit trail shows the failed login, marked",
      (await failed.count()) === 1 && (await failed.first().getAttribute("class")) === "audit-bad" && (await failed.first().textContent()).includes("Gagal"),
    );
    await admin.screenshot({ path: join(shots, "admin.png"), fullPage: true });
    await axeCheck(admin, "admin");
    // The reports tab: today's tickets (those of this walk) per service, by hour, on the heat map.
    await admin.getByTestId("tab-reports").click();
    const reportAll = admin.getByTestId("report-row-all");
    await reportAll.waitFor();
    const issuedToday = Number(await reportAll.locator("td").first().textContent());
    const bars = await admin.getByTestId("hour-chart").locator("rect").evaluateAll((rs) => rs.reduce((n, r) => n + Number(r.dataset.count), 0));
    check("the reports count today's tickets, in the table and the bars by hour alike", issuedToday > 0 && bars === issuedToday, `${issuedToday} vs ${bars}`);
    await admin.screenshot({ path: join(shots, "admin-reports.png"), fullPage: true });
    await axeCheck(admin, "admin reports");
    await admin.getByTestId("tab-settings").click();
    await audit.getByRole("heading", { name: "Jejak audit" }).waitFor();
    // By keyboard: choose the action, submit with Enter, only the failed login is left.
    await audit.getByTestId("audit-action").focus();
    await audit.getByTestId("audit-action").selectOption("login_failed");
    await audit.getByTestId("audit-patient").focus();
    await admin.keyboard.press("Enter");
    await admin.waitForFunction(() => document.querySelectorAll('[data-testid="audit-rows"] tbody tr').length === 1);
    check("the action filter leaves only the failed login", (await rows.first().getAttribute("data-outcome")) === "failed");
    await audit.getByTestId("audit-since").fill("2000-01-01T00:00");
    await audit.getByTestId("audit-action").selectOption("break_glass");
    await audit.getByTestId("audit-apply").click();
    await audit.getByTestId("audit-empty").waitFor();
    check("a filter nothing matches shows the empty state", true);
    await audit.screenshot({ path: join(shots, "admin-audit-empty.png") });

    // Staff from the admin screen: disable the desk's account, reset the doctor's password.
    const staffCard = admin.getByTestId("staff-list");
    const deskRow = staffCard.getByTestId("staff-desk");
    await deskRow.getByTestId("staff-toggle").click();
    await deskRow.getByText("Nonaktif", { exact: true }).waitFor();
    check("the admin disables the desk's account", (await deskRow.getByTestId("staff-toggle").textContent()) === "Aktifkan lagi");
    const refused = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "desk", password: PASSWORD }) });
    check("a disabled account cannot log in", refused.status === 401, String(refused.status));
    check("the admin cannot disable their own account", (await staffCard.getByTestId("staff-admin").getByTestId("staff-toggle").count()) === 0);
    const doctorRow = staffCard.getByTestId("staff-doctor");
    await doctorRow.getByTestId("staff-reset").click();
    await doctorRow.getByTestId("staff-reset-confirm").click();
    const temporary = (await admin.getByTestId("temporary-password-value").textContent()).trim();
    check("the admin is shown the temporary password once", /^[a-z2-9]{4}(-[a-z2-9]{4}){3}$/.test(temporary), temporary);
    await admin.getByTestId("temporary-password").scrollIntoViewIfNeeded();
    await admin.locator("section", { has: staffCard }).screenshot({ path: join(shots, "admin-staff.png") });
    await axeCheck(admin, "admin staff");
    // The doctor logs in with it and must choose a new password first.
    const doctor = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 900 }, locale: "id-ID" })).newPage();
    await doctor.goto(`${base}/desk`);
    await doctor.getByLabel("Nama pengguna").fill("doctor");
    await doctor.getByLabel("Kata sandi").fill(temporary);
    await doctor.getByTestId("login").click();
    await doctor.getByTestId("change-password").waitFor();
    await doctor.getByLabel("Kata sandi baru", { exact: true }).fill("Rina-praktek-pagi-7");
    await doctor.getByLabel("Ulangi kata sandi baru").fill("Rina-praktek-pagi-7");
    await doctor.screenshot({ path: join(shots, "change-password.png") });
    await axeCheck(doctor, "change password");
    await doctor.getByTestId("change-password-submit").click();
    await doctor.getByTestId("counter").waitFor();
    check("after choosing a new password the doctor reaches the desk", (await doctor.getByTestId("change-password").count()) === 0);
    const relogin = await fetch(`${base}/api/v1/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username: "doctor", password: "Rina-praktek-pagi-7" }) });
    check("the new password logs in without a forced change", relogin.ok && (await relogin.json()).must_change_password === false);
    // The trail names the accounts and what was done to them.
    await audit.getByTestId("audit-clear").click();
    await audit.getByTestId("audit-action").selectOption("staff_set");
    await audit.getByTestId("audit-apply").click();
    await admin.waitForFunction(() => [...document.querySelectorAll('[data-testid="audit-subject"]')].some((td) => td.textContent === "desk: dinonaktifkan"));
    const subjects = await audit.getByTestId("audit-subject").allTextContents();
    check("the audit trail says who was disabled and whose password was reset", subjects.includes("desk: dinonaktifkan") && subjects.includes("doctor: kata sandi diatur ulang") && subjects.includes("doctor: kata sandi diganti"), JSON.stringify(subjects));
    await audit.screenshot({ path: join(shots, "admin-audit-staff.png") });
  } finally {
    await browser.close();
    for (const c of children) c.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed()} checks passed, screenshots in ${shots}`);
}

main().catch((e) => {
  for (const c of children) c.kill("SIGKILL");
  console.error(e.message ?? e);
  console.log(`e2e: FAILED after ${passed()} checks`);
  process.exit(1);
});
