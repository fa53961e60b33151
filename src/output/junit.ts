/**
 * JUnit XML for `cfgmig validate --format junit`: one test suite per service (and one for the
 * project), one test case per check; a check with problems fails with each problem's file, line
 * and message; a skipped check is skipped; pending plans fail too (a CI job shows them red).
 */
import { CHECKS, type ValidateReport } from '../core/validate/model.js';

/** Characters XML 1.0 cannot hold at all (controls but tab, LF, CR; U+FFFE, U+FFFF). */
function xmlChar(ch: string): string {
  const code = ch.charCodeAt(0);
  const bad =
    (code < 0x20 && code !== 0x09 && code !== 0x0a && code !== 0x0d) || code === 0xfffe || code === 0xffff;
  return bad ? '?' : ch;
}

export function xmlEscape(s: string): string {
  return Array.from(s, xmlChar)
    .join('')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');
}

export function junitXml(r: ValidateReport): string {
  const suites: string[] = [];
  let tests = 0;
  let failures = 0;
  let skipped = 0;
  for (const service of [null, ...r.services]) {
    const checks = r.checks.filter((x) => x.service === service);
    if (checks.length === 0) continue;
    const name = service ?? 'project';
    const cases: string[] = [];
    let f = 0;
    let s = 0;
    for (const x of checks) {
      const problems = r.problems.filter(
        (p) => p.check === x.check && (p.service ?? null) === service && p.severity !== 'warning',
      );
      const head = `    <testcase classname="cfgmig.validate.${xmlEscape(name)}" name="${xmlEscape(`${x.check}: ${CHECKS[x.check]}`)}" time="0"`;
      if (x.status === 'skipped') {
        s++;
        cases.push(`${head}>\n      <skipped message="${xmlEscape(x.note ?? 'skipped')}"/>\n    </testcase>`);
      } else if (problems.length > 0) {
        f++;
        const text = problems
          .map(
            (p) => `${p.severity}: ${p.file ? `${p.file}${p.line ? `:${p.line}` : ''}: ` : ''}${p.message}`,
          )
          .join('\n');
        const first = problems[0]!;
        const msg = `${problems.length} problem${problems.length === 1 ? '' : 's'}; first: ${first.file ? `${first.file}${first.line ? `:${first.line}` : ''}: ` : ''}${first.message}`;
        cases.push(
          `${head}>\n      <failure type="${xmlEscape(first.rule)}" message="${xmlEscape(msg)}">${xmlEscape(text)}</failure>\n    </testcase>`,
        );
      } else cases.push(`${head}/>`);
    }
    tests += checks.length;
    failures += f;
    skipped += s;
    suites.push(
      `  <testsuite name="cfgmig validate: ${xmlEscape(name)}" tests="${checks.length}" failures="${f}" errors="0" skipped="${s}" time="0">\n${cases.join('\n')}\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="cfgmig validate" tests="${tests}" failures="${failures}" errors="0" skipped="${skipped}" time="0">\n${suites.join('\n')}\n</testsuites>\n`;
}
