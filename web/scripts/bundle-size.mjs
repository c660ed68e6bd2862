#!/usr/bin/env node
// bundle-size.mjs — the gzip size of what the first page loads: the scripts
// and stylesheets web/dist/index.html names (entry, module preloads, CSS).
// Areas that load lazily are left out: a visitor of / does not fetch them.
// Exits 1 when the total is over the budget (default 500 kB, --budget-kb N).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const dist = new URL('../dist/', import.meta.url).pathname;
const arg = process.argv.indexOf('--budget-kb');
const budgetKb = arg > 0 ? Number(process.argv[arg + 1]) : 500;
if (!Number.isFinite(budgetKb) || budgetKb <= 0) {
  console.error('bundle-size: --budget-kb takes a positive number');
  process.exit(2);
}
let html;
try {
  html = readFileSync(join(dist, 'index.html'), 'utf8');
} catch {
  console.error('bundle-size: web/dist/index.html missing: run `make web` first');
  process.exit(2);
}
const refs = new Set([
  ...[...html.matchAll(/<script[^>]*\bsrc="([^"]+)"/g)].map((m) => m[1]),
  ...[...html.matchAll(/<link[^>]*rel="(?:modulepreload|stylesheet)"[^>]*href="([^"]+)"/g)].map((m) => m[1]),
  ...[...html.matchAll(/<link[^>]*href="([^"]+)"[^>]*rel="(?:modulepreload|stylesheet)"/g)].map((m) => m[1]),
]);
let total = 0;
const html_gz = gzipSync(html, { level: 9 }).length;
total += html_gz;
console.log(`${(html_gz / 1024).toFixed(1).padStart(8)} kB  index.html`);
for (const ref of [...refs].sort()) {
  const body = readFileSync(join(dist, ref.replace(/^\//, '')));
  const gz = gzipSync(body, { level: 9 }).length;
  total += gz;
  console.log(`${(gz / 1024).toFixed(1).padStart(8)} kB  ${ref}  (${(body.length / 1024).toFixed(1)} kB raw)`);
}
const ok = total <= budgetKb * 1024;
console.log(`first page: ${(total / 1024).toFixed(1)} kB gzip in ${refs.size + 1} files; budget ${budgetKb} kB; ratio ${(total / (budgetKb * 1024)).toFixed(2)} ${ok ? 'ok' : 'OVER BUDGET'}`);
process.exit(ok ? 0 : 1);
