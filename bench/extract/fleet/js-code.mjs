/** Generated TypeScript and JavaScript source files: realistic shape, mostly free of configuration. */
import { HEX } from './random.mjs';
import {
  NOUNS,
  VERBS,
  ADJS,
  CLASS_SUFFIX,
  STATUSES,
  PROPS,
  LOG_LEVELS,
  cap,
  camel,
  pascal,
  snake,
  kebab,
  third,
  plural,
  sentence,
  docUrl,
  SETTINGS,
  SECRETS,
  LOOKALIKES,
} from './words.mjs';

// -------------------------------------------------------------------------------------------
// Source code: TypeScript / JavaScript
// -------------------------------------------------------------------------------------------

/** State for one generated file: the identifiers it can refer to, and how big it should get. */
export function fileCtx(r, svc, lang) {
  return {
    r,
    svc,
    lang,
    ts: lang === 'ts',
    names: new Set(['logger', 'defaultLogger', 'metrics', 'router', 'Router', 'config']),
    classes: [],
    inAsync: false,
  };
}

/** A module-level name not used yet in this file (a second declaration would not parse). */
export function fresh(set, name) {
  let n = name;
  for (let i = 2; set.has(n); i++) n = `${name}${i}`;
  set.add(n);
  return n;
}

export function jsType(c) {
  const r = c.r;
  return r.pick([
    'string',
    'number',
    'boolean',
    'Date',
    `${pascal(r.pick(NOUNS))}[]`,
    `${pascal(r.pick(NOUNS))} | null`,
    'Record<string, unknown>',
  ]);
}

export function jsExprCall(c, locals) {
  const r = c.r;
  const arg = locals.length ? r.pick(locals) : `'${r.pick(NOUNS)}'`;
  return r.pick([
    `${c.inAsync ? 'await ' : ''}this.${camel(r.pick(NOUNS), r.pick(['repo', 'client', 'store', 'cache']))}.${camel(r.pick(VERBS), r.pick(NOUNS))}(${arg})`,
    `${camel(r.pick(VERBS), pascal(r.pick(NOUNS)))}(${arg}, { ${r.pick(PROPS)}: ${r.int(1, 500)} })`,
    `${c.inAsync ? 'await ' : ''}${camel(r.pick(VERBS), pascal(r.pick(NOUNS)))}(${arg})`,
    `${arg}.${r.pick(['filter', 'map', 'find', 'some'])}((x) => x.${r.pick(PROPS)} ${r.pick(['===', '!=='])} '${r.pick(STATUSES)}')`,
    `Object.fromEntries(Object.entries(${arg}).filter(([, v]) => v !== undefined))`,
    `new ${pascal(r.pick(NOUNS), r.pick(CLASS_SUFFIX))}(${arg})`,
  ]);
}

