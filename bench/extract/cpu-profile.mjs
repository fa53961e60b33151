/** Summarises V8 CPU profiles (node --cpu-prof): self time by function and by package or file. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fmt } from './measure.mjs';

function where(url, root) {
  if (!url) return '';
  let p = url.startsWith('file://') ? fileURLToPath(url) : url;
  if (p.startsWith(root)) p = relative(root, p);
  return p;
}

function moduleOf(url, name, root) {
  if (name.startsWith('RegExp: ')) return '(regular expressions)';
  if (!url) return name.startsWith('(') ? name : `(native) ${name}`;
  const p = where(url, root);
  const nm = p.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/);
  if (nm) return `node_modules/${nm[1]}`;
  if (p.startsWith('node:')) return p.split('/').slice(0, 2).join('/');
  return p;
}

/** Prints the top self-time functions and packages of one or more profiles (added up), paths relative to root. */
export function summariseProfile(label, files, root) {
  const fns = new Map();
  const mods = new Map();
  let total = 0;
  for (const file of files) {
    const prof = JSON.parse(readFileSync(file, 'utf8'));
    const byId = new Map(prof.nodes.map((n) => [n.id, n]));
    const self = new Map();
    // DevTools' convention: sample i lasts until sample i+1.
    for (let i = 0; i < prof.samples.length; i++) {
      const dt = prof.timeDeltas[i + 1] ?? 0;
      self.set(prof.samples[i], (self.get(prof.samples[i]) ?? 0) + dt);
    }
    for (const [id, us] of self) {
      const { functionName, url, lineNumber } = byId.get(id).callFrame;
      const name = functionName || '(anonymous)';
      const key = url ? `${name}  ${where(url, root)}:${lineNumber + 1}` : name;
      fns.set(key, (fns.get(key) ?? 0) + us);
      const mod = moduleOf(url, name, root);
      mods.set(mod, (mods.get(mod) ?? 0) + us);
      total += us;
    }
  }
  const top = (m, n) => [...m].sort((a, b) => b[1] - a[1]).slice(0, n);
  const row = ([k, us]) =>
    `      ${fmt(us / 1000, 0).padStart(7)} ms ${fmt((100 * us) / total, 1).padStart(5)} %  ${k}`;
  console.log(`  ${label}: ${fmt(total / 1e6)} s sampled`);
  console.log('    self time by function (top 20):');
  for (const r of top(fns, 20)) console.log(row(r));
  console.log('    self time by package / file (top 12):');
  for (const r of top(mods, 12)) console.log(row(r));
}
