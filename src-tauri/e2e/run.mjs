// End-to-end on the real app: Xvfb with openbox, tauri-driver and WebKitWebDriver. The
// kiosk window comes up fullscreen and on top, survives the keys and close requests a
// patient could try, a ticket is taken through the webview and reaches the virtual
// printer, and the admin PIN (only the right one) closes it. Prints cold start and
// memory, saves screenshots into e2e/screenshots (gitignored).
//   APP=target/debug/medicloud-app node src-tauri/e2e/run.mjs
import { spawn, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const app = resolve(root, process.env.APP ?? "target/debug/medicloud-app");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const [width, height] = [1280, 1024];
const data = mkdtempSync(join(tmpdir(), "medicloud-app-e2e-"));
const PIN = "2468";
const env = {
  ...process.env,
  MEDICLOUD_DATA: data,
  MEDICLOUD_ROLE: "kiosk",
  MEDICLOUD_KIOSK_PIN: PIN,
  MEDICLOUD_UI_DIR: process.env.MEDICLOUD_UI_DIR ?? join(root, "ui/dist"),
  RUST_LOG: "warn,medicloud_app=info",
};
delete env.DBUS_SESSION_BUS_ADDRESS; // the test's app is its own single instance
const deadline = setTimeout(() => fail(new Error("the whole test took over 5 minutes")), 300_000);

// Every process the test starts leads a process group of its own, so the end kills
// exactly those groups (the app and its webview processes are in tauri-driver's).
const groups = [];
const start = (cmd, args) => {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "inherit"], detached: true });
  groups.push(child.pid);
  return child;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
let passed = 0;
let driverGroup = 0;
let appLog = "";
const check = (what, ok, detail = "") => {
  if (!ok) throw new Error(`FAILED: ${what} ${detail}`);
  passed += 1;
  console.log(`  ok   ${what}`);
};
const x = (cmd, ...args) => execFileSync(cmd, args, { env, stdio: ["ignore", "pipe", "ignore"] }).toString();

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
    signal: AbortSignal.timeout(30_000),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

/** The processes of tauri-driver's group: the app and its webview processes. */
function appProcesses() {
  const group = driverGroup;
  return x("ps", "-e", "-o", "pid=,pgid=,rss=,args=")
    .trim()
    .split("\n")
    .map((l) => l.trim().split(/\s+/))
    .filter(([, pgid]) => Number(pgid) === group)
    .map(([pid, , rss, ...args]) => ({ pid: Number(pid), rss: Number(rss), cmd: args.join(" ") }));
}

