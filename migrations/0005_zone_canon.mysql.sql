-- 0005 (MySQL/MariaDB): zones.canon and its unique index; see
-- 0005_zone_canon.sql.
--
-- MySQL commits DDL on its own, so each step only acts when it has not been
-- done: a run cut short can run again. The index comes before the values:
-- UPDATE IGNORE in id order then leaves canon NULL on every later row of a
-- canonical name an adopted database holds twice, as the other engines do.

SET @kasp_canon = (SELECT IF(count(*) = 0,
	'ALTER TABLE zones ADD COLUMN canon VARCHAR(300)', 'DO 0')
	FROM information_schema.columns
	WHERE table_schema = DATABASE() AND table_name = 'zones' AND column_name = 'canon');
PREPARE kasp_stmt FROM @kasp_canon;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;

SET @kasp_canon_index = (SELECT IF(count(*) = 0,
	'CREATE UNIQUE INDEX zones_canon ON zones (canon)', 'DO 0')
	FROM information_schema.statistics
	WHERE table_schema = DATABASE() AND table_name = 'zones' AND index_name = 'zones_canon');
PREPARE kasp_stmt FROM @kasp_canon_index;
EXECUTE kasp_stmt;
DEALLOCATE PREPARE kasp_stmt;

UPDATE IGNORE zones SET canon = CASE
		WHEN CHAR_LENGTH(name) > 1 AND RIGHT(name, 1) = '.'
		THEN LEFT(name, CHAR_LENGTH(name) - 1) ELSE name END
	WHERE canon IS NULL ORDER BY id;