export function jsStatements(c, ind, locals, depth, n) {
  const r = c.r;
  const out = [];
  for (let i = 0; i < n; i++) {
    if (r.chance(0.12)) out.push(`${ind}// ${sentence(r)}`);
    let v = camel(r.pick(ADJS), pascal(r.pick(NOUNS)));
    for (let j = 2; locals.includes(v); j++) v = `${v.replace(/\d+$/, '')}${j}`;
    const any = locals.length ? r.pick(locals) : 'undefined';
    const aw = c.inAsync ? 'await ' : '';
    const k = r.int(0, depth < 2 ? 11 : 7);
    switch (k) {
      case 0:
      case 1:
        out.push(`${ind}const ${v} = ${jsExprCall(c, locals)};`);
        locals.push(v);
        break;
      case 2:
        out.push(
          `${ind}logger.${r.pick(LOG_LEVELS)}({ ${r.pick(PROPS)}: ${any}, service: '${c.svc}' }, '${r.pick(VERBS)} ${r.pick(NOUNS)} ${r.pick(['done', 'skipped', 'failed', 'started', 'retrying'])}');`,
        );
        break;
      case 3:
        out.push(`${ind}const ${v} = \`${r.pick(NOUNS)}:\${${any}}:${r.pick(NOUNS)}\`;`);
        locals.push(v);
        break;
      case 4:
        out.push(
          `${ind}metrics.${camel(r.pick(NOUNS), r.pick(VERBS))}Total.inc({ status: '${r.pick(STATUSES)}' });`,
        );
        break;
      case 5: {
        const cols = r
          .sample(PROPS, r.int(2, 6))
          .map((p) => snake(p))
          .join(', ');
        out.push(`${ind}const ${v} = ${aw}this.db.query${c.ts ? `<${pascal(r.pick(NOUNS))}Row>` : ''}(`);
        out.push(
          `${ind}  'SELECT ${cols} FROM ${plural(r.pick(NOUNS))} WHERE ${snake(r.pick(PROPS))} = $1 ORDER BY created_at DESC LIMIT $2',`,
        );
        out.push(`${ind}  [${any}, ${r.pick([10, 50, 100, 500])}],`);
        out.push(`${ind});`);
        locals.push(v);
        break;
      }
      case 6:
        out.push(
          `${ind}${any === 'undefined' ? 'this.state' : any}.${r.pick(PROPS)} = ${r.pick([`'${r.pick(STATUSES)}'`, String(r.int(0, 1000)), 'new Date()', 'null'])};`,
        );
        break;
      case 7:
        out.push(
          `${ind}${aw}this.events.emit('${r.pick(NOUNS)}.${r.pick(['created', 'updated', 'deleted', 'settled', 'expired'])}', { ${r.pick(PROPS)}: ${any} });`,
        );
        break;
      case 8:
        out.push(`${ind}if (!${any === 'undefined' ? 'this.ready' : any}) {`);
        out.push(
          r.chance(0.5)
            ? `${ind}  throw new ${pascal(r.pick(['notFound', 'validation', 'conflict', 'upstream']))}Error(\`${r.pick(NOUNS)} \${${locals[0] ?? "'?'"}} is ${r.pick(STATUSES)}\`);`
            : `${ind}  return ${r.pick(['null', 'undefined', '[]', 'false'])};`,
        );
        out.push(`${ind}}`);
        break;
      case 9: {
        const item = camel(r.pick(NOUNS));
        out.push(`${ind}for (const ${item} of ${any === 'undefined' ? 'this.items' : any}) {`);
        out.push(...jsStatements(c, `${ind}  `, [...locals, item], depth + 1, r.int(1, 3)));
        out.push(`${ind}}`);
        break;
      }
      case 10:
        out.push(`${ind}try {`);
        out.push(...jsStatements(c, `${ind}  `, [...locals], depth + 1, r.int(1, 3)));
        out.push(`${ind}} catch (err) {`);
        out.push(`${ind}  logger.error({ err }, '${r.pick(VERBS)} ${r.pick(NOUNS)} failed');`);
        out.push(
          `${ind}  ${r.chance(0.6) ? 'throw err;' : `metrics.errorsTotal.inc({ op: '${r.pick(VERBS)}' });`}`,
        );
        out.push(`${ind}}`);
        break;
      case 11: {
        // All cases share one scope: declarations must not repeat across them.
        const shared = [...locals];
        out.push(`${ind}switch (${any === 'undefined' ? 'this.mode' : any}.status) {`);
        for (const s of r.sample(STATUSES, r.int(2, 4))) {
          out.push(`${ind}  case '${s}':`);
          out.push(...jsStatements(c, `${ind}    `, shared, depth + 2, 1));
          out.push(`${ind}    break;`);
        }
        out.push(`${ind}  default:`);
        out.push(`${ind}    logger.warn('unexpected status');`);
        out.push(`${ind}}`);
        break;
      }
    }
  }
  return out;
}

export function jsReturn(c, ind, locals) {
  const r = c.r;
  const any = locals.length ? r.pick(locals) : 'null';
  return r.pick([
    `${ind}return ${any};`,
    `${ind}return { ${r
      .sample(PROPS, 3)
      .map((p) => `${p}: ${r.chance(0.5) ? any : `'${r.pick(STATUSES)}'`}`)
      .join(', ')} };`,
    `${ind}return ${any} ?? ${r.pick(['null', '[]', '0', "''"])};`,
  ]);
}

