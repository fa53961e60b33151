/** Programmatic API for scripts and tests. The CLI is a thin layer over these functions. */
export { extract, writeInventoryFiles, type ExtractRequest } from './api/extract.js';
export { loadProject } from './config/load.js';
export { CfgmigError, ExitCode } from './errors.js';
export type * from './core/extract/types.js';
