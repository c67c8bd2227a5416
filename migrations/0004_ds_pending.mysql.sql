-- 0004 (MySQL/MariaDB): zones.ds_pending, the CKA_ID index and the
-- (zone_id, keypair_id) index of dnsseckeys; see 0004_ds_pending.sql.
--
-- MySQL commits DDL on its own, so each statement only acts when its
-- column or index is not there yet: a run cut short can run again.

SET @kasp_ds_pending = (SELECT IF(count(*) = 0,
	'ALTER TABLE zones ADD COLUMN ds_pending SMALLINT NOT NULL DEFAULT 0', 'DO 0')
	FROM information_schema.columns
	WHERE table_schema = DATABASE() AND table_name = 'zones' AND column_name = 'ds_pending');
PREPARE kasp_stmt FROM @kasp_ds_pending;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;

SET @kasp_locator = (SELECT IF(count(*) = 0,
	'CREATE INDEX keypairs_locator ON keypairs (HSMkey_id)', 'DO 0')
	FROM information_schema.statistics
	WHERE table_schema = DATABASE() AND table_name = 'keypairs'
	AND index_name = 'keypairs_locator');
PREPARE kasp_stmt FROM @kasp_locator;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;

SET @kasp_zone_keypair = (SELECT IF(count(*) = 0,
	'CREATE INDEX dnsseckeys_zone_keypair ON dnsseckeys (zone_id, keypair_id)', 'DO 0')
	FROM information_schema.statistics
	WHERE table_schema = DATABASE() AND table_name = 'dnsseckeys'
	AND index_name = 'dnsseckeys_zone_keypair');
PREPARE kasp_stmt FROM @kasp_zone_keypair;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;
