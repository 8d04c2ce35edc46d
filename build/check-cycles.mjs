#!/usr/bin/env node
// Import cycles in the product code (electron/, shared/, renderer/): between folders and between
// files. Reads every source file's relative imports — static, `export … from`, dynamic `import()`
// and `import type` (a type import still ties the folders together) — with the TypeScript
// compiler's pre-processor, resolves them to files, and reports each strongly connected group.
// A folder is electron/<name> (a subfolder counts with its parent: electron/cli/commands is
// electron/cli; the files directly in electron/ are the folder `electron`), renderer/features/<name>
// (other renderer files by their first folder), and shared. Exits 1 when there is any cycle.
//   node build/check-cycles.mjs [--graph]     (--graph also prints the folder graph)
import { readdirSync, readFileSync, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const LAYERS = ['electron', 'shared', 'renderer'];
const SOURCE = /\.(ts|tsx|mts|cts|mjs|cjs|js)$/;
const SKIP = /(^|\/)(node_modules|dist)(\/|$)|\.d\.ts$|(^|\/)vite\.config\.ts$/;

/** Every product source file, as a path relative to the repository root with / separators. */
function listFiles() {
  const out = [];
  const walk = (rel) => {
    for (const entry of readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (SKIP.test(child)) continue;
      if (entry.isDirectory()) walk(child);
      else if (SOURCE.test(entry.name)) out.push(child);
    }
  };
  for (const layer of LAYERS) if (existsSync(path.join(root, layer))) walk(layer);
  return out.sort();
}

const isFile = (rel) => existsSync(path.join(root, rel)) && statSync(path.join(root, rel)).isFile();

/** The file a relative specifier names (NodeNext style: `./x.js` is x.ts or x.tsx), or undefined. */
function resolve(fromFile, spec) {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(fromFile), spec));
  const stem = base.replace(/\.(js|jsx|mjs|cjs)$/, '');
  const candidates = [base, `${stem}.ts`, `${stem}.tsx`, `${stem}.mts`, `${stem}.cts`, `${base}/index.ts`, `${base}/index.tsx`];
  return candidates.find(isFile);
}

/** The folder a file belongs to for the folder-level check. */
export function folderOf(file) {
  const parts = file.split('/');
  const dirs = parts.slice(0, -1);
  if (dirs[0] === 'renderer' && dirs[1] === 'features' && dirs.length >= 3) return dirs.slice(0, 3).join('/');
  return dirs.slice(0, 2).join('/');
}

/** Tarjan's strongly connected components with more than one node (or a self-edge). */
function cycles(nodes, edges) {
  let index = 0;
  const idx = new Map(),
    low = new Map(),
    onStack = new Set(),
    stack = [],
    found = [];
  const visit = (v) => {
    idx.set(v, index);
    low.set(v, index);
    index++;
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!idx.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), idx.get(w)));
    }
    if (low.get(v) === idx.get(v)) {
      const scc = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        scc.push(w);
      } while (w !== v);
      if (scc.length > 1 || (edges.get(v) ?? new Set()).has(v)) found.push(scc.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) visit(v);
  return found;
}

/** One concrete loop through an SCC (shortest path back to the start), for the message. */
function loopThrough(scc, edges, start = scc[0]) {
  const members = new Set(scc);
  const prev = new Map([[start, null]]);
  const queue = [start];
  while (queue.length) {
    const v = queue.shift();
    for (const w of edges.get(v) ?? []) {
      if (!members.has(w)) continue;
      if (w === start) {
        const pathBack = [];
        for (let x = v; x !== null; x = prev.get(x)) pathBack.unshift(x);
        return [...pathBack, start];
      }
      if (!prev.has(w)) {
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return scc;
}

const files = listFiles();
const fileEdges = new Map(files.map((f) => [f, new Set()]));
const folderEdges = new Map();
const why = new Map(); // "a -> b" (folders) => first file import that makes the edge
const unresolved = [];
for (const file of files) {
  const info = ts.preProcessFile(readFileSync(path.join(root, file), 'utf8'), true, true);
  for (const { fileName: spec } of info.importedFiles) {
    if (!spec.startsWith('.')) continue;
    const target = resolve(file, spec);
    if (!target) {
      unresolved.push(`${file}: ${spec}`);
      continue;
    }
    if (!fileEdges.has(target)) continue; // outside the product folders (none expected)
    fileEdges.get(file).add(target);
    const [a, b] = [folderOf(file), folderOf(target)];
    if (a === b) continue;
    if (!folderEdges.has(a)) folderEdges.set(a, new Set());
    folderEdges.get(a).add(b);
    if (!why.has(`${a} -> ${b}`)) why.set(`${a} -> ${b}`, `${file} imports ${target}`);
  }
}

const folders = [...new Set(files.map(folderOf))].sort();
const folderCycles = cycles(folders, folderEdges);
const fileCycles = cycles(files, fileEdges);

if (process.argv.includes('--graph')) {
  for (const f of folders) console.log(`${f} -> ${[...(folderEdges.get(f) ?? [])].sort().join(', ') || '(nothing)'}`);
  console.log('');
}
for (const u of unresolved) console.log(`unresolved import: ${u}`);
/** The shortest loop through each member of a group, each loop once (a group can hold several). */
function loopsOf(scc, edges) {
  const seen = new Set(),
    loops = [];
  for (const start of scc) {
    const loop = loopThrough(scc, edges, start);
    const key = [...loop.slice(0, -1)].sort().join('|');
    if (!seen.has(key)) {
      seen.add(key);
      loops.push(loop);
    }
  }
  return loops;
}
for (const scc of folderCycles) {
  if (scc.length > 2) console.log(`folder group in a cycle: ${scc.join(', ')}`);
  for (const loop of loopsOf(scc, folderEdges)) {
    console.log(`folder cycle: ${loop.join(' -> ')}`);
    for (let i = 0; i + 1 < loop.length; i++) console.log(`  ${why.get(`${loop[i]} -> ${loop[i + 1]}`)}`);
  }
}
for (const scc of fileCycles) {
  console.log(`file cycle: ${loopThrough(scc, fileEdges).join(' -> ')}`);
  if (scc.length > 2) console.log(`  (the whole group: ${scc.join(', ')})`);
}
const problems = folderCycles.length + fileCycles.length + unresolved.length;
console.log(
  problems
    ? `check-cycles: ${folderCycles.length} folder group(s) and ${fileCycles.length} file group(s) in cycles, ${unresolved.length} unresolved import(s) in ${files.length} files`
    : `check-cycles: no import cycles among ${files.length} files in ${folders.length} folders`,
);
process.exit(problems ? 1 : 0);
