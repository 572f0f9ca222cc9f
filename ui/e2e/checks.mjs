// The walks' checks and accessibility check, apart from lib.mjs (which needs the
// medicloud binary) so a walk against a running cloud (book.mjs) can use them too.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";

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
  return result;
}