export function jsDoc(c, ind, params) {
  const r = c.r;
  const out = [`${ind}/**`, `${ind} * ${sentence(r)}`];
  if (r.chance(0.4)) out.push(`${ind} *`, `${ind} * ${sentence(r)}`);
  if (r.chance(0.2)) out.push(`${ind} * @see ${docUrl(r)}`);
  for (const p of params)
    if (r.chance(0.5))
      out.push(
        `${ind} * @param ${p} ${r.pick(['the', 'a', 'which'])} ${r.pick(NOUNS)} ${r.pick(['to use', 'to look up', 'from the request', 'id'])}`,
      );
  out.push(`${ind} */`);
  return out;
}

export function jsParams(c, n) {
  const r = c.r;
  const names = r.sample(NOUNS, n).map((x) => camel(x, r.pick(['Id', '', 'List', 'Opts'])));
  return { names, text: names.map((p) => (c.ts ? `${p}: ${jsType(c)}` : p)).join(', ') };
}

export function jsFunction(c) {
  const r = c.r;
  const name = fresh(
    c.names,
    camel(r.pick(VERBS), pascal(r.pick(NOUNS)), r.chance(0.3) ? pascal(r.pick(NOUNS)) : ''),
  );
  const { names, text } = jsParams(c, r.int(0, 3));
  const isAsync = r.chance(0.6);
  c.inAsync = isAsync;
  const ret = c.ts ? `: ${isAsync ? `Promise<${jsType(c)}>` : jsType(c)}` : '';
  const out = [''];
  if (r.chance(0.7)) out.push(...jsDoc(c, '', names));
  const exp = c.lang === 'cjs' ? '' : r.chance(0.7) ? 'export ' : '';
  out.push(`${exp}${isAsync ? 'async ' : ''}function ${name}(${text})${ret} {`);
  out.push(...jsStatements(c, '  ', [...names], 0, r.int(2, 7)));
  out.push(jsReturn(c, '  ', names));
  out.push('}');
  if (c.lang === 'cjs') c.classes.push(name);
  return out;
}

export function jsClass(c) {
  const r = c.r;
  const noun = r.pick(NOUNS);
  const name = fresh(c.names, pascal(noun, r.pick(CLASS_SUFFIX)));
  const deps = r
    .sample(NOUNS, r.int(1, 3))
    .map((n) => [
      camel(n, r.pick(['repo', 'client', 'store', 'cache', 'events'])),
      pascal(n, r.pick(CLASS_SUFFIX)),
    ]);
  const out = [''];
  if (r.chance(0.8)) out.push(...jsDoc(c, '', []));
  const exp = c.lang === 'cjs' ? '' : 'export ';
  out.push(`${exp}class ${name}${r.chance(0.15) ? ` extends Base${pascal(r.pick(CLASS_SUFFIX))}` : ''} {`);
  if (c.ts) {
    out.push(
      `  private readonly ${camel(r.pick(ADJS), pascal(plural(noun)))} = new Map<string, ${pascal(noun)}>();`,
    );
    if (r.chance(0.4)) out.push(`  private ${camel('last', pascal(r.pick(VERBS)))}At: Date | null = null;`);
    out.push('');
    out.push('  constructor(');
    for (const [f, t] of deps) out.push(`    private readonly ${f}: ${t},`);
    out.push(`    private readonly logger: Logger = defaultLogger,`);
    out.push('  ) {}');
  } else {
    out.push(`  constructor(${deps.map(([f]) => f).join(', ')}, logger = defaultLogger) {`);
    for (const [f] of deps) out.push(`    this.${f} = ${f};`);
    out.push('    this.logger = logger;');
    out.push(`    this.${camel(r.pick(ADJS), pascal(plural(noun)))} = new Map();`);
    out.push('  }');
  }
  const methods = r.int(2, 6);
  const methodNames = new Set(['constructor']);
  for (let m = 0; m < methods; m++) {
    const mname = fresh(methodNames, camel(r.pick(VERBS), pascal(r.pick(NOUNS))));
    const { names, text } = jsParams(c, r.int(0, 3));
    const isAsync = r.chance(0.7);
    c.inAsync = isAsync;
    const ret = c.ts ? `: ${isAsync ? `Promise<${jsType(c)}>` : jsType(c)}` : '';
    out.push('');
    if (r.chance(0.6)) out.push(...jsDoc(c, '  ', names));
    const vis = c.ts && r.chance(0.3) ? 'private ' : '';
    out.push(`  ${vis}${isAsync ? 'async ' : ''}${mname}(${text})${ret} {`);
    out.push(...jsStatements(c, '    ', [...names], 0, r.int(2, 8)));
    out.push(jsReturn(c, '    ', names));
    out.push('  }');
  }
  out.push('}');
  if (c.lang === 'cjs') c.classes.push(name);
  return out;
}

