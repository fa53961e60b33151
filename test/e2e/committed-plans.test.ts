/**
 * The repository is an example project (cfgmig.yaml at the root, the fleet in
 * fixtures/platform) and commits its plans in plans/. They must stay what `cfgmig plan --all`
 * makes from the sources and rules as they are: when this fails, run `npx cfgmig plan --all`
 * from the repository root (against an empty store) and commit the result.
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { makePlans } from '../../src/api/plan.js';
import { planFileName, planText } from '../../src/adapters/plan-file.js';
import { REPO } from '../support/cli.js';
import { useStores } from '../support/stores.js';

describe('the committed plans in plans/', () => {
  const fresh = useStores('embedded');

  it('are exactly what planning the example project against an empty store makes', async () => {
    const store = await fresh({ migrated: true });
    // An empty environment: nothing from the developer's shell reaches compose interpolation.
    const set = await store.use((db) => makePlans({ project: REPO, services: [], env: {} }, db));
    const committed = (await readdir(join(REPO, 'plans'))).filter((f) => f.endsWith('.plan.yaml')).sort();
    expect(committed).toEqual(set.plans.map((p) => planFileName(p.doc.service, p.doc.environment)).sort());
    for (const { doc } of set.plans) {
      const file = join('plans', planFileName(doc.service, doc.environment));
      const text = await readFile(join(REPO, file), 'utf8');
      expect(
        text === planText(doc),
        `${file} is stale: run \`npx cfgmig plan --all\` and commit plans/`,
      ).toBe(true);
    }
    expect(set.plans).toHaveLength(11);
  });
});
