// What the end-to-end walks share: their checks, the processes they start (stopped at
// the end), and the accessibility check.
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createInterface } from "node:readline";

/** The medicloud binary the walks run. */
export const bin = process.env.MEDICLOUD_BIN;
if (!bin) throw new Error("set MEDICLOUD_BIN to the medicloud binary");

/** The processes started, to stop at the end. */
export const children = [];
let count = 0;

/** A check that must hold: printed when it does, thrown when it does not. */
export function check(what, ok, detail = "") {
  if (!ok) throw new Error(`FAILED: ${what} ${detail}`);
  count += 1;
  console.log(`  ✓ ${what}`);
}

/** How many checks have passed. */
export function passed() {
  return count;
}

/** Starts `medicloud ARGS…` and resolves with the lines matching `patterns` (stdout keeps draining). */
export function start(args, env, patterns) {
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

const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** axe-core on `page`: no serious or critical violation on `screen`. */
export async function axeCheck(page, screen) {
  await page.addScriptTag({ content: axeSource });
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { resultTypes: ["violations"] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.length, targets: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  check(`${screen}: no serious accessibility violations`, serious.length === 0, JSON.stringify(serious));
}
