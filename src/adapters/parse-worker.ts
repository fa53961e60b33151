/** A worker thread of the parse pool: parses the batches of files it is sent. */
import { parentPort } from 'node:worker_threads';
import { parseJob, type PoolBatch, type PoolReply } from './parse-pool.js';

parentPort!.on('message', (batch: PoolBatch) => {
  parentPort!.postMessage({ first: batch.first, outcomes: batch.jobs.map(parseJob) } satisfies PoolReply);
});
