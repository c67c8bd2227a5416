-- generated from migrations/ by tools/schema-dump; do not edit
-- dialect mysql, schema version 6

CREATE TABLE categories (
	id tinyint(4) NOT NULL AUTO_INCREMENT,
	name varchar(30) NOT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE cluster_leader (
	id int(11) NOT NULL,
	epoch bigint(20) NOT NULL DEFAULT 0,
	node varchar(300) DEFAULT NULL,
	since varchar(64) DEFAULT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE cluster_nodes (
	host varchar(255) NOT NULL,
	pid int(11) NOT NULL,
	role varchar(16) NOT NULL,
	version varchar(64) NOT NULL,
	started varchar(64) NOT NULL,
	heartbeat varchar(64) NOT NULL,
	pass_started varchar(64) DEFAULT NULL,
	pass_finished varchar(64) DEFAULT NULL,
	pass_outcome varchar(255) DEFAULT NULL,
	PRIMARY KEY (host, pid)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE dbadmin (
	version int(11) NOT NULL,
	description varchar(255) DEFAULT NULL
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE dnsseckeys (
	id int(11) NOT NULL AUTO_INCREMENT,
	keypair_id int(11) DEFAULT NULL,
	zone_id mediumint(9) DEFAULT NULL,
	keytype smallint(6) NOT NULL,
	state tinyint(4) DEFAULT NULL,
	publish datetime DEFAULT NULL,
	ready datetime DEFAULT NULL,
	active datetime DEFAULT NULL,
	retire datetime DEFAULT NULL,
	dead datetime DEFAULT NULL,
	rfc5011 tinyint(4) DEFAULT 0,
	revoked tinyint(4) DEFAULT 0,
	PRIMARY KEY (id),
	CONSTRAINT dnsseckeys_keypairs_id FOREIGN KEY (keypair_id) REFERENCES keypairs (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE keypairs (
	id int(11) NOT NULL AUTO_INCREMENT,
	HSMkey_id varchar(255) NOT NULL,
	algorithm tinyint(4) NOT NULL,
	size smallint(6) DEFAULT NULL,
	securitymodule_id tinyint(4) DEFAULT NULL,
	generate datetime DEFAULT NULL,
	policy_id mediumint(9) DEFAULT NULL,
	compromisedflag tinyint(4) DEFAULT NULL,
	publickey varchar(1024) DEFAULT NULL,
	pre_backup datetime DEFAULT NULL,
	backup datetime DEFAULT NULL,
	fixedDate tinyint(4) DEFAULT 0,
	PRIMARY KEY (id),
	CONSTRAINT keypairs_ibfk_1 FOREIGN KEY (securitymodule_id) REFERENCES securitymodules (id),
	CONSTRAINT keypairs_ibfk_2 FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE parameters (
	id mediumint(9) NOT NULL AUTO_INCREMENT,
	name varchar(30) NOT NULL,
	description varchar(255) DEFAULT NULL,
	category_id tinyint(4) NOT NULL,
	PRIMARY KEY (id),
	CONSTRAINT parameters_ibfk_1 FOREIGN KEY (category_id) REFERENCES categories (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE parameters_policies (
	id int(11) NOT NULL AUTO_INCREMENT,
	parameter_id mediumint(9) NOT NULL,
	policy_id mediumint(9) NOT NULL,
	value int(11) DEFAULT NULL,
	PRIMARY KEY (id),
	CONSTRAINT parameters_policies_ibfk_1 FOREIGN KEY (parameter_id) REFERENCES parameters (id),
	CONSTRAINT parameters_policies_ibfk_2 FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE policies (
	id mediumint(9) NOT NULL AUTO_INCREMENT,
	name varchar(30) NOT NULL,
	description varchar(255) DEFAULT NULL,
	salt varchar(512) DEFAULT NULL,
	salt_stamp datetime DEFAULT NULL,
	audit varchar(1024) DEFAULT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE schema_migrations (
	version int(11) NOT NULL,
	name varchar(255) NOT NULL,
	checksum varchar(64) NOT NULL,
	applied_at datetime NOT NULL,
	PRIMARY KEY (version)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE securitymodules (
	id tinyint(4) NOT NULL AUTO_INCREMENT,
	name varchar(30) NOT NULL,
	capacity mediumint(9) NOT NULL,
	requirebackup tinyint(4) DEFAULT 1,
	PRIMARY KEY (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE serialmodes (
	id tinyint(4) NOT NULL AUTO_INCREMENT,
	name varchar(30) DEFAULT NULL,
	description varchar(255) DEFAULT NULL,
	PRIMARY KEY (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE TABLE zones (
	id mediumint(9) NOT NULL AUTO_INCREMENT,
	name varchar(300) NOT NULL,
	policy_id mediumint(9) NOT NULL,
	signconf varchar(4096) DEFAULT NULL,
	input varchar(4096) DEFAULT NULL,
	output varchar(4096) DEFAULT NULL,
	in_type varchar(512) DEFAULT NULL,
	out_type varchar(512) DEFAULT NULL,
	ds_pending smallint(6) NOT NULL DEFAULT 0,
	canon varchar(300) DEFAULT NULL,
	PRIMARY KEY (id),
	CONSTRAINT zones_ibfk_1 FOREIGN KEY (policy_id) REFERENCES policies (id)
) ENGINE=InnoDB COLLATE=utf8mb4_bin;

CREATE INDEX dnsseckeys_keypairs_id ON dnsseckeys (keypair_id);

CREATE INDEX dnsseckeys_zone_keypair ON dnsseckeys (zone_id, keypair_id);

CREATE INDEX idx9 ON dnsseckeys (zone_id, keytype, state);

CREATE INDEX keypairs_locator ON keypairs (HSMkey_id);

CREATE INDEX policy_id ON keypairs (policy_id);

CREATE INDEX securitymodule_id ON keypairs (securitymodule_id);

CREATE INDEX category_id ON parameters (category_id);

CREATE UNIQUE INDEX name ON parameters (name, category_id);

CREATE INDEX parameter_id ON parameters_policies (parameter_id);

CREATE INDEX policy_id ON parameters_policies (policy_id);

CREATE UNIQUE INDEX name ON policies (name);

CREATE INDEX policy_id ON zones (policy_id);

CREATE UNIQUE INDEX zones_canon ON zones (canon);

CREATE UNIQUE INDEX zones_name ON zones (name);

CREATE VIEW INT_KEYALLOC_VIEW_FOR_MYSQL AS select `k`.`id` AS `id`,`k`.`HSMkey_id` AS `location`,`k`.`algorithm` AS `algorithm`,`k`.`policy_id` AS `policy_id`,`k`.`securitymodule_id` AS `securitymodule_id`,`k`.`size` AS `size`,`k`.`compromisedflag` AS `compromisedflag`,`z`.`id` AS `zone_id` from (`keypairs` `k` left join `zones` `z` on(`k`.`policy_id` = `z`.`policy_id`));

CREATE VIEW KEYALLOC_VIEW AS select `i`.`id` AS `id`,`i`.`location` AS `location`,`i`.`algorithm` AS `algorithm`,`i`.`policy_id` AS `policy_id`,`i`.`securitymodule_id` AS `securitymodule_id`,`i`.`size` AS `size`,`i`.`compromisedflag` AS `compromisedflag`,`d`.`zone_id` AS `zone_id` from (`INT_KEYALLOC_VIEW_FOR_MYSQL` `i` left join `dnsseckeys` `d` on(`d`.`zone_id` = `i`.`zone_id` and `i`.`id` = `d`.`keypair_id`));

CREATE VIEW KEYDATA_VIEW AS select `k`.`id` AS `id`,`d`.`state` AS `state`,`k`.`generate` AS `generate`,`d`.`publish` AS `publish`,`d`.`ready` AS `ready`,`d`.`active` AS `active`,`d`.`retire` AS `retire`,`d`.`dead` AS `dead`,`d`.`keytype` AS `keytype`,`k`.`algorithm` AS `algorithm`,`k`.`HSMkey_id` AS `location`,`d`.`zone_id` AS `zone_id`,`k`.`policy_id` AS `policy_id`,`k`.`securitymodule_id` AS `securitymodule_id`,`k`.`size` AS `size`,`k`.`compromisedflag` AS `compromisedflag`,`k`.`fixedDate` AS `fixedDate`,`d`.`rfc5011` AS `rfc5011`,`d`.`revoked` AS `revoked` from (`keypairs` `k` left join `dnsseckeys` `d` on(`k`.`id` = `d`.`keypair_id`));

CREATE VIEW PARAMETER_LIST AS select `p`.`name` AS `name`,`c`.`name` AS `category`,`p`.`id` AS `parameter_id` from `parameters` `p` join `categories` `c` where `p`.`category_id` = `c`.`id`;

CREATE VIEW PARAMETER_VIEW AS select `p`.`name` AS `name`,`c`.`name` AS `category`,`p`.`id` AS `parameter_id`,`pp`.`value` AS `value`,`pp`.`policy_id` AS `policy_id` from `parameters_policies` `pp` join `parameters` `p` join `categories` `c` where `pp`.`parameter_id` = `p`.`id` and `p`.`category_id` = `c`.`id`;
