-- 0005 (SQLite, PostgreSQL; MySQL has a re-runnable variant): one zone per
-- name whatever its spelling.
--
-- "x" and "x." name the same zone. zone add and zonelist import look for
-- the other spelling before they insert, but two hosts adding "x" and "x."
-- at the same instant both pass that look and both insert. zones.canon holds
-- the name without its final dot (the root "." stays "."), written by the
-- store with every insert; its unique index makes the database refuse the
-- second of the two.
--
-- An adopted database may already hold both spellings of a name. Only the
-- oldest row (lowest id) of each canonical name gets canon; the later ones
-- keep canon NULL, which the unique index allows, rather than failing the
-- migration. Such a pair stays as it was: `zone delete` of the later
-- spelling removes it like any other zone.

ALTER TABLE zones ADD COLUMN canon VARCHAR(300);

UPDATE zones SET canon = CASE
		WHEN length(name) > 1 AND substr(name, length(name), 1) = '.'
		THEN substr(name, 1, length(name) - 1) ELSE name END
	WHERE NOT EXISTS (SELECT 1 FROM zones o WHERE o.id < zones.id
		AND (CASE WHEN length(o.name) > 1 AND substr(o.name, length(o.name), 1) = '.'
			THEN substr(o.name, 1, length(o.name) - 1) ELSE o.name END) =
		(CASE WHEN length(zones.name) > 1 AND substr(zones.name, length(zones.name), 1) = '.'
			THEN substr(zones.name, 1, length(zones.name) - 1) ELSE zones.name END));

CREATE UNIQUE INDEX zones_canon ON zones (canon);
