-- cfgmig store schema, version 1.
-- Applied by src/adapters/store/migrate.ts inside one transaction and recorded in
-- schema_migrations. Never edit an applied migration: add 002_*.sql instead (the runner
-- records a checksum per file so an edited one is noticed).
-- Works unchanged on PGlite and PostgreSQL >= 13: no extensions, no server-only features.

-- Environments and their inheritance chain ('global' -> 'production' ...). `inherits` is
-- ordered: the effective configuration is the deep merge of the chain, nearest last.
CREATE TABLE environments (
  name        text PRIMARY KEY,
  inherits    text[] NOT NULL DEFAULT '{}',
  created_at  timestamptz NOT NULL DEFAULT now()
);

-- Versioned configuration, one row per (service, environment, version).
-- There is deliberately no separate configuration_history table: versions are immutable
-- and append-only (a rollback writes the earlier data as a NEW version), so the rows of
-- this table ARE the history. The current version is the highest one. A second copy would
-- only be something that can disagree with this one.
CREATE TABLE service_configurations (
  service       text NOT NULL,
  environment   text NOT NULL,
  version       integer NOT NULL CHECK (version >= 1),
  data          jsonb NOT NULL,
  -- sha256 hex of the canonical JSON of `data`, verified on read to catch corruption.
  checksum      text NOT NULL,
  author        text NOT NULL,
  reason        text NOT NULL DEFAULT '',
  migration_id  text,
  created_at    timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service, environment, version)
);

-- Envelope-encrypted credentials (AES-256-GCM). Each version has its own random data key,
-- stored only wrapped by the master key identified by key_id. Plaintext never lands here.
-- Versions are kept; the current one is the highest version.
CREATE TABLE credentials (
  service      text NOT NULL,
  environment  text NOT NULL,
  key          text NOT NULL,
  version      integer NOT NULL CHECK (version >= 1),
  ciphertext   bytea NOT NULL,
  iv           bytea NOT NULL,
  tag          bytea NOT NULL,
  -- the data key encrypted under the master key (its own iv and tag packed inside)
  wrapped_key  bytea NOT NULL,
  -- fingerprint of the master key that wrapped it; `keys rotate` resumes by skipping
  -- rows already wrapped under the new key_id.
  key_id       text NOT NULL,
  author       text NOT NULL,
  created_at   timestamptz NOT NULL DEFAULT now(),
  UNIQUE (service, environment, key, version)
);

-- Every credential read and write, for "who saw the database password".
CREATE TABLE credential_access_log (
  id           bigserial PRIMARY KEY,
  at           timestamptz NOT NULL DEFAULT now(),
  actor        text NOT NULL,
  action       text NOT NULL CHECK (action IN ('read', 'write', 'rewrap')),
  service      text NOT NULL,
  environment  text NOT NULL,
  key          text NOT NULL,
  version      integer
);

-- Migrations: one record per `apply`, with the plan that undoes it.
CREATE TABLE migrations (
  id              text PRIMARY KEY,
  service         text NOT NULL,
  environment     text NOT NULL,
  status          text NOT NULL CHECK (status IN
                    ('pending', 'applying', 'applied', 'canary', 'completed', 'rolling_back', 'rolled_back', 'failed')),
  base_version    integer,            -- configuration version the plan was made against (NULL: none yet)
  target_version  integer,            -- version written by the migration
  plan_checksum   text,
  rollback_plan   jsonb NOT NULL DEFAULT '{}'::jsonb,
  created_by      text NOT NULL,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);

-- Migration flags: which source a service reads a key from. key '*' means every key of the
-- service in that environment; a specific key overrides it.
CREATE TABLE migration_flags (
  service      text NOT NULL,
  environment  text NOT NULL,
  key          text NOT NULL DEFAULT '*',
  -- DESIGN.md "Flags": read legacy; read legacy and compare with the store; read the store for
  -- percent_bp of reads and fall back to legacy on error; read only the store.
  mode         text NOT NULL CHECK (mode IN ('legacy_only', 'legacy_with_validation', 'new_with_fallback', 'new_only')),
  -- share of reads on the store in basis points (10000 = 100%); used by new_with_fallback
  percent_bp   integer NOT NULL DEFAULT 0 CHECK (percent_bp BETWEEN 0 AND 10000),
  migration_id text REFERENCES migrations (id),
  updated_at   timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, environment, key)
);

-- Canary runs. The lease lets exactly one cfgmig process drive a run; another may take
-- over once lease_expires_at has passed (a crashed driver).
CREATE TABLE canary_runs (
  id                bigserial PRIMARY KEY,
  migration_id      text NOT NULL REFERENCES migrations (id),
  schedule          jsonb NOT NULL,       -- the steps, e.g. [100, 1000, 5000, 10000] basis points
  step              integer NOT NULL DEFAULT 0,
  state             text NOT NULL CHECK (state IN
                      ('pending', 'running', 'paused', 'promoted', 'rolling_back', 'rolled_back', 'failed')),
  lease_owner       text,
  lease_expires_at  timestamptz,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now()
);

-- Judgement of each health gate at each canary step.
CREATE TABLE gate_results (
  id             bigserial PRIMARY KEY,
  canary_run_id  bigint NOT NULL REFERENCES canary_runs (id),
  step           integer NOT NULL,
  gate           text NOT NULL,
  passed         boolean NOT NULL,
  observed       jsonb NOT NULL DEFAULT '{}'::jsonb,
  at             timestamptz NOT NULL DEFAULT now()
);

-- Append-only audit trail. hash = sha256(prev_hash || canonical row content), so editing or
-- deleting any row breaks the chain from that row on; `audit verify` finds the first break.
CREATE TABLE audit_log (
  id         bigserial PRIMARY KEY,
  at         timestamptz NOT NULL DEFAULT now(),
  actor      text NOT NULL,
  action     text NOT NULL,
  subject    text NOT NULL,
  details    jsonb NOT NULL DEFAULT '{}'::jsonb,
  prev_hash  text NOT NULL,
  hash       text NOT NULL UNIQUE
);

-- Who holds the writer lock of a service/environment. On PostgreSQL the lock itself is an
-- advisory lock; this row only says who holds it and since when, for the
-- "locked by <holder> since <time>" message (advisory locks carry no such label).
CREATE TABLE writer_locks (
  service      text NOT NULL,
  environment  text NOT NULL,
  holder       text NOT NULL,
  since        timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (service, environment)
);
