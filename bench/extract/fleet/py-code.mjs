/** Generated Python source files: realistic shape, mostly free of configuration. */
import { HEX } from './random.mjs';
import {
  NOUNS,
  VERBS,
  ADJS,
  CLASS_SUFFIX,
  STATUSES,
  PROPS,
  pascal,
  snake,
  plural,
  sentence,
  docUrl,
  SETTINGS,
  SECRETS,
  LOOKALIKES,
} from './words.mjs';

// -------------------------------------------------------------------------------------------
// Source code: Python
// -------------------------------------------------------------------------------------------

export function pyStatements(r, ind, locals, depth, n) {
  const out = [];
  for (let i = 0; i < n; i++) {
    if (r.chance(0.12)) out.push(`${ind}# ${sentence(r)}`);
    const v = snake(r.pick(ADJS), r.pick(NOUNS));
    const any = locals.length ? r.pick(locals) : 'None';
    const k = r.int(0, depth < 2 ? 10 : 6);
    switch (k) {
      case 0:
      case 1:
        out.push(
          `${ind}${v} = self._${r.pick(NOUNS)}_${r.pick(['repo', 'client', 'store'])}.${snake(r.pick(VERBS), r.pick(NOUNS))}(${any})`,
        );
        locals.push(v);
        break;
      case 2:
        out.push(
          `${ind}logger.${r.pick(['debug', 'info', 'info', 'warning', 'error'])}("${r.pick(VERBS)} ${r.pick(NOUNS)} %s: %s", ${any}, "${r.pick(STATUSES)}")`,
        );
        break;
      case 3:
        out.push(`${ind}${v} = f"${r.pick(NOUNS)}:{${any}}:${r.pick(NOUNS)}"`);
        locals.push(v);
        break;
      case 4:
        out.push(
          `${ind}${v} = [x for x in ${any === 'None' ? 'self._items' : any} if x.${snake(r.pick(PROPS))} == "${r.pick(STATUSES)}"]`,
        );
        locals.push(v);
        break;
      case 5: {
        const cols = r
          .sample(PROPS, r.int(2, 6))
          .map((p) => snake(p))
          .join(', ');
        out.push(`${ind}${v} = self._db.execute(`);
        out.push(
          `${ind}    "SELECT ${cols} FROM ${plural(r.pick(NOUNS))} WHERE ${snake(r.pick(PROPS))} = %s LIMIT %s",`,
        );
        out.push(`${ind}    (${any}, ${r.pick([10, 50, 100])}),`);
        out.push(`${ind}).fetchall()`);
        locals.push(v);
        break;
      }
      case 6:
        out.push(`${ind}METRICS["${snake(r.pick(NOUNS), r.pick(VERBS))}_total"] += 1`);
        break;
      case 7:
        out.push(`${ind}if not ${any === 'None' ? 'self._ready' : any}:`);
        out.push(
          r.chance(0.5)
            ? `${ind}    raise ${pascal(r.pick(['notFound', 'validation', 'conflict']))}Error(f"${r.pick(NOUNS)} {${locals[0] ?? '0'}!r} is ${r.pick(STATUSES)}")`
            : `${ind}    return ${r.pick(['None', '[]', 'False', '{}'])}`,
        );
        break;
      case 8: {
        const item = r.pick(NOUNS);
        out.push(`${ind}for ${item} in ${any === 'None' ? 'self._items' : any}:`);
        out.push(...pyStatements(r, `${ind}    `, [...locals, item], depth + 1, r.int(1, 3)));
        break;
      }
      case 9:
        out.push(`${ind}try:`);
        out.push(...pyStatements(r, `${ind}    `, [...locals], depth + 1, r.int(1, 3)));
        out.push(`${ind}except ${r.pick(['KeyError', 'ValueError', 'TimeoutError', 'Exception'])} as exc:`);
        out.push(`${ind}    logger.exception("${r.pick(VERBS)} ${r.pick(NOUNS)} failed: %s", exc)`);
        out.push(`${ind}    ${r.chance(0.6) ? 'raise' : 'return None'}`);
        break;
      case 10:
        out.push(`${ind}with self._lock:`);
        out.push(...pyStatements(r, `${ind}    `, [...locals], depth + 1, r.int(1, 2)));
        break;
    }
  }
  return out;
}

