#!/usr/bin/env node
// Thin launcher: the compiled program lives in dist/ (built by `npm run build`, which `npm ci` runs via prepare).
import('../dist/main.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/main.js')) {
    process.stderr.write('cfgmig: not built yet. Run `npm run build` (npm ci does it for you).\n');
    process.exit(2);
  }
  throw err;
});
