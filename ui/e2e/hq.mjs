// End-to-end, the head office: the real `medicloud cloud` (SQLite in a temporary folder,
// serving the built screens under /hq), a chain admin made with `cloud-admin user-add`,
// the demo clinic's node enrolled in that cloud, and the /hq screens in headless
// Chromium (Debian's, through playwright-core; nothing is downloaded). A ticket taken at
// the node shows in the overview without a reload; an auditor logs in, lands on the
// audit trail and finds the node's staff login there. Then the patients' booking page
// (e2e/book.mjs) is walked against the same cloud, the demo clinic's schedules in it.
//   MEDICLOUD_BIN=../target/debug/medicloud node e2e/hq.mjs
// Screenshots (1366×768 and a 390×844 phone) go to e2e/screenshots/hq/, or $MEDICLOUD_SHOTS.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { axeCheck, bin, check, children, passed, start } from "./lib.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const ui = resolve(here, "..");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const PASSWORD = "sandi-kantor-pusat-e2e-1";
const NODE_PASSWORD = "e2e-password-123";
/** The demo clinic's fixed id (node/src/demo.rs `DEMO_CLINIC`). */
const DEMO_CLINIC = "6d656469-636c-6f75-6400-64656d6f0001";
const shots = process.env.MEDICLOUD_SHOTS ?? join(here, "screenshots", "hq");
mkdirSync(shots, { recursive: true });



/** `medicloud cloud-admin --database DATABASE ARGS…`, its stdout. */
function cloudAdmin(database, args, env = {}) {
  return execFileSync(bin, ["cloud-admin", "--database", database, ...args], { env: { ...process.env, RUST_LOG: "warn", ...env }, encoding: "utf8" }).trim();
}


const waitingAt = (page) => page.getByTestId(`clinic-${DEMO_CLINIC}`).getByTestId("waiting");

