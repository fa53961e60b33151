/**
 * Which environment variables a source file reads, by name and line: enough to tell a variable
 * nobody reads from one that is read but defined nowhere. Patterns, not a parser: a read built
 * from a computed name (`process.env[name]`) cannot be known and is not reported.
 *
 * TS/JS: `process.env.X`, `process.env['X']`, `process.env?.X`, `const { X, Y: y } = process.env`,
 * and an alias of process.env (`const env = process.env; env.X`); `import.meta.env.X`,
 * `Deno.env.get('X')`, `Bun.env.X`.
 * Python: `os.environ['X']`, `os.environ.get('X')`, `os.getenv('X')`, `environ[...]`, `getenv(...)`.
 */
import { lineLocator } from '../text/lines.js';

export interface EnvRead {
  name: string;
  line: number;
}

const NAME = '[A-Za-z_][A-Za-z0-9_]*';
const QUOTED = `['"\`](${NAME})['"\`]`;

const JS_PATTERNS = [
  new RegExp(`\\b(?:process\\.env|import\\.meta\\.env|Bun\\.env)\\??\\.(${NAME})`, 'g'),
  new RegExp(`\\b(?:process\\.env|import\\.meta\\.env|Bun\\.env)\\??\\.?\\[\\s*${QUOTED}\\s*\\]`, 'g'),
  new RegExp(`\\bDeno\\.env\\.get\\(\\s*${QUOTED}`, 'g'),
];
const PY_PATTERNS = [
  new RegExp(`\\benviron\\s*\\[\\s*[rbuf]?${QUOTED}\\s*\\]`, 'g'),
  new RegExp(`\\benviron\\.(?:get|pop|setdefault)\\(\\s*[rbuf]?${QUOTED}`, 'g'),
  new RegExp(`\\bgetenv\\(\\s*[rbuf]?${QUOTED}`, 'g'),
];

/** `const { A, B: b, C = 'x', ...rest } = process.env` */
const DESTRUCTURE = /\{([^{}]*)\}\s*=\s*process\.env\b(?!\s*[.[?])/g;
/** `const env = process.env` (not `process.env.X`) */
const ALIAS = new RegExp(`\\b(?:const|let|var)\\s+(${NAME})\\s*=\\s*process\\.env\\b(?!\\s*[.[?])`, 'g');

function isPython(file: string): boolean {
  return file.endsWith('.py');
}

export function scanEnvReads(file: string, text: string): EnvRead[] {
  const lineOf = lineLocator(text);
  const reads: EnvRead[] = [];
  const add = (name: string, offset: number) => reads.push({ name, line: lineOf(offset) });
  for (const re of isPython(file) ? PY_PATTERNS : JS_PATTERNS)
    for (const m of text.matchAll(re)) add(m[1]!, m.index);
  if (!isPython(file)) {
    for (const m of text.matchAll(DESTRUCTURE)) {
      for (const part of m[1]!.split(',')) {
        const name = /^\s*(?:\.\.\.)?\s*([A-Za-z_][A-Za-z0-9_]*)/.exec(part)?.[1];
        if (name && !part.trim().startsWith('...')) add(name, m.index);
      }
    }
    for (const m of text.matchAll(ALIAS)) {
      const alias = m[1]!;
      const uses = new RegExp(
        `(?<![\\w.$])${alias}\\??\\.(${NAME})|(?<![\\w.$])${alias}\\[\\s*${QUOTED}\\s*\\]`,
        'g',
      );
      for (const u of text.slice(m.index).matchAll(uses)) add((u[1] ?? u[2])!, m.index + u.index);
    }
  }
  const seen = new Set<string>();
  return reads
    .sort((a, b) => a.line - b.line || a.name.localeCompare(b.name))
    .filter((r) => {
      const k = `${r.name}:${r.line}`;
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
}
