-- 0002 (SQLite): migration history, and stored times from local time to UTC.
--
-- OpenDNSSEC 1.4 stored every date in the local time of the host that wrote
-- it. From now on times are UTC. The conversion uses the time zone of the
-- process that runs this migration, which has to be the host that wrote the
-- dates. A value SQLite cannot parse is kept as it is. On a new database the
-- tables are empty and the updates change nothing.
--
-- dbadmin.version becomes 5, so that OpenDNSSEC 1.4 (which insists on 4) will
-- not open the converted database and misread its UTC times.

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	applied_at VARCHAR(19) NOT NULL
);

UPDATE keypairs SET
	generate = COALESCE(datetime(generate, 'utc'), generate),
	pre_backup = COALESCE(datetime(pre_backup, 'utc'), pre_backup),
	backup = COALESCE(datetime(backup, 'utc'), backup);

UPDATE dnsseckeys SET
	publish = COALESCE(datetime(publish, 'utc'), publish),
	ready = COALESCE(datetime(ready, 'utc'), ready),
	active = COALESCE(datetime(active, 'utc'), active),
	retire = COALESCE(datetime(retire, 'utc'), retire),
	dead = COALESCE(datetime(dead, 'utc'), dead);

UPDATE policies SET salt_stamp = COALESCE(datetime(salt_stamp, 'utc'), salt_stamp);

UPDATE dbadmin SET version = 5,
	description = 'kasp-enforcer: times are UTC; schema history is in schema_migrations';

CREATE INDEX idx9 ON dnsseckeys (zone_id, keytype, state);
