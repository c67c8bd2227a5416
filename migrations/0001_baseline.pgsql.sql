-- 0001 baseline (PostgreSQL): the OpenDNSSEC 1.4 KASP schema, dbadmin version 4.
--
-- OpenDNSSEC 1.4 had no PostgreSQL backend, so there is nothing to adopt:
-- this file only has to give the same tables, columns, views, indexes and
-- seed rows as the SQLite baseline, in PostgreSQL types:
--  - ids are SERIAL; the seed rows below carry explicit ids, so the
--    sequences are moved past them at the end;
--  - tinyint/smallint become SMALLINT, mediumint/int INTEGER, except where a
--    column refers to a key pair or a zone (INTEGER, so large registries fit);
--  - dates are TIMESTAMP(0) WITHOUT TIME ZONE holding UTC (the program binds
--    and reads the text form "YYYY-MM-DD HH:MM:SS");
--  - KEYALLOC_VIEW has the outer-join meaning 1.4 had on MySQL: key pairs of
--    a policy without zones appear once with zone_id NULL.
-- Unquoted identifiers fold to lower case (HSMkey_id is hsmkey_id, the views
-- are keydata_view ...); queries leave them unquoted and so find them.
-- PostgreSQL DDL is transactional: the runner applies this file as one
-- transaction.

CREATE TABLE dbadmin (
	version INTEGER NOT NULL DEFAULT 1,
	description TEXT
);

CREATE TABLE securitymodules (
	id SERIAL PRIMARY KEY,
	name VARCHAR(30) NOT NULL,
	capacity INTEGER NOT NULL,
	requirebackup SMALLINT DEFAULT 1
);

CREATE TABLE categories (
	id SERIAL PRIMARY KEY,
	name VARCHAR(30) NOT NULL
);

CREATE TABLE parameters (
	id SERIAL PRIMARY KEY,
	name VARCHAR(30) NOT NULL,
	description VARCHAR(255),
	category_id SMALLINT NOT NULL REFERENCES categories (id),
	UNIQUE (name, category_id)
);

CREATE TABLE serialmodes (
	id SERIAL PRIMARY KEY,
	name VARCHAR(30),
	description VARCHAR(255)
);

CREATE TABLE policies (
	id SERIAL PRIMARY KEY,
	name VARCHAR(30) NOT NULL UNIQUE,
	description VARCHAR(255),
	salt VARCHAR(512),
	salt_stamp TIMESTAMP(0) WITHOUT TIME ZONE,
	audit TEXT
);

CREATE TABLE zones (
	id SERIAL PRIMARY KEY,
	name VARCHAR(300) NOT NULL,
	policy_id INTEGER NOT NULL REFERENCES policies (id),
	signconf VARCHAR(4096),
	input VARCHAR(4096),
	output VARCHAR(4096),
	in_type VARCHAR(512),
	out_type VARCHAR(512)
);

CREATE TABLE keypairs (
	id SERIAL PRIMARY KEY,
	HSMkey_id VARCHAR(255) NOT NULL,
	algorithm SMALLINT NOT NULL,
	size SMALLINT,
	securitymodule_id SMALLINT REFERENCES securitymodules (id),
	generate TIMESTAMP(0) WITHOUT TIME ZONE,
	policy_id INTEGER REFERENCES policies (id),
	compromisedflag SMALLINT,
	publickey VARCHAR(1024),
	pre_backup TIMESTAMP(0) WITHOUT TIME ZONE,
	backup TIMESTAMP(0) WITHOUT TIME ZONE,
	fixedDate SMALLINT DEFAULT 0
);

-- zone_id has no foreign key on purpose: allocations outlive deleted zones.
CREATE TABLE dnsseckeys (
	id SERIAL PRIMARY KEY,
	keypair_id INTEGER,
	zone_id INTEGER,
	keytype SMALLINT NOT NULL,
	state SMALLINT,
	publish TIMESTAMP(0) WITHOUT TIME ZONE,
	ready TIMESTAMP(0) WITHOUT TIME ZONE,
	active TIMESTAMP(0) WITHOUT TIME ZONE,
	retire TIMESTAMP(0) WITHOUT TIME ZONE,
	dead TIMESTAMP(0) WITHOUT TIME ZONE,
	rfc5011 SMALLINT DEFAULT 0,
	revoked SMALLINT DEFAULT 0,
	CONSTRAINT dnsseckeys_keypairs_id FOREIGN KEY (keypair_id) REFERENCES keypairs (id)
);

