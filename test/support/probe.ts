/** Runs test/support/client-probe.mjs in its own process and waits for what it prints. */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const PROBE = fileURLToPath(new URL('./client-probe.mjs', import.meta.url));

export interface ProbeEvent {
  event: string;
  [k: string]: unknown;
}

export interface Probe {
  child: ChildProcess;
  events: ProbeEvent[];
  /** The first event from index `since` on (seen or to come) that `match` accepts; rejects after `ms`. */
  next(match: (e: ProbeEvent) => boolean, opts?: { since?: number; ms?: number }): Promise<ProbeEvent>;
  /** Sends "get <key>" and resolves with the value it printed. */
  get(key: string): Promise<unknown>;
  send(line: string): void;
  stop(): Promise<void>;
}

export async function startProbe(options: object): Promise<Probe> {
  const child = spawn(process.execPath, [PROBE, JSON.stringify(options)], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const events: ProbeEvent[] = [];
  const waiters = new Set<() => void>();
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    events.push(JSON.parse(line) as ProbeEvent);
    for (const w of waiters) w();
  });
  const next = (
    match: (e: ProbeEvent) => boolean,
    { since = 0, ms = 15_000 }: { since?: number; ms?: number } = {},
  ): Promise<ProbeEvent> =>
    new Promise((resolve, reject) => {
      const check = (): boolean => {
        const found = events.slice(since).find(match);
        if (found) {
          waiters.delete(check);
          clearTimeout(timer);
          resolve(found);
        }
        return Boolean(found);
      };
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(
          new Error(
            `probe: no matching event within ${ms} ms; saw ${JSON.stringify(events)}; stderr: ${stderr}`,
          ),
        );
      }, ms);
      waiters.add(check);
      check();
    });
  await next((e) => e.event === 'connected');
  return {
    child,
    events,
    next,
    send: (line) => child.stdin!.write(`${line}\n`),
    get: async (key) => {
      const since = events.length;
      child.stdin!.write(`get ${key}\n`);
      return (await next((e) => e.event === 'value' && e.key === key, { since })).value;
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
