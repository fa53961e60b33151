/**
 * Plan files on disk: `plans/<service>.<environment>.plan.yaml`, written atomically (a reader
 * never sees half a plan), read back with the checksum verified, so a plan edited by hand —
 * or damaged — is refused rather than applied.
 */
import { basename, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { PLAN_FORMAT_VERSION, planChecksum, type PlanDoc } from '../core/plan/plan-doc.js';
import { badInput, CfgmigError } from '../errors.js';
import { readTextFile, writeFileAtomic } from './files.js';

export function planFileName(service: string, environment: string): string {
  return `${service}.${environment}.plan.yaml`;
}

const HEADER = `# cfgmig plan: review it, commit it, then \`cfgmig apply\` it.
# It holds settings' values, but credentials only as their source and fingerprint.
# Do not edit: the checksum covers everything in it; make a new plan with \`cfgmig plan\`.
`;

export function planText(doc: PlanDoc): string {
  // lineWidth 0: never fold long values, so a value reads (and diffs) as one line.
  return HEADER + stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false });
}

/** Writes the plan into `dir` (relative to root); returns the path relative to the root. */
export async function writePlanFile(root: string, dir: string, doc: PlanDoc): Promise<string> {
  const rel = join(dir, planFileName(doc.service, doc.environment));
  await writeFileAtomic(resolve(root, rel), planText(doc));
  return rel;
}

function isPlanShape(v: unknown): v is PlanDoc {
  const d = v as Partial<PlanDoc> | null;
  return (
    d !== null &&
    typeof d === 'object' &&
    typeof d.service === 'string' &&
    typeof d.environment === 'string' &&
    typeof d.checksum === 'string' &&
    Array.isArray(d.changes) &&
    typeof d.base?.version === 'number'
  );
}

/** Reads and verifies a plan file: exit 2 when it is not a plan, exit 3 when its checksum fails. */
export async function readPlanFile(path: string, shown = basename(path)): Promise<PlanDoc> {
  const read = await readTextFile(path);
  if (!read.ok) throw badInput(`${shown}: ${read.message}`, { file: shown });
  let doc: unknown;
  try {
    doc = parse(read.text, { maxAliasCount: 0 });
  } catch (err) {
    const line = (err as { linePos?: { line: number }[] }).linePos?.[0]?.line;
    throw badInput(`${shown}: not valid YAML`, { file: shown, ...(line ? { line } : {}) });
  }
  if (!isPlanShape(doc)) {
    throw badInput(`${shown} is not a cfgmig plan`, { file: shown, hint: 'Make one with `cfgmig plan`.' });
  }
  if (doc.formatVersion !== PLAN_FORMAT_VERSION) {
    throw badInput(
      `${shown}: plan format ${String(doc.formatVersion)} is not one this cfgmig reads (${PLAN_FORMAT_VERSION})`,
      {
        file: shown,
        hint: 'Make the plan again with this cfgmig.',
      },
    );
  }
  if (planChecksum(doc) !== doc.checksum) {
    throw new CfgmigError(
      'conflict',
      `${shown}: checksum does not verify: the plan was changed after it was made`,
      {
        file: shown,
        hint: 'Plans must not be edited. Make a new one with `cfgmig plan`, review it, and apply that.',
      },
    );
  }
  return doc;
}