async function main() {
  const tmp = mkdtempSync(join(tmpdir(), "medicloud-e2e-hq-"));
  const database = `sqlite://${join(tmp, "cloud.sqlite")}`;
  cloudAdmin(database, ["clinic-add", "--name", "Klinik Sehat Sentosa", "--id", DEMO_CLINIC]);
  cloudAdmin(database, ["user-add", "--username", "hq-admin", "--role", "chain_admin"], { MEDICLOUD_PASSWORD: PASSWORD });
  cloudAdmin(database, ["user-add", "--username", "hq-audit", "--role", "auditor"], { MEDICLOUD_PASSWORD: PASSWORD });
  const code = cloudAdmin(database, ["enrol-code", "--clinic", DEMO_CLINIC]);
  const cloud = (await start(["cloud", "--database", database, "--listen", "127.0.0.1:0", "--ui", join(ui, "dist")], {}, { url: /cloud listening on (http:\/\/\S+)/ })).url;
  const node = await start(
    ["demo", "--data", join(tmp, "node"), "--listen", "127.0.0.1:0", "--ui", join(ui, "dist"), "--cloud", cloud, "--enrol", code],
    { MEDICLOUD_DEMO_PASSWORD: NODE_PASSWORD },
    { base: /listening on (http:\/\/\S+)/, kiosk: /kiosk: \S+#token=(\S+)/ },
  );
  console.log(`cloud at ${cloud}, node at ${node.base}`);

  const take = async (service) => {
    const res = await fetch(`${node.base}/api/v1/tickets`, {
      method: "POST",
      headers: { authorization: `Bearer ${node.kiosk}`, "content-type": "application/json" },
      body: JSON.stringify({ service }),
    });
    check(`the node issues a ticket for ${service}`, res.status === 201, String(res.status));
    return (await res.json()).label;
  };

  const browser = await chromium.launch({ executablePath: browserPath, args: ["--no-sandbox"] });
  try {
    for (const [width, height, tag] of [
      [1366, 768, "desktop"],
      [390, 844, "phone"],
    ]) {
      console.log(`/hq at ${width}×${height}:`);
      const context = await browser.newContext({ bypassCSP: true, viewport: { width, height }, acceptDownloads: true, locale: "id-ID", timezoneId: "Asia/Jakarta" });
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${cloud}/hq`);
      await page.getByRole("heading", { name: "Masuk kantor pusat" }).waitFor();
      check("the cloud serves the head office's login at /hq, in Bahasa Indonesia", true);
      check("no single sign-on button without a provider configured", (await page.getByTestId("hq-sso").count()) === 0);
      await page.screenshot({ path: join(shots, `login-${tag}.png`) });
      if (tag === "desktop") {
        await axeCheck(page, "hq login");
        await page.getByLabel("Nama pengguna").fill("hq-admin");
        await page.getByLabel("Kata sandi").fill("not-the-password");
        await page.getByTestId("hq-login").click();
        const refused = (await page.getByTestId("hq-login-error").textContent()).trim();
        check("a wrong password is refused in words", refused === "Nama pengguna atau kata sandi salah.", refused);
      }
      await page.getByLabel("Nama pengguna").fill("hq-admin");
      await page.getByLabel("Kata sandi").fill(PASSWORD);
      await page.getByTestId("hq-login").click();
      await page.getByTestId(`clinic-${DEMO_CLINIC}`).waitFor();
      check("the chain admin sees the demo clinic", (await page.getByTestId(`clinic-${DEMO_CLINIC}`).getByRole("link").textContent()) === "Klinik Sehat Sentosa");
      check("the account in the header", (await page.getByTestId("hq-me").textContent()) === "hq-adminAdmin jaringan");
      await page.locator('[data-testid="hq-live"][data-live="true"]').waitFor({ timeout: 15_000 });
      check("the live indicator says live", (await page.getByTestId("hq-live").textContent()) === "Langsung");
      // The node's devices report in through their sync rounds.
      await page.locator(`[data-testid="clinic-${DEMO_CLINIC}"] .device.online`).first().waitFor({ timeout: 30_000 });
      check("the node's device is heard from, in the clinic's time", /terakhir terdengar \d{2}[.:]\d{2} · tersambung/.test(await page.locator(`[data-testid="clinic-${DEMO_CLINIC}"] .device.online`).first().textContent()));

      // A ticket at the node: the waiting count goes up without a reload.
      const before = Number(await waitingAt(page).textContent());
      await page.evaluate(() => {
        window.__sameDocument = true;
      });
      const label = await take("A");
      await page.waitForFunction(
        ([id, n]) => Number(document.querySelector(`[data-testid="clinic-${id}"] [data-testid="waiting"]`)?.textContent) === n,
        [DEMO_CLINIC, before + 1],
        { timeout: 20_000 },
      );
      check(`${label} at the node: waiting ${before} → ${before + 1} in the overview, live`, await page.evaluate(() => window.__sameDocument === true));
      check("the chain's total follows", (await page.getByTestId("total-waiting").textContent()).includes(String(before + 1)));
      await page.screenshot({ path: join(shots, `overview-${tag}.png`), fullPage: true });
      if (tag === "desktop") await axeCheck(page, "hq overview");

      // The clinic, one click away.
      await page.getByTestId(`clinic-${DEMO_CLINIC}`).getByRole("link").click();
      await page.getByTestId("hq-queue-A").waitFor();
      check("the clinic view is at /hq/clinics/{id}", new URL(page.url()).pathname === `/hq/clinics/${DEMO_CLINIC}`);
      check(`its queue A holds ${label}`, (await page.getByTestId("hq-queue-A").textContent()).includes(label));
      const second = await take("A");
      await page.getByTestId("hq-queue-A").getByText(second).waitFor({ timeout: 20_000 });
      check(`${second} appears in the clinic's queue, live`, await page.evaluate(() => window.__sameDocument === true));
      await page.screenshot({ path: join(shots, `clinic-${tag}.png`), fullPage: true });
      if (tag === "desktop") await axeCheck(page, "hq clinic");
      await page.reload();
      await page.getByTestId("hq-queue-A").waitFor();
      check("the clinic's address opens it again after a reload (the cloud's /hq/* fallback)", true);

      // The reports.
      await page.getByRole("link", { name: "Laporan" }).click();
      await page.getByTestId("report-row-A").waitFor({ timeout: 15_000 });
      const issued = (await page.getByTestId("report-row-A").getByRole("cell").first().textContent()).trim();
      check("the clinic's report counts today's tickets", Number(issued) >= 2, issued);
      const [download] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-csv").click()]);
      const csv = readFileSync(await download.path(), "utf8");
      check(`the CSV downloads (${download.suggestedFilename()})`, /^laporan-klinik-sehat-sentosa-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/.test(download.suggestedFilename()) && csv.length > 0, download.suggestedFilename());
      const [xlsx] = await Promise.all([page.waitForEvent("download"), page.getByTestId("report-xlsx").click()]);
      check("the XLSX downloads (a zip)", readFileSync(await xlsx.path()).subarray(0, 2).toString() === "PK");
      await page.screenshot({ path: join(shots, `reports-${tag}.png`), fullPage: true });
      if (tag === "desktop") await axeCheck(page, "hq reports");

      await page.getByTestId("hq-logout").click();
      await page.getByRole("heading", { name: "Masuk kantor pusat" }).waitFor();
      check("logout returns to the login", true);
      check("no script errors on the page", errors.length === 0, JSON.stringify(errors));
      await context.close();
    }

    // The auditor: the trail, with the login a node's staff member just made.
    const login = await fetch(`${node.base}/api/v1/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ username: "desk", password: NODE_PASSWORD }),
    });
    check("the node's desk logs in", login.status === 200, String(login.status));
    for (const [width, height, tag] of [
      [1366, 768, "desktop"],
      [390, 844, "phone"],
    ]) {
      console.log(`/hq/audit at ${width}×${height}:`);
      const context = await browser.newContext({ bypassCSP: true, viewport: { width, height }, locale: "id-ID", timezoneId: "Asia/Jakarta" });
      const page = await context.newPage();
      const errors = [];
      page.on("pageerror", (e) => errors.push(e.message));
      await page.goto(`${cloud}/hq`);
      await page.getByLabel("Nama pengguna").fill("hq-audit");
      await page.getByLabel("Kata sandi").fill(PASSWORD);
      await page.getByTestId("hq-login").click();
      await page.getByTestId("hq-audit").waitFor();
      check("the auditor lands on the audit trail at /hq/audit", new URL(page.url()).pathname === "/hq/audit");
      check("no 403 message for the auditor", (await page.getByTestId("hq-forbidden").count()) === 0);
      // The login reaches the cloud with the node's next sync round.
      const entry = page.locator('[data-testid="hq-audit-rows"] tr[data-action="login"]').filter({ hasText: "desk" }).first();
      for (let i = 0; i < 30 && (await entry.count()) === 0; i++) {
        await page.waitForTimeout(1000);
        await page.getByTestId("hq-audit-refresh").click();
      }
      const text = (await entry.textContent()) ?? "";
      check("the demo clinic's login entry is on the trail, in words", text.includes("Klinik Sehat Sentosa") && text.includes("Masuk") && text.includes("desk"), text);
      await page.getByTestId("hq-audit-clinic").selectOption(DEMO_CLINIC);
      await page.getByTestId("hq-audit-action").selectOption("login");
      await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="hq-audit-rows"] tbody tr')].every((r) => r.getAttribute("data-action") === "login"));
      check("filtered to the demo clinic's logins", new URL(page.url()).search === `?clinic=${DEMO_CLINIC}` && (await page.locator('[data-testid="hq-audit-rows"] tbody tr').count()) > 0);
      await page.getByTestId("hq-audit-action").selectOption("");
      await page.getByTestId("hq-audit-clinic").selectOption("");
      await page.waitForFunction(() => !document.querySelector('[data-testid="hq-audit-refresh"]')?.disabled && document.querySelectorAll('[data-testid="hq-audit-rows"] tbody tr').length > 1);
      check("every clinic's trail again, unfiltered", (await page.locator('[data-testid="hq-audit-rows"] tbody tr[data-action="issue"]').count()) > 0);
      await page.screenshot({ path: join(shots, `audit-${tag}.png`), fullPage: tag === "desktop" });
      if (tag === "desktop") await axeCheck(page, "hq audit trail");
      check("no script errors on the trail", errors.length === 0, JSON.stringify(errors));
      await context.close();
    }
    // The patients' booking page, against this cloud with the demo clinic in it: its
    // services' schedules reach the cloud with the node's sync.
    let listed = false;
    for (let i = 0; i < 60 && !listed; i++) {
      const clinics = await (await fetch(`${cloud}/api/v1/public/clinics`)).json();
      listed = clinics.some((c) => c.id === DEMO_CLINIC && c.services.length > 0);
      if (!listed) await new Promise((r) => setTimeout(r, 500));
    }
    check("the demo clinic takes online bookings at the cloud, its schedules synced from its node", listed);
    execFileSync(process.execPath, [join(here, "book.mjs")], {
      env: { ...process.env, MEDICLOUD_CLOUD_URL: cloud, MEDICLOUD_SHOTS: process.env.MEDICLOUD_SHOTS ? join(shots, "book") : join(here, "screenshots", "book") },
      stdio: "inherit",
    });
    check("the booking page's walk passed against the real cloud", true);
  } finally {
    await browser.close();
    for (const c of children) c.kill("SIGTERM");
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`e2e hq: ${passed()} checks passed, screenshots in ${shots}`);
}

main().catch((e) => {
  for (const c of children) c.kill("SIGKILL");
  console.error(e.message ?? e);
  console.log(`e2e hq: FAILED after ${passed()} checks`);
  process.exit(1);
});
