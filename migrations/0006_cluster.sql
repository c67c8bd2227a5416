-- 0006 (SQLite, PostgreSQL; MySQL has a re-runnable variant): the tables of
-- a cluster of daemons sharing one database.
--
-- cluster_leader holds one row (id 1). Each ods-enforcerd that takes the
-- `enforcer` lock raises epoch by one and writes who it is (node, as
-- "host:pid") and since when. Every write transaction of its passes then
-- checks that epoch is still the one it raised it to (fencing): a daemon
-- that lost the lock without noticing (paused, cut off, reconnected) finds
-- a higher epoch and commits nothing more.
--
-- cluster_nodes holds one row per daemon (host, pid) that ran against this
-- database: its role (leader, standby, replica, stopped), version, when it
-- started, its last heartbeat, and its last pass (start, end, outcome), for
-- `ods-ksmutil cluster status`. A stopped daemon's row stays as "stopped".
-- Times are the canonical UTC text of the other tables.

CREATE TABLE cluster_leader (
	id INTEGER NOT NULL PRIMARY KEY,
	epoch BIGINT NOT NULL DEFAULT 0,
	node VARCHAR(300) NULL DEFAULT NULL,
	since VARCHAR(64) NULL DEFAULT NULL
);

INSERT INTO cluster_leader (id, epoch) VALUES (1, 0);

CREATE TABLE cluster_nodes (
	host VARCHAR(255) NOT NULL,
	pid INTEGER NOT NULL,
	role VARCHAR(16) NOT NULL,
	version VARCHAR(64) NOT NULL,
	started VARCHAR(64) NOT NULL,
	heartbeat VARCHAR(64) NOT NULL,
	pass_started VARCHAR(64) NULL DEFAULT NULL,
	pass_finished VARCHAR(64) NULL DEFAULT NULL,
	pass_outcome VARCHAR(255) NULL DEFAULT NULL,
	PRIMARY KEY (host, pid)
);