export function pyDocstring(r, ind) {
  const lines = [`${ind}"""${sentence(r)}`];
  if (r.chance(0.5)) lines.push('', `${ind}${sentence(r)}`);
  if (r.chance(0.2)) lines.push('', `${ind}See ${docUrl(r)}.`);
  lines.push(`${ind}"""`);
  return lines.length === 2 ? [`${ind}"""${lines[0].trim().slice(3)}"""`] : lines;
}

export function pyParams(r, n) {
  const names = [...new Set(r.sample(NOUNS, n).map((x) => snake(x, r.pick(['id', 'ids', 'opts', 'name']))))];
  const types = ['str', 'int', 'float', 'bool', 'list[str]', 'dict[str, Any]', 'Optional[str]'];
  return { names, text: names.map((p) => `${p}: ${r.pick(types)}`).join(', ') };
}

export function pyReturn(r, ind, locals) {
  const any = locals.length ? r.pick(locals) : 'None';
  return r.pick([
    `${ind}return ${any}`,
    `${ind}return {"${r.pick(PROPS)}": ${any}, "status": "${r.pick(STATUSES)}"}`,
  ]);
}

export function pyFunction(r) {
  const name = snake(r.pick(VERBS), r.pick(NOUNS));
  const { names, text } = pyParams(r, r.int(0, 3));
  const out = ['', ''];
  out.push(
    `${r.chance(0.3) ? 'async ' : ''}def ${name}(${text}) -> ${r.pick(['dict[str, Any]', 'Optional[Any]', 'list[Any]', 'Any'])}:`,
  );
  if (r.chance(0.7)) out.push(...pyDocstring(r, '    '));
  out.push(
    ...pyStatements(r, '    ', [...names], 1, r.int(2, 6)).map((l) => l.replace(/self\./g, '_state.')),
  );
  out.push(pyReturn(r, '    ', names));
  return out;
}

export function pyClass(r) {
  const noun = r.pick(NOUNS);
  const name = pascal(noun, r.pick(CLASS_SUFFIX));
  const out = ['', ''];
  if (r.chance(0.25)) {
    out.push('@dataclass(frozen=True)', `class ${pascal(r.pick(ADJS), noun)}:`);
    out.push(...pyDocstring(r, '    '));
    out.push('');
    for (const p of r.sample(PROPS, r.int(3, 8)))
      out.push(
        `    ${snake(p)}: ${r.pick(['str', 'int', 'float', 'datetime', 'Optional[str]'])}${r.chance(0.3) ? ' = None' : ''}`,
      );
    return out.map((l) => l.replace(/(: (?:str|int|float|datetime)) = None/, ': Optional[Any] = None'));
  }
  out.push(`class ${name}${r.chance(0.2) ? `(Base${pascal(r.pick(CLASS_SUFFIX))})` : ''}:`);
  if (r.chance(0.8)) out.push(...pyDocstring(r, '    '));
  const deps = r.sample(NOUNS, r.int(1, 3)).map((n) => `${n}_${r.pick(['repo', 'client', 'store'])}`);
  out.push('', `    def __init__(self, ${deps.join(', ')}, db=None) -> None:`);
  for (const d of deps) out.push(`        self._${d} = ${d}`);
  out.push(
    '        self._db = db',
    '        self._items = []',
    '        self._ready = False',
    '        self._lock = threading.Lock()',
  );
  for (let m = r.int(2, 6); m > 0; m--) {
    const { names, text } = pyParams(r, r.int(0, 3));
    out.push(
      '',
      `    ${r.chance(0.3) ? 'async ' : ''}def ${r.chance(0.2) ? '_' : ''}${snake(r.pick(VERBS), r.pick(NOUNS))}(self${text ? `, ${text}` : ''}) -> Any:`,
    );
    if (r.chance(0.6)) out.push(...pyDocstring(r, '        '));
    out.push(...pyStatements(r, '        ', [...names], 0, r.int(2, 8)));
    out.push(pyReturn(r, '        ', names));
  }
  return out;
}

