-- 0001 baseline (MySQL/MariaDB): the OpenDNSSEC 1.4 KASP schema as 1.4
-- created it on MySQL, dbadmin version 4.
--
-- A database that OpenDNSSEC 1.4 created is taken over as "at version 1"
-- without running this file, so what is here must match such a database:
-- InnoDB tables with 1.4's integer widths, dates as TIMESTAMP NULL DEFAULT
-- NULL (policies.salt_stamp a bare TIMESTAMP, as 1.4 declared it), the named
-- foreign key dnsseckeys_keypairs_id, no foreign key on dnsseckeys.zone_id,
-- the MySQL-only category 9 "audit" with parameter 45 "audit" (so "purge" is
-- 46), and KEYALLOC_VIEW built on INT_KEYALLOC_VIEW_FOR_MYSQL with outer
-- joins (key pairs of a policy without zones appear once, zone_id NULL).
-- InnoDB makes the indexes the foreign keys need by itself.
--
-- New tables are utf8mb4 with binary collation, so names compare the way
-- they do on SQLite and PostgreSQL (case-sensitively). 0002 turns the dates
-- into DATETIME.
--
-- MySQL commits every DDL statement at once, so this file is not atomic: each
-- statement can run again over a half-applied file (IF NOT EXISTS, OR
-- REPLACE, INSERT IGNORE), and the dbadmin row comes last, so a file that
-- broke off is not mistaken for a finished 1.4 database.

