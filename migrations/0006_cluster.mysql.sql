-- 0006 (MySQL/MariaDB): cluster_leader and cluster_nodes; see
-- 0006_cluster.sql. MySQL commits DDL on its own, so every step may run
-- again after a run that was cut short.

CREATE TABLE IF NOT EXISTS cluster_leader (
	id INTEGER NOT NULL PRIMARY KEY,
	epoch BIGINT NOT NULL DEFAULT 0,
	node VARCHAR(300) NULL DEFAULT NULL,
	since VARCHAR(64) NULL DEFAULT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT IGNORE INTO cluster_leader (id, epoch) VALUES (1, 0);

CREATE TABLE IF NOT EXISTS cluster_nodes (
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
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
