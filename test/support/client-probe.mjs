// A service process for tests and benchmarks: connects cfgmig/client (built, dist/) with the
// options given as JSON in argv[2], prints one JSON line when connected and one each time the
// flag version or a watched value changes, and reads keys on request ("get <key>" on stdin).
import { createInterface } from 'node:readline';
import { MigrationCompatibleConfig } from '../../dist/client/index.js';

const options = JSON.parse(process.argv[2]);
const out = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);
const config = await MigrationCompatibleConfig.connect(options);
let seen = config.flags().flagsVersion;
out({ event: 'connected', flags: config.flags(), health: await config.health() });
config.watch('*', (change) => out({ event: 'change', change }));
setInterval(() => {
  const f = config.flags();
  if (f.flagsVersion !== seen) {
    seen = f.flagsVersion;
    out({ event: 'flags', flags: f });
  }
}, 2);
createInterface({ input: process.stdin }).on('line', async (line) => {
  const [cmd, key] = line.trim().split(/\s+/);
  if (cmd === 'get')
    out({ event: 'value', key, value: await config.get(key).catch((e) => ({ error: e.message })) });
  if (cmd === 'health') out({ event: 'health', health: await config.health() });
  if (cmd === 'exit') {
    await config.close();
    process.exit(0);
  }
});