async function main() {
  // Xvfb picks a free display itself and writes its number on stdout.
  const xvfb = spawn("Xvfb", ["-displayfd", "1", "-screen", "0", `${width}x${height}x24`, "-nolisten", "tcp"], {
    stdio: ["ignore", "pipe", "ignore"],
    detached: true,
  });
  groups.push(xvfb.pid);
  let number = "";
  xvfb.stdout.on("data", (d) => (number += d));
  await until("Xvfb starts", () => /^\d+\n/.test(number), 15_000);
  env.DISPLAY = `:${number.trim()}`;
  await until("Xvfb answers", () => x("xdpyinfo").includes("dimensions"), 15_000);
  for (let attempt = 1; ; attempt++) {
    const wm = spawn("openbox", [], { env, stdio: ["ignore", "ignore", "pipe"], detached: true });
    groups.push(wm.pid);
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
  // The app logs through tauri-driver's stderr: the test reads what it refused.
  const tauriDriver = spawn("tauri-driver", ["--port", String(port), "--native-port", String(port + 1), "--native-driver", "/usr/bin/WebKitWebDriver"], {
    env,
    stdio: ["ignore", "ignore", "pipe"],
    detached: true,
  });
  groups.push((driverGroup = tauriDriver.pid));
  tauriDriver.stderr.on("data", (d) => {
    appLog += d;
    process.stderr.write(d);
  });
  await until("tauri-driver answers", async () => (await fetch(`${driver}/status`)).ok, 15_000);

  const started = Date.now();
  const session = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  const sid = session.sessionId;
  const s = (path) => `/session/${sid}${path}`;
  const find = (css) => wd("POST", s("/element"), { using: "css selector", value: css });
  const id = (el) => el["element-6066-11e4-a23e-4f97d0ec4ba8"] ?? Object.values(el)[0];
  const el = (css) => until(`${css} shows`, () => find(css)).then(id);
  const click = async (css) => wd("POST", s(`/element/${await el(css)}/click`), {});
  const text = async (css) => wd("GET", s(`/element/${await el(css)}/text`));
  const type = async (css, value) => wd("POST", s(`/element/${await el(css)}/value`), { text: value });
  const js = (script, ...args) => wd("POST", s("/execute/sync"), { script, args });
  const invoke = (command, args = {}) =>
    wd("POST", s("/execute/async"), {
      script: `const done = arguments[arguments.length - 1];
        window.__TAURI_INTERNALS__.invoke(arguments[0], arguments[1]).then((v) => done({ ok: v }), (e) => done({ err: String(e) }));`,
      args: [command, args],
    });

  // The kiosk comes up, interactive, fullscreen and on top.
  await until("the kiosk shows its services", () => find('[data-testid="service-A"]'), 60_000);
  const coldStart = Date.now() - started;
  check(`the kiosk window is interactive (cold start ${coldStart} ms)`, true);
  const win = await until("the kiosk window is active", () => {
    const w = x("xprop", "-root", "_NET_ACTIVE_WINDOW").split(" ").pop().trim();
    return /^0x[0-9a-f]+$/.test(w) && w !== "0x0" ? w : null;
  });
  const windowState = () => x("xprop", "-id", win, "_NET_WM_STATE");
  await until("the window manager has the kiosk fullscreen", () => windowState().includes("_NET_WM_STATE_FULLSCREEN"), 10_000);
  check("the kiosk window is fullscreen", windowState().includes("_NET_WM_STATE_FULLSCREEN"), windowState());
  check("the kiosk window is always on top", windowState().includes("_NET_WM_STATE_ABOVE"), windowState());
  const geometry = () => {
    const info = x("xwininfo", "-id", win);
    return `${/Width: (\d+)/.exec(info)?.[1]}x${/Height: (\d+)/.exec(info)?.[1]}`;
  };
  check(`the kiosk window covers the screen (${geometry()})`, geometry() === `${width}x${height}`, geometry());
  const info = await invoke("device_info");
  check(`the app tells the screen its role (${info.ok?.role}, clinic ${info.ok?.clinic?.slice(0, 8)})`, info.ok?.role === "kiosk", JSON.stringify(info));

  // What a patient could try: the window manager's close keys, a close request, the
  // webview's own shortcuts and context menu.
  const refusals = () => appLog.split("close request refused").length - 1;
  x("xdotool", "key", "alt+F4");
  await until("the window manager's Alt+F4 reaches the app", () => refusals() >= 1, 10_000);
  x("wmctrl", "-i", "-c", win);
  await until("a close request reaches the app", () => refusals() >= 2, 10_000);
  x("xdotool", "key", "ctrl+w", "ctrl+q", "F11", "Escape");
  await sleep(1000);
  check(`Alt+F4 and a close request are refused (${refusals()} refused), Ctrl+W, Ctrl+Q, F11 do nothing: the kiosk stays open and fullscreen`,
    appProcesses().some((p) => p.cmd.startsWith(app)) && windowState().includes("_NET_WM_STATE_FULLSCREEN") && geometry() === `${width}x${height}`,
    windowState());
  const notHandled = await js(`return ["contextmenu", "F12", "w", "F5"].map((k) => k === "contextmenu"
      ? document.body.dispatchEvent(new MouseEvent("contextmenu", { bubbles: true, cancelable: true }))
      : document.body.dispatchEvent(new KeyboardEvent("keydown", { key: k, ctrlKey: k === "w", bubbles: true, cancelable: true })));`);
  check("the context menu, F12, Ctrl+W and F5 are swallowed in the webview", notHandled.every((v) => v === false), JSON.stringify(notHandled));

  // A ticket through the real kiosk screen, to the demo's virtual printer.
  await click('[data-testid="service-A"]');
  await click('[data-testid="lane-none"]');
  const label = (await text('[data-testid="ticket-label"]')).trim();
  check(`a ticket is taken through the webview (${label})`, /^A-\d{3}$/.test(label), label);
  const printed = join(data, "printed");
  const txt = await until("the ticket reaches the virtual printer", () =>
    existsSync(printed) && readdirSync(printed).find((f) => f.endsWith(".txt") && readFileSync(join(printed, f), "utf8").includes(label)),
  );
  check(`the virtual printer printed it (${txt} holds ${label})`, true);
  await until("the kiosk says the ticket printed", async () => (await text('[data-testid="print-state"]')).includes("ambil tiket"));
  writeFileSync(join(shots, "kiosk-window.png"), Buffer.from(await wd("GET", s("/screenshot")), "base64"));
  x("import", "-window", "root", join(shots, "kiosk-screen.png"));
  check("screenshots saved in src-tauri/e2e/screenshots", true);

  const procs = appProcesses();
  const mib = (kb) => Math.round(kb / 1024);
  const appRss = procs.filter((p) => p.cmd.startsWith(app)).reduce((a, p) => a + p.rss, 0);
  const webRss = procs.filter((p) => /WebKit(Web|Network|GPU)Process/.test(p.cmd)).reduce((a, p) => a + p.rss, 0);

  // Leaving: five taps in the top-left corner ask for the PIN; a wrong one is refused.
  const tapCorner = () =>
    wd("POST", s("/actions"), {
      actions: [{
        type: "pointer", id: "finger", parameters: { pointerType: "mouse" },
        actions: [{ type: "pointerMove", x: 20, y: 20, duration: 0 }]
          .concat(...Array(5).fill([{ type: "pointerDown", button: 0 }, { type: "pointerUp", button: 0 }])),
      }],
    });
  await tapCorner();
  await type("#medicloud-pin", "1111");
  await click("#medicloud-pin-ok");
  await until("a wrong PIN is refused", async () => (await text("#medicloud-pin-error")).includes("wrong PIN"), 10_000);
  check("a wrong admin PIN is refused and the kiosk stays", appProcesses().some((p) => p.cmd.startsWith(app)));
  await type("#medicloud-pin", PIN);
  await click("#medicloud-pin-ok").catch(() => {}); // the window goes away under the click
  await until("the app exits", () => !appProcesses().some((p) => p.cmd.startsWith(app)), 15_000);
  check("the right admin PIN closes the kiosk", true);
  console.log(`  measured: cold start to an interactive kiosk ${coldStart} ms; RSS: app ${mib(appRss)} MiB + webview processes ${mib(webRss)} MiB`);
  await wd("DELETE", s("")).catch(() => {});
}

function fail(e) {
  console.error(e.message ?? e);
  console.log(`app e2e: ${passed} passed, 1 failed`);
  process.exitCode = 1;
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
  rmSync(data, { recursive: true, force: true });
}

main()
  .then(() => {
    console.log(`app e2e: ${passed} passed, 0 failed`);
    cleanup();
  })
  .catch(fail);
