// End-to-end on the real app: Xvfb with openbox, a session bus, tauri-driver and
// WebKitWebDriver.
//  1. Kiosk: the window comes up fullscreen, on top and covering the screen; Alt+F4, a
//     close request and the webview's shortcuts leave it there; a second start hands
//     over to it; a ticket taken through the webview reaches the virtual printer; a
//     wrong admin PIN is refused and the right one closes it.
//  2. First start: the set-up page sets up a new standalone clinic for a front desk, the
//     app starts again with it, and its admin logs in to the embedded node.
// Prints cold start and memory, saves screenshots into e2e/screenshots (gitignored).
//   APP=target/debug/medicloud-app node src-tauri/e2e/run.mjs
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const app = resolve(root, process.env.APP ?? "target/debug/medicloud-app");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const [width, height] = [1280, 1024];
const scratch = mkdtempSync(join(tmpdir(), "medicloud-app-e2e-"));
const PIN = "2468";
const env = {
  ...process.env,
  MEDICLOUD_UI_DIR: process.env.MEDICLOUD_UI_DIR ?? join(root, "ui/dist"),
  RUST_LOG: "warn,medicloud_app=info",
};
for (const name of Object.keys(env)) if (name.startsWith("MEDICLOUD_") && name !== "MEDICLOUD_UI_DIR") delete env[name];
const deadline = setTimeout(() => fail(new Error("FAILED: the whole test took over 5 minutes")), 300_000);

// Every process the test starts leads a process group of its own, and the end kills
// exactly those groups (the app and its webview processes are in tauri-driver's).
const groups = [];
let driverGroup = 0;
let appLog = "";
let passed = 0;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const check = (what, ok, detail = "") => {
  if (!ok) throw new Error(`FAILED: ${what} ${detail}`);
  passed += 1;
  console.log(`  ok   ${what}`);
};
const x = (cmd, ...args) => execFileSync(cmd, args, { env, stdio: ["ignore", "pipe", "ignore"], timeout: 20_000 }).toString();
const leader = (cmd, args, stdio) => {
  const child = spawn(cmd, args, { env, stdio, detached: true });
  groups.push(child.pid);
  return child;
};

async function until(what, fn, ms = 30_000) {
  const start = Date.now();
  let last;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() - start > ms) throw new Error(`FAILED: ${what} within ${ms} ms${last ? ` (${last.message})` : ""}`);
    await sleep(200);
  }
}

const port = 4500 + Math.floor(Math.random() * 400) * 2;
const driver = `http://127.0.0.1:${port}`;
async function wd(method, path, body) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** The app's processes (tauri-driver's group: the app and its webview processes). */
function appProcesses() {
  return x("ps", "-e", "-o", "pid=,pgid=,rss=,args=")
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, pgid]) => Number(pgid) === driverGroup)
    .map(([pid, , rss, ...args]) => ({ pid: Number(pid), rss: Number(rss), cmd: args.join(" ") }));
}
const appRunning = () => appProcesses().some((p) => p.cmd.startsWith(app));

/** A WebDriver session on the app started with `args`, and what a test does with it. */
async function session(args) {
  const { sessionId } = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app, args } } },
  });
  const s = (path) => `/session/${sessionId}${path}`;
  const find = (css) => wd("POST", s("/element"), { using: "css selector", value: css });
  const id = (el) => el["element-6066-11e4-a23e-4f97d0ec4ba8"] ?? Object.values(el)[0];
  const el = (css, ms) => until(`${css} shows`, () => find(css), ms).then(id);
  return {
    find,
    el,
    click: async (css) => wd("POST", s(`/element/${await el(css)}/click`), {}),
    text: async (css) => wd("GET", s(`/element/${await el(css)}/text`)),
    type: async (css, value) => wd("POST", s(`/element/${await el(css)}/value`), { text: value }),
    js: (script, ...args) => wd("POST", s("/execute/sync"), { script, args }),
    invoke: (command, args = {}) =>
      wd("POST", s("/execute/async"), {
        script: `const done = arguments[arguments.length - 1];
          window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((v) => done({ ok: v }), (e) => done({ err: String(e) }));`,
        args: [command, args],
      }),
    actions: (actions) => wd("POST", s("/actions"), { actions }),
    screenshot: async (file) => writeFileSync(join(shots, file), Buffer.from(await wd("GET", s("/screenshot")), "base64")),
    end: () => wd("DELETE", s("")).catch(() => {}),
  };
}

