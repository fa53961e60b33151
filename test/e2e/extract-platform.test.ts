/** The acceptance test: extract over the sample platform equals its hand-written ground truth. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cleanEnv, copyFixture, REPO, runCli } from '../support/cli.js';

interface Row {
  service: string;
  file: string;
  line: number;
  name: string;
  kind: string;
  classification: string;
}
interface Expected {
  services: { service: string; summary: Record<string, number>; entries: Omit<Row, 'service'>[] }[];
}
interface Actual {
  services: {
    service: string;
    summary: Record<string, number>;
    entries: { name: string; kind: string; classification: string; source: { file: string; line: number } }[];
  }[];
  problems: unknown[];
}

const key = (r: Row) => `${r.service} ${r.file}:${r.line} ${r.name} ${r.kind} ${r.classification}`;

let fixture: { dir: string; cleanup: () => Promise<void> };
let run: Awaited<ReturnType<typeof runCli>>;
const expected = JSON.parse(
  readFileSync(join(REPO, 'fixtures/platform/expected-inventory.json'), 'utf8'),
) as Expected;

beforeAll(async () => {
  fixture = await copyFixture('platform');
  run = await runCli(['extract', '--json', '--project', fixture.dir], { env: cleanEnv() });
});
afterAll(() => fixture.cleanup());

describe('cfgmig extract on fixtures/platform', () => {
  it('succeeds with no problems', () => {
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect((JSON.parse(run.stdout) as Actual).problems).toEqual([]);
  });

  it('matches expected-inventory.json entry for entry', () => {
    const actual = JSON.parse(run.stdout) as Actual;
    const got = actual.services.flatMap((s) =>
      s.entries.map((e) =>
        key({
          service: s.service,
          file: e.source.file,
          line: e.source.line,
          name: e.name,
          kind: e.kind,
          classification: e.classification,
        }),
      ),
    );
    const want = expected.services.flatMap((s) => s.entries.map((e) => key({ ...e, service: s.service })));
    const missing = want.filter((k) => !got.includes(k));
    const extra = got.filter((k) => !want.includes(k));
    expect({ missing, extra }).toEqual({ missing: [], extra: [] });
    expect(got.length).toBe(want.length);
  });

  it('has the services and per-service summary of the ground truth', () => {
    const actual = JSON.parse(run.stdout) as Actual;
    expect(actual.services.map((s) => s.service).sort()).toEqual(
      expected.services.map((s) => s.service).sort(),
    );
    for (const s of expected.services) {
      expect(actual.services.find((a) => a.service === s.service)?.summary, s.service).toEqual(s.summary);
    }
  });
});