CREATE TABLE parameters_policies (
	id SERIAL PRIMARY KEY,
	parameter_id INTEGER NOT NULL REFERENCES parameters (id),
	policy_id INTEGER NOT NULL REFERENCES policies (id),
	value INTEGER
);

CREATE VIEW PARAMETER_VIEW AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id, pp.value AS value,
	pp.policy_id AS policy_id
FROM parameters_policies pp, parameters p, categories c
WHERE pp.parameter_id = p.id AND p.category_id = c.id;

CREATE VIEW PARAMETER_LIST AS
SELECT p.name AS name, c.name AS category, p.id AS parameter_id
FROM parameters p, categories c
WHERE p.category_id = c.id;

-- One row per allocation; a key pair allocated nowhere shows once, with
-- NULL state, keytype and zone_id.
CREATE VIEW KEYDATA_VIEW AS
SELECT k.id AS id, d.state AS state, k.generate AS generate, d.publish AS publish,
	d.ready AS ready, d.active AS active, d.retire AS retire, d.dead AS dead,
	d.keytype AS keytype, k.algorithm AS algorithm, k.HSMkey_id AS location,
	d.zone_id AS zone_id, k.policy_id AS policy_id,
	k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, k.fixedDate AS fixedDate,
	d.rfc5011 AS rfc5011, d.revoked AS revoked
FROM keypairs k LEFT OUTER JOIN dnsseckeys d ON k.id = d.keypair_id;

-- Every key pair against every zone of its policy, zone_id being NULL where
-- the pair is not allocated to that zone. Outer joins throughout, as 1.4 had
-- on MySQL: a key pair of a policy without zones appears once.
CREATE VIEW KEYALLOC_VIEW AS
SELECT k.id AS id, k.HSMkey_id AS location, k.algorithm AS algorithm,
	k.policy_id AS policy_id, k.securitymodule_id AS securitymodule_id, k.size AS size,
	k.compromisedflag AS compromisedflag, d.zone_id AS zone_id
FROM keypairs k
	LEFT JOIN zones z ON k.policy_id = z.policy_id
	LEFT JOIN dnsseckeys d ON d.zone_id = z.id AND k.id = d.keypair_id;

CREATE INDEX idx1 ON dnsseckeys (zone_id);
CREATE INDEX idx2 ON dnsseckeys (keypair_id);
CREATE INDEX idx3 ON keypairs (securitymodule_id);
CREATE INDEX idx4 ON keypairs (policy_id);
CREATE INDEX idx5 ON zones (policy_id);
CREATE INDEX idx6 ON parameters (category_id);
CREATE INDEX idx7 ON parameters_policies (parameter_id);
CREATE INDEX idx8 ON parameters_policies (policy_id);

INSERT INTO dbadmin (version, description) VALUES (4, 'Keep in sync with the code');

INSERT INTO categories (id, name) VALUES (1, 'signature');
INSERT INTO categories (id, name) VALUES (2, 'denial');
INSERT INTO categories (id, name) VALUES (3, 'ksk');
INSERT INTO categories (id, name) VALUES (4, 'zsk');
INSERT INTO categories (id, name) VALUES (5, 'keys');
INSERT INTO categories (id, name) VALUES (6, 'enforcer');
INSERT INTO categories (id, name) VALUES (7, 'zone');
INSERT INTO categories (id, name) VALUES (8, 'parent');

INSERT INTO serialmodes (id, name, description) VALUES (1, 'unixtime', 'seconds since 1970-01-01');
INSERT INTO serialmodes (id, name, description) VALUES (2, 'counter', 'add one to the serial');
INSERT INTO serialmodes (id, name, description) VALUES (3, 'datecounter', 'YYYYMMDDnn');
INSERT INTO serialmodes (id, name, description) VALUES (4, 'keep', 'serial of the unsigned zone');

INSERT INTO parameters (id, name, description, category_id) VALUES
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
	(45, 'purge', 'keep dead keys this long, then delete them (s)', 5);

-- The seed rows took explicit ids; new rows must continue after them.
SELECT setval(pg_get_serial_sequence('categories', 'id'), (SELECT max(id) FROM categories));
SELECT setval(pg_get_serial_sequence('serialmodes', 'id'), (SELECT max(id) FROM serialmodes));
SELECT setval(pg_get_serial_sequence('parameters', 'id'), (SELECT max(id) FROM parameters));
