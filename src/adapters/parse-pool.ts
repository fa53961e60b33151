/**
 * Parses files on worker threads. Source and config parsing is CPU-bound (a 20,000-file fleet
 * is mostly pre-filtering and parsing source), so spreading it over the machine's cores is what
 * keeps a whole-fleet extract within seconds. Small projects parse inline: starting workers
 * would cost more than it saves.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { ParseResult } from '../core/extract/types.js';
import { readTextFileSync } from './files.js';
import { parseText, type FileKind } from '../core/extract/parse-text.js';

export interface ParseJob {
  abs: string;
  rel: string;
  kind: FileKind;
}

export type ParseOutcome = { ok: true; result: ParseResult } | { ok: false; message: string };

/** One request to a worker: a batch of jobs (one message per file cost more than the parsing). */
export interface PoolBatch {
  first: number;
  jobs: ParseJob[];
}
export interface PoolReply {
  first: number;
  outcomes: ParseOutcome[];
}

/** Below this many files, parsing inline is faster than starting workers. */
export const POOL_THRESHOLD = 200;
const BATCH = 32;
const WORKER_URL = new URL('./parse-worker.js', import.meta.url);
const noLookup = () => undefined;

/** Reads and parses one file; what both the workers and the inline path run. Never throws. */
export function parseJob(job: ParseJob): ParseOutcome {
  const read = readTextFileSync(job.abs);
  if (!read.ok) return read;
  try {
    return { ok: true, result: parseText(job.rel, read.text, job.kind, noLookup) };
  } catch (err) {
    // A parser bug must not lose the rest of the fleet; report it against the file.
    return {
      ok: false,
      message: `parser failed: ${err instanceof Error ? err.message.split('\n')[0] : 'unknown error'}`,
    };
  }
}

/** Parses every job, in parallel where it pays; results are in job order. */
export async function parseAll(jobs: ParseJob[]): Promise<ParseOutcome[]> {
  const workers = Math.min(availableParallelism(), 4, Math.ceil(jobs.length / 50));
  // Under a TypeScript test runner the compiled worker does not exist: parse inline.
  if (jobs.length < POOL_THRESHOLD || workers < 2 || !existsSync(WORKER_URL)) return jobs.map(parseJob);

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
        const batch: PoolBatch = { first: next, jobs: jobs.slice(next, next + BATCH) };
        next += batch.jobs.length;
        inFlight++;
        worker.postMessage(batch);
      };
      worker.on('message', (reply: PoolReply) => {
        inFlight--;
        reply.outcomes.forEach((o, i) => (results[reply.first + i] = o));
        send();
      });
      worker.on('error', fail);
      // Two batches in flight per worker, so it never waits on the main thread.
      send();
      send();
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
