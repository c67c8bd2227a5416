-- 0003 (SQLite, PostgreSQL; MySQL has a re-runnable variant): one row per zone name.
--
-- zone add and zonelist import check for an existing name before they insert,
-- but two hosts doing that at the same instant could both pass the check. The
-- unique index lets the database settle it: the second insert fails with a
-- constraint violation, which the CLI reports as "already exists". The
-- spellings "x" and "x." remain two different names to the index; the store
-- layer keeps them apart. It is also the index for looking zones up by name.

CREATE UNIQUE INDEX zones_name ON zones (name);
