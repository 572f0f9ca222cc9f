// End-to-end: the real `medicloud demo` with a virtual printer, the real screens in
// headless Chromium (Debian's, through playwright-core; nothing is downloaded).
//   MEDICLOUD_BIN=../target/debug/medicloud npm run e2e
// Screenshots of every screen go to e2e/screenshots/.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, mkdirSync, readFileSync, rmSync, readdirSync } from "node:fs";
import { createConnection } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const ui = resolve(here, "..");
const bin = process.env.MEDICLOUD_BIN;
if (!bin) throw new Error("set MEDICLOUD_BIN to the medicloud binary");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "e2e-password-123";
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const children = [];
let passed = 0;
function check(what, ok, detail = "") {
  if (!ok) throw new Error(`FAILED: ${what} ${detail}`);
  passed += 1;
  console.log(`  ✓ ${what}`);
}

/** Starts a process and resolves with the lines matching `patterns` (stdout keeps draining). */
function start(args, env, patterns) {
  const child = spawn(bin, args, { env: { ...process.env, RUST_LOG: "warn", ...env }, stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolveLines, reject) => {
    const found = {};
    const lines = createInterface({ input: child.stdout });
    lines.on("line", (line) => {
      for (const [name, re] of Object.entries(patterns)) {
        const m = re.exec(line);
        if (m && !found[name]) found[name] = m[1];
      }
      if (Object.keys(patterns).every((k) => found[k])) resolveLines(found);
    });
    child.on("exit", (code) => reject(new Error(`${args[0]} exited early (${code})`)));
  });
}

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

async function axeCheck(page, screen) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(`${screen}: no serious accessibility violations`, serious.length === 0, JSON.stringify(serious));
}

async function main() {
  console.log("API types match the node's OpenAPI document:");
  execFileSync(process.execPath, [join(ui, "scripts/gen-api.mjs"), "--check"], { stdio: "inherit", env: process.env });
  passed += 1;

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
    await desk.getByTestId("call-next").click();
    await desk.getByTestId("current").getByText(label).waitFor();
    check("the desk called it", true);

    // The display shows the call and queues its announcement.
    await display.getByTestId("current-call").getByText(label).waitFor({ timeout: 10_000 });
    check("the display shows the call", true);
    await display.waitForFunction(
      (expected) =>
        [...document.querySelectorAll('[data-testid="announcements"] li')].some((li) => li.textContent.includes("Nomor antrean") && li.textContent.includes(expected)),
      "silakan menuju loket satu",
      { timeout: 10_000 },
    );
    check(`the announcement of ${label} is queued ("Nomor antrean …, silakan menuju loket satu")`, true);
    await display.screenshot({ path: join(shots, "display.png") });
    await axeCheck(display, "display");

    // Appointment check-in with a booking code, typed as a scanner would.
    const session = await (await fetch(`${base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "desk", password: PASSWORD }),
    })).json();
    const jakarta = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Jakarta", year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(new Date());
    const part = (t) => jakarta.find((p) => p.type === t).value;
    const booking = await (await fetch(`${base}/api/v1/appointments`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${session.token}` },
      body: JSON.stringify({ service: "B", date: `${part("year")}-${part("month")}-${part("day")}`, slot_start: `${part("hour").replace("24", "00")}:00` }),
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

    // The patient's phone.
    const tickets = await (await fetch(`${base}/api/v1/tickets`, { headers: { authorization: `Bearer ${session.token}` } })).json();
    const mine = tickets.find((t) => t.label === noPaper);
    const phone = await (await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 }, isMobile: true })).newPage();
    await phone.goto(`${base}/t/${mine.id}`);
    await phone.getByTestId("status-page").getByText(noPaper).waitFor();
    check("the status page shows the ticket", true);
    await phone.screenshot({ path: join(shots, "status.png") });
    await axeCheck(phone, "status page");

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
    await admin.getByTestId("admin").getByText("Poli Umum").first().waitFor().catch(() => {});
    await admin.getByRole("heading", { name: "Layanan" }).waitFor();
    check("the admin screen opens", true);

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
  } finally {
    await browser.close();
    for (const c of children) c.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e: ${passed} checks passed, screenshots in ${shots}`);
}

main().catch((e) => {
  for (const c of children) c.kill("SIGKILL");
  console.error(e.message ?? e);
  console.log(`e2e: FAILED after ${passed} checks`);
  process.exit(1);
});
