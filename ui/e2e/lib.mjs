// What the end-to-end walks share: their checks and the accessibility check (from
// checks.mjs), and the processes they start (stopped at the end).
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";

export { axeCheck, check, passed } from "./checks.mjs";

/** The medicloud binary the walks run. */
export const bin = process.env.MEDICLOUD_BIN;
if (!bin) throw new Error("set MEDICLOUD_BIN to the medicloud binary");

/** The processes started, to stop at the end. */
export const children = [];

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
