-- cfgmig store schema, version 4: what `cfgmig canary` persists to resume a run and explain it.
--
-- A run that reached 100% and held it is `completed`. Its plan (steps with bake times, the
-- gates, the baseline measured before the first step) is kept with it, so `--resume` carries
-- on with exactly what was started; step_started_at tells how long the current bake has run;
-- outcome says how it ended (the gate and measurement that decided a rollback).
ALTER TABLE canary_runs DROP CONSTRAINT canary_runs_state_check;
ALTER TABLE canary_runs ADD CONSTRAINT canary_runs_state_check CHECK (state IN
  ('pending', 'running', 'paused', 'promoted', 'completed', 'rolling_back', 'rolled_back', 'failed'));
ALTER TABLE canary_runs ADD COLUMN plan jsonb NOT NULL DEFAULT '{}'::jsonb;
ALTER TABLE canary_runs ADD COLUMN step_started_at timestamptz;
ALTER TABLE canary_runs ADD COLUMN outcome jsonb;

-- A measurement is a pass, a fail or no data (the no-data policy then decides what it counts as).
ALTER TABLE gate_results ADD COLUMN verdict text CHECK (verdict IN ('pass', 'fail', 'no-data'));