export function tsInterface(c) {
  const r = c.r;
  const name = fresh(
    c.names,
    pascal(
      r.pick(ADJS),
      r.pick(NOUNS),
      r.pick(['', 'Snapshot', 'Options', 'Row', 'Payload', 'Event', 'Result']),
    ),
  );
  const out = ['', ...(r.chance(0.5) ? [`/** ${sentence(r)} */`] : []), `export interface ${name} {`];
  for (const p of r.sample(PROPS, r.int(3, 9))) {
    if (r.chance(0.2)) out.push(`  /** ${sentence(r)} */`);
    out.push(
      `  ${p}${r.chance(0.25) ? '?' : ''}: ${
        p === 'status'
          ? STATUSES.slice(0, 3)
              .map((s) => `'${s}'`)
              .join(' | ')
          : jsType(c)
      };`,
    );
  }
  out.push('}');
  return out;
}

export function tsTypeOrEnum(c) {
  const r = c.r;
  if (r.chance(0.5)) {
    const name = fresh(c.names, pascal(r.pick(NOUNS), r.pick(['Status', 'Kind', 'Side', 'Phase'])));
    return [
      '',
      `export type ${name} = ${r
        .sample(STATUSES, r.int(2, 5))
        .map((s) => `'${s}'`)
        .join(' | ')};`,
    ];
  }
  const name = fresh(c.names, pascal(r.pick(NOUNS), r.pick(['State', 'Mode', 'Level'])));
  return [
    '',
    `export enum ${name} {`,
    ...r.sample(STATUSES, r.int(3, 6)).map((s) => `  ${pascal(s)} = '${s.toUpperCase()}',`),
    '}',
  ];
}

export function jsConstMap(c) {
  const r = c.r;
  const name = fresh(
    c.names,
    snake(r.pick(NOUNS), r.pick(['labels', 'weights', 'limits', 'routes', 'codes'])).toUpperCase(),
  );
  const exp = c.lang === 'cjs' ? '' : 'export ';
  const out = ['', `${exp}const ${name}${c.ts ? ': Record<string, string | number>' : ''} = {`];
  for (const k of r.sample(NOUNS, r.int(3, 10))) {
    out.push(
      `  ${k}: ${r.chance(0.5) ? r.int(1, 10000) : `'${r.chance(0.5) ? `/api/v${r.int(1, 3)}/${plural(k)}` : cap(k)}'`},`,
    );
  }
  out.push(c.ts && r.chance(0.5) ? '} as const;' : '};');
  if (c.lang === 'cjs') c.classes.push(name);
  return out;
}

export function jsRoute(c) {
  const r = c.r;
  const noun = r.pick(NOUNS);
  const method = r.pick(['get', 'get', 'post', 'put', 'delete']);
  const path = `/api/v${r.int(1, 2)}/${plural(noun)}${method === 'post' ? '' : '/:id'}`;
  c.inAsync = true;
  const out = [
    '',
    `router.${method}('${path}', async (req${c.ts ? ': Request' : ''}, res${c.ts ? ': Response' : ''}) => {`,
  ];
  out.push(`  const id = req.params.id;`);
  out.push(...jsStatements(c, '  ', ['id', 'req.body'], 1, r.int(1, 4)));
  out.push(`  res.status(${method === 'post' ? 201 : 200}).json({ ${noun}: id });`);
  out.push('});');
  return out;
}