async function desktop() {
  // Xvfb picks a free display itself and writes its number on stdout.
  const xvfb = leader("Xvfb", ["-displayfd", "1", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp"], ["ignore", "pipe", "ignore"]);
  let number = "";
  xvfb.stdout.on("data", (d) => (number += d));
  await until("Xvfb starts", () => /^\d+\n/.test(number), 15_000);
  env.DISPLAY = `:${number.trim()}`;
  await until("Xvfb answers", () => x("xdpyinfo").includes("dimensions"), 15_000);
  for (let attempt = 1; ; attempt++) {
    const wm = leader("openbox", [], ["ignore", "ignore", "pipe"]);
    let said = "";
    wm.stderr.on("data", (d) => (said += d));
    try {
      await until("openbox manages the screen", () => x("xprop", "-root", "_NET_SUPPORTING_WM_CHECK").includes("window id"), 10_000);
      break;
    } catch (e) {
      if (attempt === 3) throw new Error(`${e.message}; openbox said: ${said.trim()} (exit ${wm.exitCode})`);
      console.error(`openbox did not come up (${said.trim()}), again`);
    }
  }
  // A session bus of the test's own, for the single-instance hand-over.
  const bus = leader("dbus-daemon", ["--session", "--nofork", `--address=unix:path=${join(scratch, "bus")}`, "--print-address=1"], ["ignore", "pipe", "ignore"]);
  let address = "";
  bus.stdout.on("data", (d) => (address += d));
  await until("the session bus starts", () => address.includes("unix:"), 10_000);
  env.DBUS_SESSION_BUS_ADDRESS = address.trim();
  // The app logs through tauri-driver's stderr: the test reads what it refused.
  const tauriDriver = leader("tauri-driver", ["--port", String(port), "--native-port", String(port + 1), "--native-driver", "/usr/bin/WebKitWebDriver"], ["ignore", "ignore", "pipe"]);
  driverGroup = tauriDriver.pid;
  tauriDriver.stderr.on("data", (d) => {
    appLog += d;
    process.stderr.write(d);
  });
  await until("tauri-driver answers", async () => (await fetch(`${driver}/status`)).ok, 15_000);
}

async function kiosk() {
  const data = join(scratch, "kiosk");
  const started = Date.now();
  const w = await session(["--role", "kiosk", "--kiosk-pin", PIN, "--data", data]);
  await w.el('[data-testid="service-A"]', 60_000);
  const coldStart = Date.now() - started;
  check(`the kiosk window is interactive (cold start ${coldStart} ms)`, true);

  const win = await until("the kiosk window is active", () => {
    const id = x("xprop", "-root", "_NET_ACTIVE_WINDOW").split(" ").pop().trim();
    return /^0x[0-9a-f]+$/.test(id) && id !== "0x0" ? id : null;
  });
  const state = () => x("xprop", "-id", win, "_NET_WM_STATE");
  const geometry = () => {
    const info = x("xwininfo", "-id", win);
    return `${/Width: (\d+)/.exec(info)?.[1]}x${/Height: (\d+)/.exec(info)?.[1]}`;
  };
  await until("the window manager has the kiosk fullscreen", () => state().includes("_NET_WM_STATE_FULLSCREEN"), 10_000);
  check("the kiosk window is fullscreen", state().includes("_NET_WM_STATE_FULLSCREEN"), state());
  check("the kiosk window is always on top", state().includes("_NET_WM_STATE_ABOVE"), state());
  check(`the kiosk window covers the screen (${geometry()})`, geometry() === `${width}x${height}`, geometry());
  const info = await w.invoke("device_info");
  check(`the app tells the screen its role and identity (${info.ok?.role}, clinic ${info.ok?.clinic?.slice(0, 8)}…)`,
    info.ok?.role === "kiosk" && info.ok?.demo === true && /^[0-9a-f-]{36}$/.test(info.ok?.device ?? ""), JSON.stringify(info));

  // What a patient could try: the window manager's close keys, a close request, the
  // webview's own shortcuts and context menu.
  const refusals = () => appLog.split("close request refused").length - 1;
  // The window manager may still be settling the fullscreen window when the first key
  // comes, so the key is pressed again every two seconds until one reaches the app.
  let pressed = 0;
  await until("the window manager's Alt+F4 reaches the app", () => {
    if (refusals() >= 1) return true;
    if (pressed++ % 10 === 0) x("xdotool", "key", "alt+F4");
    return false;
  }, 10_000);
  await sleep(500);
  const afterKeys = refusals();
  x("wmctrl", "-i", "-c", win);
  await until("a close request reaches the app", () => refusals() > afterKeys, 10_000);
  x("xdotool", "key", "ctrl+w", "ctrl+q", "F11", "Escape");
  await sleep(1000);
  check(`Alt+F4 and a close request are refused (${refusals()}), Ctrl+W, Ctrl+Q, F11 do nothing: the kiosk stays, fullscreen`,
    appRunning() && state().includes("_NET_WM_STATE_FULLSCREEN") && geometry() === `${width}x${height}`, state());
  const handled = await w.js(`return ["contextmenu", "F12", "w", "F5"].map((k) => k === "contextmenu"
      ? document.body.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }))
      : document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, ctrlKey: k === "w", bubbles: true, cancelable: true })));`);
  check("the context menu, F12, Ctrl+W and F5 are swallowed in the webview", handled.every((v) => v === false), JSON.stringify(handled));

  // A second start (the same user, the same session bus) hands over to this one: it
  // exits with status 0 (execFileSync throws on any other status, or after 30 s) before
  // it sets up anything of its own (its data folder is never made), and the running
  // kiosk, whose log the test reads, hears of it and stays fullscreen.
  const secondData = join(scratch, "second");
  const beforeSecond = appLog.length;
  const secondStarted = Date.now();
  execFileSync(app, ["--role", "desk", "--data", secondData], { env, stdio: "ignore", timeout: 30_000 });
  const secondMs = Date.now() - secondStarted;
  await until("the running kiosk hears of the second start", () => appLog.slice(beforeSecond).includes("a second start handed over"), 10_000);
  check(`a second start hands over to the running kiosk and exits (status 0 after ${secondMs} ms, no node of its own)`,
    !existsSync(secondData) && appRunning() && state().includes("_NET_WM_STATE_FULLSCREEN"), `data folder made: ${existsSync(secondData)}; ${state()}`);

  // A ticket through the real kiosk screen, to the demo's virtual printer.
  await w.click('[data-testid="service-A"]');
  await w.click('[data-testid="lane-none"]');
  const label = (await w.text('[data-testid="ticket-label"]')).trim();
  check(`a ticket is taken through the webview (${label})`, /^A-\d{3}$/.test(label), label);
  const printed = join(data, "printed");
  const txt = await until("the ticket reaches the virtual printer", () =>
    existsSync(printed) && readdirSync(printed).find((f) => f.endsWith(".txt") && readFileSync(join(printed, f), "utf8").includes(label)),
  );
  check(`the virtual printer printed it (${txt} holds ${label})`, true);
  await until("the kiosk says the ticket printed", async () => (await w.text('[data-testid="print-state"]')).includes("ambil tiket"));
  const fits = await w.js(`const b = document.querySelector('[data-testid="done"]').getBoundingClientRect();
      return [Math.round(b.bottom), window.innerHeight, document.scrollingElement.scrollHeight <= window.innerHeight];`);
  check(`the issued ticket, its QR code and the done button fit the kiosk screen without scrolling (${fits[0]} of ${fits[1]} px)`,
    fits[0] <= fits[1] && fits[2], JSON.stringify(fits));
  await w.screenshot("kiosk-window.png");
  x("import", "-window", "root", join(shots, "kiosk-screen.png"));
  check("screenshots saved in src-tauri/e2e/screenshots", true);

  const procs = appProcesses();
  const mib = (kb) => Math.round(kb / 1024);
  const appRss = procs.filter((p) => p.cmd.startsWith(app)).reduce((a, p) => a + p.rss, 0);
  const webRss = procs.filter((p) => /WebKit(Web|Network|GPU)Process/.test(p.cmd)).reduce((a, p) => a + p.rss, 0);

  // Leaving: five taps in the top-left corner ask for the PIN; a wrong one is refused.
  const tap = [{ type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 }];
  await w.actions([{
    type: "pointer", id: "finger", parameters: { pointerType: "mouse" },
    actions: [{ type: "pointerMove", x: 20, y: 20, duration: 0 }, ...tap, ...tap, ...tap, ...tap, ...tap],
  }]);
  await w.type("#medicloud-pin", "1111");
  await w.click("#medicloud-pin-ok");
  await until("a wrong PIN is refused", async () => (await w.text("#medicloud-pin-error")).includes("wrong PIN"), 10_000);
  await w.screenshot("kiosk-admin-pin.png");
  check("a wrong admin PIN is refused and the kiosk stays", appRunning());
  await w.type("#medicloud-pin", PIN);
  await w.click("#medicloud-pin-ok").catch(() => {}); // the window goes away under the click
  await until("the app exits", () => !appRunning(), 15_000);
  check("the right admin PIN closes the kiosk", true);
  await w.end();
  return `cold start to an interactive kiosk ${coldStart} ms; RSS: app ${mib(appRss)} MiB + webview processes ${mib(webRss)} MiB`;
}

async function firstStart() {
  const data = join(scratch, "first-start");
  const w = await session(["--data", data]);
  await w.el("#role", 60_000);
  await w.screenshot("first-start.png");
  await w.js(`document.getElementById("role").value = "desk";`);
  await w.click('input[name="clinic"][value="standalone"]');
  await w.type("#clinic-name", "Klinik Uji Coba");
  await w.type("#admin-password", "sandi-pengelola-uji-123");
  await w.type("#pin", "13579");
  const before = appLog.length;
  await w.click('button[type="submit"]').catch(() => {}); // the app starts again under the click
  const node = await until("the app starts again as the clinic's desk", () =>
    /Medicloud app started role=Desk node=(http:\/\/[0-9.:]+)/.exec(appLog.slice(before).replace(/\x1b\[[0-9;]*m/g, ""))?.[1], 60_000);
  check(`the set-up page saved the settings and the app started again as a desk (${node})`, true);
  const setup = JSON.parse(readFileSync(join(data, "setup.json"), "utf8"));
  check("the settings are this user's only and keep no admin password",
    (statSync(join(data, "setup.json")).mode & 0o777) === 0o600 && setup.admin_password === null && setup.role === "desk", JSON.stringify(setup));
  const login = await fetch(`${node}/api/v1/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ username: "admin", password: "sandi-pengelola-uji-123" }),
  }).then((r) => r.json());
  const clinic = await fetch(`${node}/api/v1/clinic`, { headers: { authorization: `Bearer ${login.token}` } }).then((r) => r.json());
  check(`the new clinic's admin logs in to the embedded node (${clinic.name})`, clinic.name === "Klinik Uji Coba", JSON.stringify(clinic));
  await w.end();
}

function fail(e) {
  console.error(e.message ?? e);
  console.log(`app e2e: ${passed} passed, 1 failed`);
  cleanup();
  process.exit(1);
}

function cleanup() {
  clearTimeout(deadline);
  for (const [pgid, signal] of groups.reverse().flatMap((g) => [[g, "SIGTERM"], [g, "SIGKILL"]])) {
    try {
      process.kill(-pgid, signal);
      if (signal === "SIGTERM") execFileSync("sleep", ["0.3"]);
    } catch {
      // already gone
    }
  }
  rmSync(scratch, { recursive: true, force: true });
}

async function main() {
  await desktop();
  const measured = await kiosk();
  await firstStart();
  console.log(`  measured: ${measured}`);
}

main()
  .then(() => {
    console.log(`app e2e: ${passed} passed, 0 failed`);
    cleanup();
  })
  .catch(fail);
