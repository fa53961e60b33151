/** Views of an inventory: the human tables and the JSON document. Values shown here are already safe. */
import type { ChalkInstance } from 'chalk';
import type { Inventory, InventoryEntry, Problem } from '../core/extract/types.js';
import { clip, printable, table } from './table.js';

export function inventoryJson(inventory: Inventory): string {
  return `${JSON.stringify(inventory, null, 2)}\n`;
}

function shownValue(e: InventoryEntry): string {
  if (e.classification === 'credential') return e.redacted ?? '';
  if (e.value === null || e.value === undefined) return '(no value)';
  return clip(e.value);
}

export function inventoryHuman(inventory: Inventory, c: ChalkInstance): string {
  let out = '';
  for (const svc of inventory.services) {
    const s = svc.summary;
    out += `${c.bold(printable(svc.service))}  ${c.dim(`${s.variables} variables, ${s.configFiles} config files, ${s.credentials} credentials`)}\n`;
    if (svc.entries.length === 0) {
      out += c.dim('  (no configuration found)\n\n');
      continue;
    }
    const rows = svc.entries.map((e) => [
      printable(e.name),
      e.kind,
      `${printable(e.source.file)}:${e.source.line}`,
      e.classification === 'credential'
        ? c.red(e.classification)
        : e.classification === 'setting'
          ? e.classification
          : c.yellow(e.classification),
      shownValue(e),
    ]);
    out += table(['NAME', 'KIND', 'SOURCE', 'CLASS', 'VALUE'], rows, '  ') + '\n';
  }
  out += c.bold('Summary') + '\n';
  out += table(
    ['SERVICE', 'VARIABLES', 'CONFIG FILES', 'CREDENTIALS'],
    inventory.services.map((s) => [
      s.service,
      String(s.summary.variables),
      String(s.summary.configFiles),
      String(s.summary.credentials),
    ]),
  );
  return out;
}

export function problemsHuman(problems: Problem[], c: ChalkInstance): string {
  return problems
    .map(
      (p) =>
        `${printable(p.file)}:${p.line}: ${p.severity === 'error' ? c.red('error') : c.yellow('warning')}: ${printable(p.message)}\n`,
    )
    .join('');
}
