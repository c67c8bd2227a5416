-- 0002 (PostgreSQL): migration history, dbadmin version 5, and the index the
-- enforcer's per-zone key queries use.
--
-- There was never a PostgreSQL database written in local time, so no time
-- conversion is needed. dbadmin.version becomes 5 as on the other engines.
-- One transaction, as every PostgreSQL migration.

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	applied_at TIMESTAMP(0) WITHOUT TIME ZONE NOT NULL
);

UPDATE dbadmin SET version = 5,
	description = 'kasp-enforcer: times are UTC; schema history is in schema_migrations';

CREATE INDEX idx9 ON dnsseckeys (zone_id, keytype, state);
