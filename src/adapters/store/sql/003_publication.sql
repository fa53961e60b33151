-- cfgmig store schema, version 3: what publication needs (docs/protocol.md).
--
-- A migration records how its service read each key before, so the client library can read
-- the legacy value the same way (the rule's variable, conversion and URL part) while flags
-- still point at legacy sources.
ALTER TABLE migrations ADD COLUMN legacy_map jsonb NOT NULL DEFAULT '{}'::jsonb;

-- Every flag change draws a new revision; a service's flag version is the highest revision
-- of its flags, so readers can tell a newer publication from a late old one.
CREATE SEQUENCE flag_revision;
ALTER TABLE migration_flags ADD COLUMN revision bigint NOT NULL DEFAULT nextval('flag_revision');
