/**
 * The parent's side of a benchmark's worker processes: fork them, wait for their answers
 * (IPC messages by `type`; a worker's {type: 'error'} or exit rejects), stop them.
 * bench/lib/worker-side.mjs is the workers' side.
 */
import { fork } from 'node:child_process';
import { onCleanup } from './cleanup.mjs';

/** The next message of `type` from worker `w`; rejects on an error message, its exit or a timeout. */
export function reply(w, type, timeoutMs) {
  return new Promise((done, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`worker ${w.pid}: no '${type}' within ${timeoutMs} ms`));
    }, timeoutMs);
    const onMessage = (m) => {
      if (m.type === 'error') {
        cleanup();
        reject(new Error(`worker ${w.pid}: ${m.message}`));
      } else if (m.type === type) {
        cleanup();
        done(m);
      }
    };
    const onExit = (code) => {
      cleanup();
      reject(new Error(`worker ${w.pid} exited ${code} waiting for '${type}'`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      w.off('message', onMessage);
      w.off('exit', onExit);
    };
    w.on('message', onMessage);
    w.on('exit', onExit);
  });
}

/** Sends `message` to every worker; the promises of their `type` answers, in worker order. */
export function ask(workers, message, type, timeoutMs) {
  return workers.map((w) => {
    const r = reply(w, type, timeoutMs);
    w.send(message);
    return r;
  });
}

/**
 * Forks one worker process (module `file`) per start message, sends it that message and waits
 * (60 s at most) for every {type: 'ready'}. Workers still running at cleanup are killed.
 */
export async function forkWorkers(file, startMessages) {
  const workers = [];
  onCleanup(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  });
  const ready = startMessages.map((message) => {
    const w = fork(file, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    workers.push(w);
    const r = reply(w, 'ready', 60_000);
    w.send(message);
    return r;
  });
  return { workers, ready: await Promise.all(ready) };
}

/** Asks every worker to stop; kills one still running after 5 s. */
export async function stopWorkers(workers) {
  await Promise.all(
    workers.map(
      (w) =>
        new Promise((done) => {
          if (w.exitCode !== null || w.signalCode !== null) return done();
          const timer = setTimeout(() => w.kill('SIGKILL'), 5000);
          w.once('exit', () => {
            clearTimeout(timer);
            done();
          });
          w.send({ type: 'stop' });
        }),
    ),
  );
}
