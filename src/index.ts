/** Programmatic API for scripts and tests. The CLI is a thin layer over these functions. */
export { extract, writeInventoryFiles, type ExtractRequest } from './api/extract.js';
export { loadProject } from './config/load.js';
export { CfgmigError, ExitCode } from './errors.js';
export type * from './core/extract/types.js';
export { makePlans, type PlanRequest, type PlanSet } from './api/plan.js';
export { applyPlans, type ApplyOutcome, type ApplyRequest } from './api/apply.js';
export { planInputs } from './api/plan-inputs.js';
export { openStore } from './adapters/store/open.js';
export { readPlanFile, writePlanFile } from './adapters/plan-file.js';
export type { PlanDoc, PlanChange } from './core/plan/plan-doc.js';