export function pyImports(r, needOs) {
  const out = ['from __future__ import annotations', ''];
  const std = ['import logging', 'import threading'];
  if (needOs) std.push('import os');
  if (r.chance(0.5)) std.push('import json');
  if (r.chance(0.3)) std.push('import time');
  std.push(
    'from dataclasses import dataclass',
    'from datetime import datetime',
    'from typing import Any, Optional',
  );
  out.push(...std.sort(), '');
  for (let i = r.int(1, 6); i > 0; i--) {
    const names = [...new Set(r.sample(NOUNS, r.int(1, 3)).map((x) => pascal(x, r.pick(CLASS_SUFFIX))))];
    out.push(
      `from app.${r.pick(['models', 'services', 'db', 'clients', 'lib'])}.${r.pick(NOUNS)} import ${names.join(', ')}`,
    );
  }
  out.push('', 'logger = logging.getLogger(__name__)', 'METRICS: dict[str, int] = {}', '_state = None');
  return out;
}

export function pyEnvRead(r, name, def) {
  return r.pick([
    `${name} = os.environ.get("${name}", "${def}")`,
    `${name} = os.getenv("${name}", "${def}")`,
    /^\d+$/.test(def)
      ? `${name} = int(os.environ.get("${name}", "${def}"))`
      : `${name} = os.environ.get("${name}", default="${def}")`,
  ]);
}

export function pyFile(r, target, features) {
  const out = [];
  if (r.chance(0.6)) out.push(...pyDocstring(r, ''));
  out.push(...pyImports(r, features.env));
  if (features.env) {
    out.push('');
    for (const [name, def] of r.sample(SETTINGS, r.int(1, 3))) out.push(pyEnvRead(r, name, def(r)));
  }
  if (features.lookalike) {
    const [name, make] = r.pick(LOOKALIKES);
    const v = make(r);
    out.push('', /^\d+$/.test(v) ? `${name} = ${v}` : `${name} = "${v}"`);
  }
  if (features.secret) {
    const [name, make] = r.pick(SECRETS);
    out.push(
      '',
      r.chance(0.5)
        ? `${name} = "${make(r)}"`
        : `${r.pick(NOUNS)}_client = Client(endpoint="https://api.example.com", ${name.toLowerCase()}="${make(r)}")`,
    );
  }
  let size = out.reduce((a, l) => a + l.length + 1, 0);
  let blocks = 0;
  while (size < target) {
    const block = r.chance(0.6) ? pyClass(r) : pyFunction(r);
    const len = block.reduce((a, l) => a + l.length + 1, 0);
    if (blocks > 0 && size + len - target > target - size) break;
    size += len;
    blocks++;
    out.push(...block);
  }
  return `${out.join('\n')}\n`;
}

export function pySettingsModule(r, svc, settings, secrets) {
  const out = [`"""Settings of ${svc}, read from the environment at import time."""`, '', 'import os', ''];
  out.push(`SERVICE_NAME = "${svc}"`);
  for (const [name, def] of settings) out.push(pyEnvRead(r, name, def(r)));
  out.push('');
  for (const [name] of secrets) out.push(`${name} = os.environ["${name}"]`);
  out.push('', 'DEBUG = os.environ.get("DEBUG", "false").lower() == "true"');
  return `${out.join('\n')}\n`;
}

export function pyTestFile(r, target) {
  const out = ['import pytest', ''];
  let size = 20;
  while (size < target) {
    const noun = r.pick(NOUNS);
    const block = ['', `def test_${snake(r.pick(VERBS), r.pick(ADJS), plural(noun))}():`];
    block.push(
      `    item = {"id": "${r.chars(HEX, 8)}", "status": "${r.pick(STATUSES)}", "amount": ${r.int(1, 9999)}}`,
    );
    block.push(`    result = ${snake(r.pick(VERBS), noun)}(item)`);
    block.push(`    assert result["status"] == "${r.pick(STATUSES)}"`, '');
    for (const l of block) size += l.length + 1;
    out.push(...block);
  }
  return `${out.join('\n')}\n`;
}
