/** A worker thread of the parse pool: reads a file and runs the lookup-free parsers on it. */
import { parentPort } from 'node:worker_threads';
import { readTextFileSync } from './files.js';
import { parseText, type FileKind } from './parse-file.js';
import type { PoolRequest, PoolResponse } from './parse-pool.js';

const noLookup = () => undefined;

parentPort!.on('message', (req: PoolRequest) => {
  const read = readTextFileSync(req.abs);
  let res: PoolResponse;
  try {
    res = read.ok
      ? { id: req.id, result: parseText(req.rel, read.text, req.kind as FileKind, noLookup) }
      : { id: req.id, readError: read.message };
  } catch (err) {
    // A parser bug must not take the pool down; report it against the file.
    res = { id: req.id, crash: err instanceof Error ? err.message.split('\n')[0]! : 'parser failed' };
  }
  parentPort!.postMessage(res);
});
