-- 0003 (MySQL/MariaDB): one row per zone name; see 0003_zone_names.sql.
--
-- MySQL commits DDL on its own, so a run that created the index and then
-- died before recording the migration must be able to run this again: the
-- index is created only when it is not there yet.

SET @kasp_zones_name = (SELECT IF(count(*) = 0,
	'CREATE UNIQUE INDEX zones_name ON zones (name)', 'DO 0')
	FROM information_schema.statistics
	WHERE table_schema = DATABASE() AND table_name = 'zones' AND index_name = 'zones_name');
PREPARE kasp_stmt FROM @kasp_zones_name;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;
