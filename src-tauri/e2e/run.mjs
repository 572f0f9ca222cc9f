// End-to-end on the real app: Xvfb with openbox, tauri-driver and WebKitWebDriver. The
// kiosk window comes up fullscreen and on top, a ticket is taken through the webview,
// and it reaches the virtual printer. Prints cold start, memory and a screenshot.
//   APP=target/debug/medicloud-app node src-tauri/e2e/run.mjs
import { spawn, execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const app = resolve(root, process.env.APP ?? "target/debug/medicloud-app");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const display = `:${90 + Math.floor(Math.random() * 9)}`;
const data = mkdtempSync(join(tmpdir(), "medicloud-app-e2e-"));
const env = {
  ...process.env,
  DISPLAY: display,
  MEDICLOUD_DATA: data,
  MEDICLOUD_ROLE: "kiosk",
  MEDICLOUD_KIOSK_PIN: "2468",
  MEDICLOUD_UI_DIR: join(root, "ui/dist"),
  RUST_LOG: "warn",
};
const children = [];
let passed = 0;
const check = (what, ok, detail = "") => {
  if (!ok) throw new Error(`FAILED: ${what} ${detail}`);
  passed += 1;
  console.log(`  ✓ ${what}`);
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const run = (cmd, args, opts = {}) => {
  const child = spawn(cmd, args, { env, stdio: ["ignore", "ignore", "inherit"], ...opts });
  children.push(child);
  return child;
};

const port = 4500 + Math.floor(Math.random() * 400) * 2;
const driver = `http://127.0.0.1:${port}`;
async function wd(method, path, body) {
  const res = await fetch(`${driver}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path}: ${JSON.stringify(json.value ?? json)}`);
  return json.value;
}

async function until(what, fn, ms = 30_000) {
  const start = Date.now();
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch {
      // not yet
    }
    if (Date.now() - start > ms) throw new Error(`FAILED: ${what} within ${ms} ms`);
    await sleep(200);
  }
}

async function main() {
  run("Xvfb", [display, "-screen", "0", "1280x1024x24", "-nolisten", "tcp"]);
  await sleep(800);
  run("openbox", []);
  await sleep(500);
  run("tauri-driver", ["--port", String(port), "--native-port", String(port + 1), "--native-driver", "/usr/bin/WebKitWebDriver"]);
  await until("tauri-driver answers", async () => (await fetch(`${driver}/status`)).ok, 15_000);

  const started = Date.now();
  const session = await wd("POST", "/session", {
    capabilities: { alwaysMatch: { "tauri:options": { application: app } } },
  });
  const sid = session.sessionId;
  const find = (css) => wd("POST", `/session/${sid}/element`, { using: "css selector", value: css });
  const id = (el) => el["element-6066-11e4-a23e-4f97d0ec4ba8"] ?? el.ELEMENT ?? Object.values(el)[0];
  const click = async (css) => wd("POST", `/session/${sid}/element/${id(await until(css, () => find(css)))}/click`, {});
  const text = async (css) => wd("GET", `/session/${sid}/element/${id(await until(css, () => find(css)))}/text`);

  await until("the kiosk shows its services", () => find('[data-testid="service-A"]'));
  const coldStart = Date.now() - started;
  check(`the kiosk window is interactive (cold start ${coldStart} ms)`, true);

  const win = execFileSync("xprop", ["-root", "_NET_ACTIVE_WINDOW"], { env }).toString().split(" ").pop().trim();
  const state = execFileSync("xprop", ["-id", win, "_NET_WM_STATE"], { env }).toString();
  check("the kiosk window is fullscreen", state.includes("_NET_WM_STATE_FULLSCREEN"), state);
  check("the kiosk window is on top", state.includes("_NET_WM_STATE_ABOVE"), state);

  await click('[data-testid="service-A"]');
  await click('[data-testid="lane-none"]');
  const label = (await text('[data-testid="ticket-label"]')).trim();
  check(`a ticket is taken through the webview (${label})`, /^A-\d{3}$/.test(label), label);
  await until("the ticket reaches the virtual printer", () =>
    readdirSync(join(data, "printed")).some((f) => f.endsWith(".txt") && readFileSync(join(data, "printed", f), "utf8").includes(label)),
  );
  check("the ticket reached the virtual printer", true);
  await until("the kiosk says the ticket printed", async () => (await text('[data-testid="print-state"]')).includes("ambil tiket"));
  const png = await wd("GET", `/session/${sid}/screenshot`);
  writeFileSync(join(shots, "kiosk-window.png"), Buffer.from(png, "base64"));
  execFileSync("import", ["-window", "root", join(shots, "kiosk-screen.png")], { env });
  check("screenshots saved", true);

  const pid = execFileSync("pgrep", ["-f", app]).toString().trim().split("\n")[0];
  const rss = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
  let webRss = 0;
  for (const p of execFileSync("pgrep", ["-f", "WebKit(Web|Network)Process"]).toString().trim().split("\n")) {
    webRss += Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
  }
  console.log(`  measured: cold start to an interactive kiosk ${coldStart} ms; RSS app ${Math.round(rss / 1024)} MiB + webview processes ${Math.round(webRss / 1024)} MiB`);
  await wd("DELETE", `/session/${sid}`).catch(() => {});
}

main()
  .then(() => {
    console.log(`app e2e: ${passed} passed, 0 failed`);
  })
  .catch((e) => {
    console.error(e.message ?? e);
    console.log(`app e2e: ${passed} passed, 1 failed`);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children.reverse()) c.kill("SIGKILL");
    spawn("pkill", ["-f", app]);
    spawn("pkill", ["-f", `WebKitWebDriver --port=${port + 1}`]);
    rmSync(data, { recursive: true, force: true });
  });
