/** What `cfgmig cleanup` prints: per service what changes and why, the diffs, then the reports. */
import type { CleanupResult } from '../api/cleanup.js';
import { printable } from './table.js';

export function cleanupText(r: CleanupResult): string {
  const out: string[] = [];
  for (const s of r.services) {
    const at = `${printable(s.service)}/${printable(r.environment)}`;
    if (!s.finalized) {
      out.push(`${at}: left alone: ${printable(s.keptBecause ?? 'not finalized')}`);
      continue;
    }
    const parts = [
      s.removed.length > 0 ? `removes ${s.removed.join(', ')}` : '',
      s.droppedEnvFiles.length > 0 ? `drops env_file ${s.droppedEnvFiles.join(', ')}` : '',
      s.added.length > 0 ? `adds ${s.added.join(', ')}` : '',
      s.dependsOn ? `depends_on ${s.dependsOn}` : '',
    ].filter(Boolean);
    out.push(`${at}: ${parts.length > 0 ? parts.map(printable).join('; ') : 'already clean'}`);
    for (const k of s.kept)
      out.push(`  kept ${printable(k.name ? `${k.name} (${k.file})` : k.file)}: ${printable(k.reason)}`);
  }
  const text = [`${out.join('\n')}\n`];
  for (const f of r.files) text.push(`\n${f.diff}`);
  if (r.files.length === 0) text.push('\nno compose file changes\n');
  else if (r.written) text.push(`\nwritten: ${r.files.map((f) => printable(f.file)).join(', ')}\n`);
  else text.push('\ndry run: nothing written; run again with --write to rewrite the files\n');
  const refs = (title: string, list: CleanupResult['unread']) =>
    list.length === 0
      ? ''
      : `\n${title}:\n${list.map((u) => `  ${printable(u.service)}: ${printable(u.name)} (${printable(u.file)}:${u.line})`).join('\n')}\n`;
  text.push(refs('defined but never read by the service source', r.unread));
  text.push(refs('read by the service source but defined nowhere', r.undefinedReads));
  const unscanned = r.services.filter((s) => s.sourcesScanned === 0).map((s) => printable(s.service));
  if (unscanned.length > 0)
    text.push(`\nno source files configured for ${unscanned.join(', ')}: unread variables not checked\n`);
  return text.join('');
}
