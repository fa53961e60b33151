-- cfgmig store schema, version 2: the audit log's head.
-- A hash chain proves that no row was edited or removed from the middle, but deleting the
-- newest rows leaves a shorter chain that still verifies. The head, updated in the same
-- transaction as every append, records the last row written and how many rows there are,
-- so `audit verify` notices a log that ends early.
CREATE TABLE audit_head (
  singleton  boolean PRIMARY KEY DEFAULT true CHECK (singleton),
  last_id    bigint NOT NULL,
  hash       text NOT NULL,
  row_count  bigint NOT NULL
);

INSERT INTO audit_head (last_id, hash, row_count)
SELECT id, hash, (SELECT count(*) FROM audit_log) FROM audit_log ORDER BY id DESC LIMIT 1;
