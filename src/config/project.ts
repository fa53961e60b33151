/** The project model every command works from: cfgmig.yaml when there is one, else discovery. */

import type { DotenvDialect } from '../core/extract/parse-text.js';

export type { DotenvDialect };

export interface ServiceConfig {
  id: string;
  /** Folder relative to the project root, or null when the service has no folder of its own. */
  path: string | null;
  compose: string;
  envFiles: string[];
  configFiles: string[];
  source: string[];
  exclude: string[];
  dotenv: DotenvDialect;
  profile?: Record<string, unknown>;
  canary?: Record<string, unknown>;
  restart?: string;
  /** JSON Schema file for the planned configuration, relative to the root. */
  schema?: string;
}

export interface ProjectConfig {
  /** Absolute project root. */
  root: string;
  /** The cfgmig.yaml this came from, or null when discovered. */
  file: string | null;
  store: string;
  redis?: string;
  compose: string[];
  rules: string[];
  plans: string;
  /** The master key file, relative to the root, when not the default .cfgmig/master.key. */
  masterKey?: string;
  environments: Record<string, { inherits?: string[]; protected?: boolean }>;
  services: ServiceConfig[];
}

export const PROJECT_FILE = 'cfgmig.yaml';
export const COMPOSE_FILE_NAMES = [
  'compose.yaml',
  'compose.yml',
  'docker-compose.yaml',
  'docker-compose.yml',
];

/** Never read, whatever the globs say: dependencies, build output, tests, env templates. */
export const ALWAYS_EXCLUDED = [
  '**/node_modules/**',
  '**/.git/**',
  '**/.cfgmig/**',
  '**/dist/**',
  '**/build/**',
  '**/coverage/**',
  '**/.venv/**',
  '**/venv/**',
  '**/__pycache__/**',
  '**/test/**',
  '**/tests/**',
  '**/__tests__/**',
  '**/*.test.*',
  '**/*.spec.*',
  '**/test_*.py',
  '**/*_test.py',
  '**/*.d.ts',
  // Env-file look-alikes no service loads: templates with placeholders, direnv scripts, encrypted copies.
  '**/.env*.{example,sample,template,tpl,dist}',
  '**/.envrc',
  '**/.env*.{gpg,enc,age,asc}',
];

export const DEFAULT_ENVIRONMENTS: ProjectConfig['environments'] = {
  global: {},
  development: { inherits: ['global'] },
  production: { inherits: ['global'], protected: true },
};

/** The globs discovery uses for a service folder. */
export function defaultServiceGlobs(
  path: string,
): Pick<ServiceConfig, 'envFiles' | 'configFiles' | 'source'> {
  const base = path === '.' ? '' : `${path}/`;
  return {
    envFiles: [`${base}**/.env*`],
    configFiles: [`${base}config/**/*.{yaml,yml,json}`],
    source: [`${base}**/*.{ts,tsx,js,jsx,mjs,cjs,py}`],
  };
}
