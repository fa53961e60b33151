/** `cfgmig extract`: options → extract() → a view. Exit 2 when any file had an error. */
import { extract, writeInventoryFiles } from '../api/extract.js';
import { ExitCode } from '../errors.js';
import { inventoryHuman, inventoryJson, problemsHuman } from '../output/inventory-view.js';
import { painter, type Io } from '../output/terminal.js';

export interface ExtractOptions {
  project: string;
  service?: string[];
  json?: boolean;
  out?: boolean;
}

export async function run(opts: ExtractOptions, io: Io): Promise<number> {
  const result = await extract({
    project: opts.project,
    services: opts.service ?? [],
    env: io.env,
  });
  const { root, inventory } = result;
  const c = painter(io.stdout, io.env);
  io.stdout.write(opts.json ? inventoryJson(inventory) : inventoryHuman(inventory, c));
  if (!opts.json) io.stderr.write(problemsHuman(inventory.problems, painter(io.stderr, io.env)));
  if (opts.out) {
    const written = await writeInventoryFiles(result);
    io.stderr.write(`wrote ${written.length} inventory file(s) under ${root}/.cfgmig/inventory/\n`);
  }
  return inventory.problems.some((p) => p.severity === 'error') ? ExitCode.badInput : ExitCode.ok;
}