export function jsImports(c, dir) {
  const r = c.r;
  const lines = [];
  const external = [
    'express',
    'zod',
    'pino',
    'ioredis',
    'pg',
    'kafkajs',
    'date-fns',
    'lodash',
    'axios',
    'uuid',
    'prom-client',
  ];
  const n = r.int(2, 9);
  const rel = dir === 'src' ? './' : '../';
  for (let i = 0; i < n; i++) {
    const external1 = r.chance(0.35);
    const mod = external1
      ? r.pick(external)
      : `${rel}${r.pick(['lib', 'models', 'services', 'utils', 'db', 'clients'])}/${kebab(r.pick(NOUNS), r.pick(['service', 'model', 'client', 'utils', 'repository']))}`;
    const names = r
      .sample(NOUNS, r.int(1, 4))
      .map((x) => (r.chance(0.5) ? pascal(x, r.pick(CLASS_SUFFIX)) : camel(r.pick(VERBS), pascal(x))));
    const uniq = names.filter((x) => !c.names.has(x));
    if (uniq.length === 0) continue;
    for (const x of uniq) c.names.add(x);
    if (c.lang === 'cjs') lines.push(`const { ${uniq.join(', ')} } = require('${mod}');`);
    else
      lines.push(
        `import ${c.ts && r.chance(0.2) ? 'type ' : ''}{ ${uniq.join(', ')} } from '${mod}${!external1 && c.lang === 'mjs' ? '.js' : ''}';`,
      );
  }
  if (c.lang === 'cjs')
    lines.push(`const { logger: defaultLogger, metrics } = require('${rel}lib/observability');`);
  else
    lines.push(
      `import { logger as defaultLogger, metrics } from '${rel}lib/observability${c.lang === 'mjs' ? '.js' : ''}';`,
    );
  lines.push(c.lang === 'cjs' ? 'const logger = defaultLogger;' : 'const logger = defaultLogger;');
  return [...new Set(lines)];
}

/** `process.env.X || 'default'` in the shapes real code uses. */
export function jsEnvRead(c, name, def) {
  const r = c.r;
  const v = fresh(c.names, camel(...name.toLowerCase().split('_')));
  const decl = c.lang === 'cjs' ? 'const' : r.chance(0.5) ? 'export const' : 'const';
  return r.pick([
    `${decl} ${v} = process.env.${name} || '${def}';`,
    `${decl} ${v} = process.env.${name} ?? '${def}';`,
    `${decl} ${v} = Number(process.env.${name} || '${def}');`,
    `${decl} ${v} = parseInt(process.env.${name} ?? '${def}', 10);`,
  ]);
}

export function jsSecretLiteral(c) {
  const r = c.r;
  const [name, make] = r.pick(SECRETS);
  const v = camel(...name.toLowerCase().split('_'));
  const value = make(r);
  const k = r.int(0, 2);
  if (k === 0) return `const ${fresh(c.names, v)} = '${value}';`;
  if (k === 1)
    return `const ${fresh(c.names, camel(r.pick(NOUNS), 'client'))} = { endpoint: 'https://api.example.com', ${v}: '${value}' };`;
  return `const ${fresh(c.names, name)} = '${value}'; // TODO: move to the vault`;
}

export function jsLookalike(c) {
  const r = c.r;
  const [raw, make] = r.pick(LOOKALIKES);
  const name = fresh(c.names, raw);
  const value = make(r);
  return /^\d+$/.test(value) || value === 'true'
    ? `const ${name} = ${value};`
    : `const ${name} = '${value}';`;
}

