/** `extract` as a function: project → inventory. The command and scripts both call this. */
import { dirname, resolve } from 'node:path';
import { extractProject } from '../adapters/extract-project.js';
import { writeFileAtomic } from '../adapters/files.js';
import { loadMasterKey } from '../adapters/master-key.js';
import { loadProject } from '../config/load.js';
import { fingerprinter } from '../core/crypto/fingerprint.js';
import { buildInventory } from '../core/extract/inventory.js';
import type { Inventory } from '../core/extract/types.js';

export interface ExtractRequest {
  project: string;
  services?: string[];
  env?: Record<string, string | undefined>;
}

export interface ExtractResult {
  root: string;
  inventory: Inventory;
  /** Per service, every file it was extracted from (its problems are the problems of these). */
  files: Record<string, string[]>;
}

export async function extract(req: ExtractRequest): Promise<ExtractResult> {
  const env = req.env ?? process.env;
  const project = await loadProject(req.project, env);
  const masterKey = await loadMasterKey(project.root, env, project.masterKey);
  const result = await extractProject(project, { services: req.services ?? [], env });
  return {
    root: project.root,
    inventory: buildInventory(result.services, result.problems, fingerprinter(masterKey)),
    files: Object.fromEntries(result.services.map((s) => [s.service, s.files])),
  };
}

export const INVENTORY_DIR = '.cfgmig/inventory';

/** One file per service, `.cfgmig/inventory/<service>.json`, in the inventory format. */
export async function writeInventoryFiles({ root, inventory, files }: ExtractResult): Promise<string[]> {
  const dir = resolve(root, INVENTORY_DIR);
  const written: string[] = [];
  for (const svc of inventory.services) {
    const own = new Set(files[svc.service] ?? []);
    const doc = {
      formatVersion: inventory.formatVersion,
      services: [svc],
      problems: inventory.problems.filter((p) => own.has(p.file)),
    };
    const path = resolve(dir, `${svc.service}.json`);
    // Service ids are validated where they are read; this is the last line of defence for a path.
    if (dirname(path) !== dir)
      throw new Error(`service id ${JSON.stringify(svc.service)} is not a file name`);
    await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
    written.push(`${INVENTORY_DIR}/${svc.service}.json`);
  }
  return written;
}
