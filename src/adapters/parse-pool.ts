/**
 * Parses files on worker threads. Source and config parsing is CPU-bound (a 20,000-file fleet is
 * mostly pre-filtering and parsing source), so spreading it over the machine's cores is what keeps a whole-fleet
 * extract within seconds. Small projects parse inline: starting workers would cost more.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParseResult } from '../core/extract/types.js';
import { readTextFile } from './files.js';
import { parseText, type FileKind } from './parse-file.js';

export interface PoolRequest {
  id: number;
  abs: string;
  rel: string;
  kind: FileKind;
}
export type PoolResponse =
  { id: number; result: ParseResult } | { id: number; readError: string } | { id: number; crash: string };

export type ParseOutcome = { ok: true; result: ParseResult } | { ok: false; message: string };

/** Below this many files, parsing inline is faster than starting workers. */
export const POOL_THRESHOLD = 200;
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);
const noLookup = () => undefined;

function fromResponse(res: PoolResponse): ParseOutcome {
  if ('result' in res) return { ok: true, result: res.result };
  if ('readError' in res) return { ok: false, message: res.readError };
  return { ok: false, message: `parser failed: ${res.crash}` };
}

async function parseInline(job: Omit<PoolRequest, 'id'>): Promise<ParseOutcome> {
  const read = await readTextFile(job.abs);
  return read.ok ? { ok: true, result: parseText(job.rel, read.text, job.kind, noLookup) } : read;
}

/** Parses every job, in parallel where it pays; results are in job order. */
export async function parseAll(jobs: Omit<PoolRequest, 'id'>[]): Promise<ParseOutcome[]> {
  // Under a TypeScript test runner the compiled worker does not exist: parse inline.
  const workers = Math.min(availableParallelism(), 4, Math.ceil(jobs.length / 50));
  if (jobs.length < POOL_THRESHOLD || workers < 2 || !existsSync(WORKER_URL)) {
    const out: ParseOutcome[] = [];
    for (const job of jobs) out.push(await parseInline(job));
    return out;
  }
  const results = new Array<ParseOutcome>(jobs.length);
  let next = 0;
  const drive = (worker: Worker) =>
    new Promise<void>((done, fail) => {
      let inFlight = 0;
      const send = () => {
        if (next >= jobs.length) {
          if (inFlight === 0) done();
          return;
        }
        const id = next++;
        inFlight++;
        worker.postMessage({ id, ...jobs[id]! } satisfies PoolRequest);
      };
      worker.on('message', (res: PoolResponse) => {
        inFlight--;
        results[res.id] = fromResponse(res);
        send();
      });
      worker.on('error', fail);
      // Keep a few jobs in flight per worker so it never waits on the main thread.
      for (let i = 0; i < 4; i++) send();
    });
  // A bigger stack than the 4 MB default: the parser recurses, and deeply nested code should parse, not warn.
  const pool = Array.from(
    { length: workers },
    () => new Worker(WORKER_URL, { resourceLimits: { stackSizeMb: 16 } }),
  );
  try {
    await Promise.all(pool.map(drive));
  } finally {
    await Promise.all(pool.map((w) => w.terminate()));
  }
  return results;
}
