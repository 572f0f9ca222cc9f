// Regenerates src/api/schema.d.ts from the node's OpenAPI document, so the screens'
// API types come from the Rust types and are never written twice.
//   MEDICLOUD_BIN=../target/debug/medicloud npm run gen:api          write the file
//   MEDICLOUD_BIN=... node scripts/gen-api.mjs --check                 fail if it is stale
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import openapiTS, { astToString } from "openapi-typescript";

const bin = process.env.MEDICLOUD_BIN ?? "../target/debug/medicloud";
const spec = JSON.parse(execFileSync(bin, ["openapi"], { encoding: "utf8" }));
const ast = await openapiTS(spec);
const header = "// Generated from the node's OpenAPI document by `npm run gen:api`. Do not edit.\n";
const text = header + astToString(ast);
const target = new URL("../src/api/schema.d.ts", import.meta.url);
if (process.argv.includes("--check")) {
  const current = readFileSync(target, "utf8");
  if (current !== text) {
    console.error("src/api/schema.d.ts is stale: run `npm run gen:api`");
    process.exit(1);
  }
  console.log("API types match the node's OpenAPI document");
} else {
  writeFileSync(target, text);
  console.log("wrote src/api/schema.d.ts");
}
