/** Plants values (marker secrets, edits) into a copied fixture's `.env` files. */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/** Replaces `NAME=value` in every .env file under root; returns how many lines it changed. */
export async function replaceValues(root: string, name: string, value: string): Promise<number> {
  let n = 0;
  const walk = async (dir: string): Promise<void> => {
    for (const e of await readdir(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'node_modules' && e.name !== '.cfgmig') await walk(p);
      } else if (e.name.startsWith('.env') || e.name.endsWith('.env')) {
        const text = await readFile(p, 'utf8');
        const next = text.replace(new RegExp(`^(${name}=).*$`, 'gm'), (_, k: string) => {
          n++;
          return `${k}${value}`;
        });
        if (next !== text) await writeFile(p, next);
      }
    }
  };
  await walk(root);
  return n;
}