CREATE TABLE IF NOT EXISTS dbadmin (
	version INT NOT NULL,
	description VARCHAR(255)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS securitymodules (
	id TINYINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(30) NOT NULL,
	capacity MEDIUMINT NOT NULL,
	requirebackup TINYINT DEFAULT 1,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS categories (
	id TINYINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(30) NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS parameters (
	id MEDIUMINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(30) NOT NULL,
	description VARCHAR(255),
	category_id TINYINT NOT NULL,
	PRIMARY KEY (id),
	UNIQUE (name, category_id),
	FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS serialmodes (
	id TINYINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(30),
	description VARCHAR(255),
	PRIMARY KEY (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS policies (
	id MEDIUMINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(30) NOT NULL,
	description VARCHAR(255),
	salt VARCHAR(512),
	salt_stamp TIMESTAMP,
	audit VARCHAR(1024),
	PRIMARY KEY (id),
	UNIQUE (name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS zones (
	id MEDIUMINT NOT NULL AUTO_INCREMENT,
	name VARCHAR(300) NOT NULL,
	policy_id MEDIUMINT NOT NULL,
	signconf VARCHAR(4096),
	input VARCHAR(4096),
	output VARCHAR(4096),
	in_type VARCHAR(512),
	out_type VARCHAR(512),
	PRIMARY KEY (id),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS keypairs (
	id INT NOT NULL AUTO_INCREMENT,
	HSMkey_id VARCHAR(255) NOT NULL,
	algorithm TINYINT NOT NULL,
	size SMALLINT,
	securitymodule_id TINYINT,
	generate TIMESTAMP NULL DEFAULT NULL,
	policy_id MEDIUMINT,
	compromisedflag TINYINT,
	publickey VARCHAR(1024),
	pre_backup TIMESTAMP NULL DEFAULT NULL,
	backup TIMESTAMP NULL DEFAULT NULL,
	fixedDate TINYINT DEFAULT 0,
	PRIMARY KEY (id),
	FOREIGN KEY (securitymodule_id) REFERENCES securitymodules (id),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- zone_id has no foreign key on purpose: allocations outlive deleted zones.
CREATE TABLE IF NOT EXISTS dnsseckeys (
	id INT NOT NULL AUTO_INCREMENT,
	keypair_id INT,
	zone_id MEDIUMINT,
	keytype SMALLINT NOT NULL,
	state TINYINT,
	publish TIMESTAMP NULL DEFAULT NULL,
	ready TIMESTAMP NULL DEFAULT NULL,
	active TIMESTAMP NULL DEFAULT NULL,
	retire TIMESTAMP NULL DEFAULT NULL,
	dead TIMESTAMP NULL DEFAULT NULL,
	rfc5011 TINYINT DEFAULT 0,
	revoked TINYINT DEFAULT 0,
	PRIMARY KEY (id),
	CONSTRAINT dnsseckeys_keypairs_id FOREIGN KEY (keypair_id) REFERENCES keypairs (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE IF NOT EXISTS parameters_policies (
	id INT NOT NULL AUTO_INCREMENT,
	parameter_id MEDIUMINT NOT NULL,
	policy_id MEDIUMINT NOT NULL,
	value INT,
	PRIMARY KEY (id),
	FOREIGN KEY (parameter_id) REFERENCES parameters (id),
	FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE OR REPLACE VIEW PARAMETER_VIEW AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id, pp.value AS value,
	pp.policy_id AS policy_id
FROM parameters_policies pp, parameters p, categories c
WHERE pp.parameter_id = p.id AND p.category_id = c.id;

CREATE OR REPLACE VIEW PARAMETER_LIST AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id
FROM parameters p, categories c
WHERE p.category_id = c.id;

-- One row per allocation; a key pair allocated nowhere shows once, with
-- NULL state, keytype and zone_id.
CREATE OR REPLACE VIEW KEYDATA_VIEW AS
SELECT k.id AS id, d.state AS state, k.generate AS generate, d.publish AS publish,
	d.ready AS ready, d.active AS active, d.retire AS retire, d.dead AS dead,
	d.keytype AS keytype, k.algorithm AS algorithm, k.HSMkey_id AS location,
	d.zone_id AS zone_id, k.policy_id AS policy_id,
	k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, k.fixedDate AS fixedDate,
	d.rfc5011 AS rfc5011, d.revoked AS revoked
FROM keypairs k LEFT OUTER JOIN dnsseckeys d ON k.id = d.keypair_id;

-- Each key pair against each zone of its policy (zone_id NULL when the
-- policy has no zone) ...
CREATE OR REPLACE VIEW INT_KEYALLOC_VIEW_FOR_MYSQL AS
SELECT k.id AS id, k.HSMkey_id AS location, k.algorithm AS algorithm,
	k.policy_id AS policy_id, k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, z.id AS zone_id
FROM keypairs k LEFT JOIN zones z ON k.policy_id = z.policy_id;

-- ... and whether the pair is allocated to that zone: zone_id is NULL where not.
CREATE OR REPLACE VIEW KEYALLOC_VIEW AS
SELECT i.id AS id, i.location AS location, i.algorithm AS algorithm,
	i.policy_id AS policy_id, i.securitymodule_id AS securitymodule_id, i.size AS size,
	i.compromisedflag AS compromisedflag, d.zone_id AS zone_id
FROM INT_KEYALLOC_VIEW_FOR_MYSQL i
	LEFT JOIN dnsseckeys d ON d.zone_id = i.zone_id AND i.id = d.keypair_id;

INSERT IGNORE INTO categories (id, name) VALUES (1, 'signature');
INSERT IGNORE INTO categories (id, name) VALUES (2, 'denial');
INSERT IGNORE INTO categories (id, name) VALUES (3, 'ksk');
INSERT IGNORE INTO categories (id, name) VALUES (4, 'zsk');
INSERT IGNORE INTO categories (id, name) VALUES (5, 'keys');
INSERT IGNORE INTO categories (id, name) VALUES (6, 'enforcer');
INSERT IGNORE INTO categories (id, name) VALUES (7, 'zone');
INSERT IGNORE INTO categories (id, name) VALUES (8, 'parent');
INSERT IGNORE INTO categories (id, name) VALUES (9, 'audit');

INSERT IGNORE INTO serialmodes (id, name, description) VALUES (1, 'unixtime', 'seconds since 1970-01-01');
INSERT IGNORE INTO serialmodes (id, name, description) VALUES (2, 'counter', 'add one to the serial');
INSERT IGNORE INTO serialmodes (id, name, description) VALUES (3, 'datecounter', 'YYYYMMDDnn');
INSERT IGNORE INTO serialmodes (id, name, description) VALUES (4, 'keep', 'serial of the unsigned zone');

INSERT IGNORE INTO parameters (id, name, description, category_id) VALUES
	(1, 'resign', 'interval between signer runs (s)', 1),
	(2, 'refresh', 'refresh a signature this long before it expires (s)', 1),
	(3, 'jitter', 'random spread of signature expiry (s)', 1),
	(4, 'clockskew', 'signature inception offset (s)', 1),
	(5, 'ttl', 'unused', 1),
	(6, 'valdefault', 'validity of signatures (s)', 1),
	(7, 'valdenial', 'validity of NSEC/NSEC3 signatures (s)', 1),
	(8, 'ttl', 'TTL of NSEC3PARAM (s)', 2),
	(9, 'version', 'denial of existence: 1 NSEC, 3 NSEC3', 2),
	(10, 'optout', 'NSEC3 opt-out: 0 or 1', 2),
	(11, 'resalt', 'interval between NSEC3 salt changes (s)', 2),
	(12, 'algorithm', 'NSEC3 hash algorithm', 2),
	(13, 'iterations', 'NSEC3 iterations', 2),
	(14, 'saltlength', 'NSEC3 salt length (octets)', 2),
	(15, 'ttl', 'TTL of DNSKEY records (s)', 5),
	(16, 'retiresafety', 'margin after a key retires (s)', 5),
	(17, 'publishsafety', 'margin before a key is used (s)', 5),
	(18, 'algorithm', 'KSK algorithm', 3),
	(19, 'bits', 'KSK size (bits)', 3),
	(20, 'lifetime', 'KSK lifetime (s), 0 for unlimited', 3),
	(21, 'standby', 'number of standby KSKs', 3),
	(22, 'repository', 'repository (securitymodules id) of KSKs', 3),
	(23, 'rfc5011', 'KSK rolls use RFC 5011 timing: 0 or 1', 3),
	(24, 'revoked', 'unused', 3),
	(25, 'algorithm', 'ZSK algorithm', 4),
	(26, 'bits', 'ZSK size (bits)', 4),
	(27, 'lifetime', 'ZSK lifetime (s), 0 for unlimited', 4),
	(28, 'standby', 'number of standby ZSKs', 4),
	(29, 'repository', 'repository (securitymodules id) of ZSKs', 4),
	(30, 'propagationdelay', 'time for the zone to reach all secondaries (s)', 7),
	(31, 'ttl', 'TTL of the SOA record (s)', 7),
	(32, 'min', 'SOA minimum (s)', 7),
	(33, 'serial', 'SOA serial mode (serialmodes id)', 7),
	(34, 'propagationdelay', 'time for the parent zone to reach its secondaries (s)', 8),
	(35, 'ttl', 'TTL of the parent SOA (s)', 8),
	(36, 'min', 'parent SOA minimum (s)', 8),
	(37, 'ttlds', 'TTL of the DS at the parent (s)', 8),
	(38, 'interval', 'unused', 6),
	(39, 'keygeninterval', 'unused', 6),
	(40, 'backupdelay', 'unused', 6),
	(41, 'zones_share_keys', 'zones of the policy share keys: 0 or 1', 5),
	(42, 'registrationdelay', 'unused', 8),
	(43, 'manual_rollover', 'KSK rolls only on request: 0 or 1', 3),
	(44, 'manual_rollover', 'ZSK rolls only on request: 0 or 1', 4),
	(45, 'audit', 'unused (OpenDNSSEC 1.3)', 9),
	(46, 'purge', 'keep dead keys this long, then delete them (s)', 5);

-- Last, so that only a complete file looks like a 1.4 database.
INSERT INTO dbadmin (version, description)
SELECT 4, 'Keep in sync with the code' FROM DUAL WHERE NOT EXISTS (SELECT 1 FROM dbadmin);
