-- 0002 (MySQL/MariaDB): migration history, dates as DATETIME, dbadmin
-- version 5, and the index the enforcer's per-zone key queries use.
--
-- MySQL keeps TIMESTAMP values in UTC and shows them in the session's time
-- zone, so a 1.4 database holds the right instants already: only the type
-- changes. Under a UTC session the change to DATETIME keeps every instant
-- as its UTC text, DATETIME does not end in January 2038, and the bare
-- policies.salt_stamp loses the automatic update that older servers gave it.
-- The program's sessions run in UTC; this file sets it once more for itself.
--
-- dbadmin.version becomes 5, so that OpenDNSSEC 1.4 (which insists on 4) will
-- not open the converted database.
--
-- MySQL commits each DDL statement at once: every statement here can run
-- again over a half-applied file.

SET time_zone = '+00:00';

CREATE TABLE IF NOT EXISTS schema_migrations (
	version INT NOT NULL,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	applied_at DATETIME NOT NULL,
	PRIMARY KEY (version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

ALTER TABLE keypairs
	MODIFY generate DATETIME NULL DEFAULT NULL,
	MODIFY pre_backup DATETIME NULL DEFAULT NULL,
	MODIFY backup DATETIME NULL DEFAULT NULL;

ALTER TABLE dnsseckeys
	MODIFY publish DATETIME NULL DEFAULT NULL,
	MODIFY ready DATETIME NULL DEFAULT NULL,
	MODIFY active DATETIME NULL DEFAULT NULL,
	MODIFY retire DATETIME NULL DEFAULT NULL,
	MODIFY dead DATETIME NULL DEFAULT NULL;

ALTER TABLE policies MODIFY salt_stamp DATETIME NULL DEFAULT NULL;

UPDATE dbadmin SET version = 5,
	description = 'kasp-enforcer: times are UTC; schema history is in schema_migrations';

-- CREATE INDEX has no IF NOT EXISTS on every server: look first.
SET @kasp_idx9 = (SELECT IF(count(*) = 0,
	'CREATE INDEX idx9 ON dnsseckeys (zone_id, keytype, state)', 'DO 0')
	FROM information_schema.statistics
	WHERE table_schema = DATABASE() AND table_name = 'dnsseckeys' AND index_name = 'idx9');
PREPARE kasp_stmt FROM @kasp_idx9;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;