/** One TS/JS source file of about `target` bytes. */
export function jsFile(r, svc, lang, dir, target, features) {
  const c = fileCtx(r, svc, lang);
  const out = [];
  if (r.chance(0.3)) out.push(`// Copyright ${r.int(2019, 2025)} Example Trading Ltd. All rights reserved.`);
  if (r.chance(0.5))
    out.push('/**', ` * ${sentence(r)}`, ...(r.chance(0.5) ? [' *', ` * ${sentence(r)}`] : []), ' */');
  out.push(...jsImports(c, dir));
  if (features.env) {
    out.push('');
    for (const [name, def] of r.sample(SETTINGS, r.int(1, 3))) out.push(jsEnvRead(c, name, def(r)));
  }
  if (features.lookalike) out.push('', jsLookalike(c));
  if (features.secret) out.push('', jsSecretLiteral(c));
  if (features.route)
    out.push(
      '',
      c.lang === 'cjs'
        ? "const router = require('express').Router();"
        : "import { Router } from 'express';\nconst router = Router();",
    );
  let size = out.reduce((a, l) => a + l.length + 1, 0);
  let blocks = 0;
  while (size < target) {
    const k = r.next();
    let block;
    if (features.route && k < 0.3) block = jsRoute(c);
    else if (c.ts && k < 0.42) block = tsInterface(c);
    else if (c.ts && k < 0.48) block = tsTypeOrEnum(c);
    else if (k < 0.55) block = jsConstMap(c);
    else if (k < 0.75) block = jsFunction(c);
    else block = jsClass(c);
    const len = block.reduce((a, l) => a + l.length + 1, 0);
    // Land near the target: drop a last block that would overshoot more than it fills.
    if (blocks > 0 && size + len - target > target - size) break;
    size += len;
    blocks++;
    out.push(...block);
  }
  if (features.route) out.push('', c.lang === 'cjs' ? 'module.exports = router;' : 'export default router;');
  else if (c.lang === 'cjs' && c.classes.length)
    out.push('', `module.exports = { ${[...new Set(c.classes)].join(', ')} };`);
  return `${out.join('\n')}\n`;
}

/** The service's central config module: most of its env reads live here, as in real code. */
export function jsConfigModule(r, svc, lang, settings, secrets) {
  const ts = lang === 'ts';
  const out = [`/** Runtime configuration of ${svc}, read once at start-up. */`];
  out.push(lang === 'cjs' ? "require('dotenv').config();" : "import 'dotenv/config';");
  out.push('');
  out.push(`${lang === 'cjs' ? 'const' : 'export const'} config = {`);
  out.push(`  service: '${svc}',`);
  for (const [name, def] of settings) {
    const key = camel(...name.toLowerCase().split('_'));
    const d = def(r);
    out.push(
      /^\d+$/.test(d)
        ? `  ${key}: Number(process.env.${name} ?? ${d}),`
        : `  ${key}: process.env.${name} || '${d}',`,
    );
  }
  out.push('  secrets: {');
  for (const [name] of secrets)
    out.push(`    ${camel(...name.toLowerCase().split('_'))}: process.env.${name},`);
  out.push('  },');
  out.push(ts ? '} as const;' : '};');
  if (ts) out.push('', 'export type Config = typeof config;');
  if (lang === 'cjs') out.push('', 'module.exports = { config };');
  return `${out.join('\n')}\n`;
}

export function jsTestFile(r, svc, lang, target) {
  const out = [
    lang === 'cjs'
      ? "const { describe, it, expect } = require('vitest');"
      : "import { describe, it, expect } from 'vitest';",
  ];
  let size = 60;
  while (size < target) {
    const noun = r.pick(NOUNS);
    const block = ['', `describe('${pascal(noun, r.pick(CLASS_SUFFIX))}', () => {`];
    for (let i = r.int(2, 5); i > 0; i--) {
      block.push(`  it('${third(r.pick(VERBS))} ${r.pick(ADJS)} ${plural(noun)}', async () => {`);
      block.push(
        `    const input = { id: '${r.chars(HEX, 8)}', status: '${r.pick(STATUSES)}', amount: ${r.int(1, 9999)} };`,
      );
      block.push(`    const result = await ${camel(r.pick(VERBS), pascal(noun))}(input);`);
      block.push(`    expect(result.status).toBe('${r.pick(STATUSES)}');`);
      block.push('  });');
    }
    block.push('});');
    for (const l of block) size += l.length + 1;
    out.push(...block);
  }
  return `${out.join('\n')}\n`;
}
