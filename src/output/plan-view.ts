/**
 * The human view of plans, in the manner of infrastructure tools: per service `+` add,
 * `~` change, `-` remove, credentials as `(sensitive)`, unchanged keys counted, unmapped
 * entries and warnings flagged, then one summary line.
 */
import type { ChalkInstance } from 'chalk';
import type { Json } from '../core/store/canonical.js';
import type { PlanChange, PlanDoc } from '../core/plan/plan-doc.js';
import { clip } from './table.js';

const show = (v: Json | undefined): string => clip(JSON.stringify(v ?? null), 60);

function line(c: PlanChange, paint: ChalkInstance): string | null {
  const secret = c.kind === 'credential';
  switch (c.op) {
    case 'unchanged':
      return null;
    case 'remove':
      return paint.red(`  - ${c.key}${secret ? ' (sensitive)' : ''}`);
    case 'set-credential':
      return c.replacing
        ? paint.yellow(`  ~ ${c.key} = (sensitive)`)
        : paint.green(`  + ${c.key} = (sensitive)`);
    case 'set': {
      const from = c.source
        ? `  ${paint.dim(`${c.source.file}:${c.source.line} via ${c.rule}${c.defaulted ? ' (default)' : ''}`)}`
        : '';
      return c.previous === undefined
        ? paint.green(`  + ${c.key} = ${show(c.value)}`) + from
        : paint.yellow(`  ~ ${c.key}: ${show(c.previous)} → ${show(c.value)}`) + from;
    }
  }
}

export function planView(docs: { doc: PlanDoc; file: string | null }[], paint: ChalkInstance): string {
  const out: string[] = [];
  const total = { add: 0, change: 0, remove: 0, unchanged: 0 };
  for (const { doc, file } of docs) {
    out.push(
      paint.bold(`${doc.service}/${doc.environment}`) +
        paint.dim(` (against store version ${doc.base.version})`),
    );
    for (const c of doc.changes) {
      const l = line(c, paint);
      if (l) out.push(l);
      if (c.op === 'unchanged') total.unchanged++;
      else if (c.op === 'remove') total.remove++;
      else if ((c.op === 'set' && c.previous !== undefined) || c.replacing) total.change++;
      else total.add++;
    }
    if (doc.summary.unchanged > 0) out.push(paint.dim(`  = ${doc.summary.unchanged} unchanged`));
    for (const u of doc.unmapped) {
      out.push(
        paint.yellow(
          `  ! unmapped: ${u.name} (${u.source.file}:${u.source.line}): map it in a rule or ignore it`,
        ),
      );
    }
    for (const p of doc.problems) {
      // Precedence warnings already name both places in their message.
      const where = p.file && !p.message.includes(p.file) ? ` (${p.file}${p.line ? `:${p.line}` : ''})` : '';
      out.push(
        (p.severity === 'error' ? paint.red : paint.yellow)(`  ! ${p.severity}: ${p.message}${where}`),
      );
    }
    if (!doc.validation.valid) {
      for (const e of doc.validation.errors)
        out.push(paint.red(`  ! ${doc.validation.schema}: ${e.path} ${e.message}`));
    }
    if (file) out.push(paint.dim(`  → ${file}`));
    out.push('');
  }
  const n = docs.length;
  out.push(
    `Plan: ${total.add} to add, ${total.change} to change, ${total.remove} to remove, ${total.unchanged} unchanged ` +
      `(${n} service${n === 1 ? '' : 's'}).`,
  );
  return `${out.join('\n')}\n`;
}
