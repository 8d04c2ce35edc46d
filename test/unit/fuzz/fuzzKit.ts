// Shared by the fuzz tests (issue 14, "Fuzzing with counts"): a fixed seed, a run count that CI
// can lower (PGENTRA_FUZZ_RUNS), an unhandled-rejection counter, the one summary line per target,
// and structure-aware mutations of valid JSON documents.
import fc from 'fast-check';
import { expect } from 'vitest';

/** Fixed so a failure replays; override with PGENTRA_FUZZ_SEED to explore further. */
export const FUZZ_SEED = Number(process.env.PGENTRA_FUZZ_SEED ?? 20_261_129);

/** Cases per property: 10,000 unless PGENTRA_FUZZ_RUNS says otherwise. */
export function fuzzRuns(def = 10_000): number {
  const n = Number(process.env.PGENTRA_FUZZ_RUNS ?? def);
  return Number.isInteger(n) && n > 0 ? n : def;
}

/** Generous: the fuzz files run inside the `unit` project, whose default is 20 s per test. */
export const FUZZ_TIMEOUT_MS = 600_000;

/**
 * Runs one property with the fixed seed, counts executed cases and unhandled rejections, prints
 * `fuzz: <target> <N> cases, 0 crashes, 0 unhandled rejections`, and fails on either.
 */
export async function runFuzz<Ts extends [unknown, ...unknown[]]>(
  target: string,
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => Promise<void> | void,
  numRuns = fuzzRuns(),
): Promise<void> {
  let cases = 0;
  let rejections = 0;
  const onRejection = (): void => {
    rejections++;
  };
  process.on('unhandledRejection', onRejection);
  const started = Date.now();
  const property = fc.asyncProperty(...arbs, async (...args: Ts) => {
    cases++;
    await check(...args);
  });
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns, endOnFailure: false });
  } catch (e) {
    console.log(`fuzz: ${target} FAILED after ${cases} cases (seed ${FUZZ_SEED}, numRuns ${numRuns}); replay with PGENTRA_FUZZ_SEED=${FUZZ_SEED}`);
    throw e;
  } finally {
    // Let rejections of the last case surface before counting them.
    await new Promise((r) => setTimeout(r, 20));
    process.off('unhandledRejection', onRejection);
  }
  console.log(`fuzz: ${target} ${numRuns} cases, 0 crashes, ${rejections} unhandled rejections (${cases} executions, ${Date.now() - started} ms, seed ${FUZZ_SEED})`);
  expect(rejections, `${target}: unhandled rejections`).toBe(0);
}

// ------------------------------------------------------------------ JSON mutation

type Json = unknown;

/** Every container path of a JSON value (root is []). */
function paths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((x, i) => paths(x, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, x] of Object.entries(v)) paths(x, [...at, k], out);
  return out;
}

function clone(v: Json): Json {
  return v === undefined ? undefined : JSON.parse(JSON.stringify(v));
}

function setAt(root: Json, p: (string | number)[], value: Json | typeof DELETE): Json {
  if (p.length === 0) return value === DELETE ? undefined : value;
  let parent = root as Record<string | number, Json>;
  for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
  const last = p[p.length - 1] as string | number;
  if (value === DELETE) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else parent[last] = value;
  return root;
}

const DELETE = Symbol('delete');

export interface JsonEdit {
  at: number;
  op: 'replace' | 'delete' | 'addKey' | 'wrap' | 'swapType';
  key: string;
  value: Json;
}

/** Values a parser is most likely to trip over. */
export const nastyValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 65536, Number.MAX_SAFE_INTEGER, -0, '', ' ', '\u0000', '\uFEFF', '__proto__', 'constructor', 'x'.repeat(5000), [], {}, [[]], { __proto__: null }),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 3 }),
);

export const jsonEdit: fc.Arbitrary<JsonEdit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('replace', 'delete', 'addKey', 'wrap', 'swapType'),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'toString', 'id', 'name', 'host', 'profiles', 'Servers', 'schemaVersion', 'version'), fc.string({ maxLength: 12 })),
  value: nastyValue,
});

/** Applies edits to a copy of `valid`, each at a node chosen among the current nodes. */
export function applyEdits(valid: Json, edits: readonly JsonEdit[]): Json {
  let doc = clone(valid);
  for (const e of edits) {
    const ps = paths(doc);
    const p = ps[e.at % ps.length] as (string | number)[];
    let node: Json = doc;
    for (const k of p) node = (node as Record<string | number, Json>)[k];
    switch (e.op) {
      case 'replace':
        doc = setAt(doc, p, clone(e.value));
        break;
      case 'delete':
        doc = setAt(doc, p, p.length ? DELETE : null);
        break;
      case 'addKey':
        if (node && typeof node === 'object' && !Array.isArray(node)) {
          // defineProperty: a "__proto__" key becomes an own key, as JSON.parse would make it.
          Object.defineProperty(node, e.key, { value: clone(e.value), enumerable: true, writable: true, configurable: true });
        } else if (Array.isArray(node)) node.push(clone(e.value));
        break;
      case 'wrap':
        doc = setAt(doc, p, [node]);
        break;
      case 'swapType':
        doc = setAt(doc, p, typeof node === 'string' ? Number(node) || node.length : typeof node === 'number' ? String(node) : node === null ? {} : (JSON.stringify(node) ?? null));
        break;
    }
  }
  return doc;
}

export interface TextEdit {
  at: number;
  op: 'truncate' | 'insert' | 'delete' | 'dup';
  text: string;
}
export const textEdit: fc.Arbitrary<TextEdit> = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('truncate', 'insert', 'delete', 'dup'),
  text: fc.oneof(fc.constantFrom('{', '}', '[', ']', ',', ':', '"', '\\', '\\u0000', 'null', '1e999', '-', '\uFEFF', '\uD800'), fc.string({ maxLength: 6 })),
});

/** Character-level damage to a serialised document (truncation, stray tokens, duplication). */
export function applyTextEdits(text: string, edits: readonly TextEdit[]): string {
  let t = text;
  for (const e of edits) {
    const i = t.length ? e.at % (t.length + 1) : 0;
    if (e.op === 'truncate') t = t.slice(0, i);
    else if (e.op === 'insert') t = t.slice(0, i) + e.text + t.slice(i);
    else if (e.op === 'delete') t = t.slice(0, i) + t.slice(i + 1 + (e.text.length % 8));
    else t = t.slice(0, i) + t.slice(i, i + 40) + t.slice(i);
  }
  return t;
}

/**
 * Hostile documents derived from `valid`: the value itself mutated, its JSON text damaged, or
 * anything at all. `kind` tells the test which shape it got.
 */
export function hostileJson(valid: Json): fc.Arbitrary<{ kind: 'value' | 'text'; doc: Json }> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.array(jsonEdit, { minLength: 1, maxLength: 4 }).map((edits) => ({ kind: 'value' as const, doc: applyEdits(valid, edits) })) },
    {
      weight: 3,
      arbitrary: fc
        .tuple(fc.array(jsonEdit, { maxLength: 2 }), fc.array(textEdit, { minLength: 1, maxLength: 3 }))
        .map(([edits, texts]) => ({ kind: 'text' as const, doc: applyTextEdits(JSON.stringify(applyEdits(valid, edits)) ?? '', texts) })),
    },
    { weight: 1, arbitrary: fc.anything().map((doc) => ({ kind: 'value' as const, doc })) },
    { weight: 1, arbitrary: fc.jsonValue().map((doc) => ({ kind: 'text' as const, doc: JSON.stringify(doc) })) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 200 }).map((doc) => ({ kind: 'text' as const, doc })) },
  );
}
