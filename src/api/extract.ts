/** `extract` as a function: project → inventory. The command and scripts both call this. */
import { resolve } from 'node:path';
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

export async function extract(req: ExtractRequest): Promise<{ root: string; inventory: Inventory }> {
  const env = req.env ?? process.env;
  const project = await loadProject(req.project, env);
  const masterKey = await loadMasterKey(project.root, env);
  const result = await extractProject(project, { services: req.services ?? [], env });
  return {
    root: project.root,
    inventory: buildInventory(result.services, result.problems, fingerprinter(masterKey)),
  };
}

export const INVENTORY_DIR = '.cfgmig/inventory';

/** One file per service, `.cfgmig/inventory/<service>.json`, in the inventory format. */
export async function writeInventoryFiles(root: string, inventory: Inventory): Promise<string[]> {
  const written: string[] = [];
  for (const svc of inventory.services) {
    const files = new Set(svc.entries.map((e) => e.source.file));
    const doc = {
      formatVersion: inventory.formatVersion,
      services: [svc],
      problems: inventory.problems.filter((p) => files.has(p.file)),
    };
    const path = resolve(root, INVENTORY_DIR, `${svc.service}.json`);
    await writeFileAtomic(path, `${JSON.stringify(doc, null, 2)}\n`);
    written.push(`${INVENTORY_DIR}/${svc.service}.json`);
  }
  return written;
}
