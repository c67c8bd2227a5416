-- generated from migrations/ by tools/schema-dump; do not edit
-- dialect sqlite, schema version 6

CREATE TABLE categories (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(30) NOT NULL
);

CREATE TABLE cluster_leader (
	id INTEGER NOT NULL PRIMARY KEY,
	epoch BIGINT NOT NULL DEFAULT 0,
	node VARCHAR(300) NULL DEFAULT NULL,
	since VARCHAR(64) NULL DEFAULT NULL
);

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

CREATE TABLE dbadmin (
	version INTEGER NOT NULL DEFAULT 1,
	description TEXT
);

CREATE TABLE dnsseckeys (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	keypair_id SMALLINT,
	zone_id MEDIUMINT,
	keytype SMALLINT NOT NULL,
	state TINYINT,
	publish VARCHAR(64) NULL DEFAULT NULL,
	ready VARCHAR(64) NULL DEFAULT NULL,
	active VARCHAR(64) NULL DEFAULT NULL,
	retire VARCHAR(64) NULL DEFAULT NULL,
	dead VARCHAR(64) NULL DEFAULT NULL,
	rfc5011 TINYINT DEFAULT 0,
	revoked TINYINT DEFAULT 0,
	FOREIGN KEY (keypair_id) REFERENCES keypairs (id)
);

CREATE TABLE keypairs (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	HSMkey_id VARCHAR(255) NOT NULL,
	algorithm TINYINT NOT NULL,
	size SMALLINT,
	securitymodule_id TINYINT,
	generate VARCHAR(64) NULL DEFAULT NULL,
	policy_id MEDIUMINT,
	compromisedflag TINYINT,
	publickey VARCHAR(1024),
	pre_backup VARCHAR(64) NULL DEFAULT NULL,
	backup VARCHAR(64) NULL DEFAULT NULL,
	fixedDate TINYINT DEFAULT 0,
	FOREIGN KEY (securitymodule_id) REFERENCES securitymodules (id),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
);

CREATE TABLE parameters (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(30) NOT NULL,
	description VARCHAR(255),
	category_id TINYINT NOT NULL,
	UNIQUE (name, category_id),
	FOREIGN KEY (category_id) REFERENCES categories (id)
);

CREATE TABLE parameters_policies (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	parameter_id MEDIUMINT NOT NULL,
	policy_id MEDIUMINT NOT NULL,
	value INT,
	FOREIGN KEY (parameter_id) REFERENCES parameters (id),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
);

CREATE TABLE policies (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(30) NOT NULL UNIQUE,
	description VARCHAR(255),
	salt VARCHAR(512),
	salt_stamp VARCHAR(64),
	audit TEXT
);

CREATE TABLE schema_migrations (
	version INTEGER PRIMARY KEY,
	name VARCHAR(255) NOT NULL,
	checksum VARCHAR(64) NOT NULL,
	applied_at VARCHAR(19) NOT NULL
);

CREATE TABLE securitymodules (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(30) NOT NULL,
	capacity MEDIUMINT NOT NULL,
	requirebackup TINYINT DEFAULT 1
);

CREATE TABLE serialmodes (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(30),
	description VARCHAR(255)
);

CREATE TABLE zones (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	name VARCHAR(300) NOT NULL,
	policy_id MEDIUMINT NOT NULL,
	signconf VARCHAR(4096),
	input VARCHAR(4096),
	output VARCHAR(4096),
	in_type VARCHAR(512),
	out_type VARCHAR(512), ds_pending SMALLINT NOT NULL DEFAULT 0, canon VARCHAR(300),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
);

CREATE INDEX dnsseckeys_zone_keypair ON dnsseckeys (zone_id, keypair_id);

CREATE INDEX idx1 ON dnsseckeys (zone_id);

CREATE INDEX idx2 ON dnsseckeys (keypair_id);

CREATE INDEX idx3 ON keypairs (securitymodule_id);

CREATE INDEX idx4 ON keypairs (policy_id);

CREATE INDEX idx5 ON zones (policy_id);

CREATE INDEX idx6 ON parameters (category_id);

CREATE INDEX idx7 ON parameters_policies (parameter_id);

CREATE INDEX idx8 ON parameters_policies (policy_id);

CREATE INDEX idx9 ON dnsseckeys (zone_id, keytype, state);

CREATE INDEX keypairs_locator ON keypairs (HSMkey_id);

CREATE UNIQUE INDEX zones_canon ON zones (canon);

CREATE UNIQUE INDEX zones_name ON zones (name);

CREATE VIEW KEYALLOC_VIEW AS
SELECT k.id AS id, k.HSMkey_id AS location, k.algorithm AS algorithm,
	k.policy_id AS policy_id, k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, d.zone_id AS zone_id
FROM keypairs k LEFT JOIN zones z LEFT JOIN dnsseckeys d
	ON d.zone_id = z.id AND k.id = d.keypair_id
WHERE k.policy_id = z.policy_id;

CREATE VIEW KEYDATA_VIEW AS
SELECT k.id AS id, d.state AS state, k.generate AS generate, d.publish AS publish,
	d.ready AS ready, d.active AS active, d.retire AS retire, d.dead AS dead,
	d.keytype AS keytype, k.algorithm AS algorithm, k.HSMkey_id AS location,
	d.zone_id AS zone_id, k.policy_id AS policy_id,
	k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, k.fixedDate AS fixedDate,
	d.rfc5011 AS rfc5011, d.revoked AS revoked
FROM keypairs k LEFT OUTER JOIN dnsseckeys d ON k.id = d.keypair_id;

CREATE VIEW PARAMETER_LIST AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id
FROM parameters p, categories c
WHERE p.category_id = c.id;

CREATE VIEW PARAMETER_VIEW AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id, pp.value AS value,
	pp.policy_id AS policy_id
FROM parameters_policies pp, parameters p, categories c
WHERE pp.parameter_id = p.id AND p.category_id = c.id;
