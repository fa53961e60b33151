/** Plain aligned columns: readable in a terminal, in CI logs and when piped, with no box drawing. */
// eslint-disable-next-line no-control-regex -- matching terminal escapes is the point
const ANSI = /\x1b\[[0-9;]*m/g;
const width = (s: string): number => [...s.replace(ANSI, '')].length;

export function table(header: string[], rows: string[][], indent = ''): string {
  const widths = header.map((h, i) => Math.max(width(h), ...rows.map((r) => width(r[i] ?? ''))));
  const line = (cells: string[]) =>
    indent +
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i]! - width(c))))
      .join('  ')
      .trimEnd();
  return [line(header), ...rows.map(line)].join('\n') + '\n';
}

/**
 * Text from the repository made safe for a terminal: one line, control characters (and so any
 * escape sequence a hostile file name or key could carry) made visible.
 */
export function printable(value: string): string {
  // eslint-disable-next-line no-control-regex -- control characters are what we neutralise
  return value.replace(/\r?\n/g, '\\n').replace(/[\x00-\x1f\x7f-\x9f]/g, '?');
}

/** One line, at most `max` characters. */
export function clip(value: string, max = 48): string {
  const chars = [...printable(value)];
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : chars.join('');
}
