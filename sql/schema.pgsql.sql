-- generated from migrations/ by tools/schema-dump; do not edit
-- dialect pgsql, schema version 6

CREATE TABLE categories (
	id integer NOT NULL DEFAULT nextval('categories_id_seq'::regclass),
	name character varying(30) NOT NULL,
	CONSTRAINT categories_pkey PRIMARY KEY (id)
);

CREATE TABLE cluster_leader (
	id integer NOT NULL,
	epoch bigint NOT NULL DEFAULT 0,
	node character varying(300) DEFAULT NULL::character varying,
	since character varying(64) DEFAULT NULL::character varying,
	CONSTRAINT cluster_leader_pkey PRIMARY KEY (id)
);

CREATE TABLE cluster_nodes (
	host character varying(255) NOT NULL,
	pid integer NOT NULL,
	role character varying(16) NOT NULL,
	version character varying(64) NOT NULL,
	started character varying(64) NOT NULL,
	heartbeat character varying(64) NOT NULL,
	pass_started character varying(64) DEFAULT NULL::character varying,
	pass_finished character varying(64) DEFAULT NULL::character varying,
	pass_outcome character varying(255) DEFAULT NULL::character varying,
	CONSTRAINT cluster_nodes_pkey PRIMARY KEY (host, pid)
);

CREATE TABLE dbadmin (
	version integer NOT NULL DEFAULT 1,
	description text
);

CREATE TABLE dnsseckeys (
	id integer NOT NULL DEFAULT nextval('dnsseckeys_id_seq'::regclass),
	keypair_id integer,
	zone_id integer,
	keytype smallint NOT NULL,
	state smallint,
	publish timestamp(0) without time zone,
	ready timestamp(0) without time zone,
	active timestamp(0) without time zone,
	retire timestamp(0) without time zone,
	dead timestamp(0) without time zone,
	rfc5011 smallint DEFAULT 0,
	revoked smallint DEFAULT 0,
	CONSTRAINT dnsseckeys_keypairs_id FOREIGN KEY (keypair_id) REFERENCES keypairs(id),
	CONSTRAINT dnsseckeys_pkey PRIMARY KEY (id)
);

CREATE TABLE keypairs (
	id integer NOT NULL DEFAULT nextval('keypairs_id_seq'::regclass),
	hsmkey_id character varying(255) NOT NULL,
	algorithm smallint NOT NULL,
	size smallint,
	securitymodule_id smallint,
	generate timestamp(0) without time zone,
	policy_id integer,
	compromisedflag smallint,
	publickey character varying(1024),
	pre_backup timestamp(0) without time zone,
	backup timestamp(0) without time zone,
	fixeddate smallint DEFAULT 0,
	CONSTRAINT keypairs_policy_id_fkey FOREIGN KEY (policy_id) REFERENCES policies(id),
	CONSTRAINT keypairs_securitymodule_id_fkey FOREIGN KEY (securitymodule_id) REFERENCES securitymodules(id),
	CONSTRAINT keypairs_pkey PRIMARY KEY (id)
);

CREATE TABLE parameters (
	id integer NOT NULL DEFAULT nextval('parameters_id_seq'::regclass),
	name character varying(30) NOT NULL,
	description character varying(255),
	category_id smallint NOT NULL,
	CONSTRAINT parameters_category_id_fkey FOREIGN KEY (category_id) REFERENCES categories(id),
	CONSTRAINT parameters_pkey PRIMARY KEY (id),
	CONSTRAINT parameters_name_category_id_key UNIQUE (name, category_id)
);

CREATE TABLE parameters_policies (
	id integer NOT NULL DEFAULT nextval('parameters_policies_id_seq'::regclass),
	parameter_id integer NOT NULL,
	policy_id integer NOT NULL,
	value integer,
	CONSTRAINT parameters_policies_parameter_id_fkey FOREIGN KEY (parameter_id) REFERENCES parameters(id),
	CONSTRAINT parameters_policies_policy_id_fkey FOREIGN KEY (policy_id) REFERENCES policies(id),
	CONSTRAINT parameters_policies_pkey PRIMARY KEY (id)
);

CREATE TABLE policies (
	id integer NOT NULL DEFAULT nextval('policies_id_seq'::regclass),
	name character varying(30) NOT NULL,
	description character varying(255),
	salt character varying(512),
	salt_stamp timestamp(0) without time zone,
	audit text,
	CONSTRAINT policies_pkey PRIMARY KEY (id),
	CONSTRAINT policies_name_key UNIQUE (name)
);

CREATE TABLE schema_migrations (
	version integer NOT NULL,
	name character varying(255) NOT NULL,
	checksum character varying(64) NOT NULL,
	applied_at timestamp(0) without time zone NOT NULL,
	CONSTRAINT schema_migrations_pkey PRIMARY KEY (version)
);

CREATE TABLE securitymodules (
	id integer NOT NULL DEFAULT nextval('securitymodules_id_seq'::regclass),
	name character varying(30) NOT NULL,
	capacity integer NOT NULL,
	requirebackup smallint DEFAULT 1,
	CONSTRAINT securitymodules_pkey PRIMARY KEY (id)
);

CREATE TABLE serialmodes (
	id integer NOT NULL DEFAULT nextval('serialmodes_id_seq'::regclass),
	name character varying(30),
	description character varying(255),
	CONSTRAINT serialmodes_pkey PRIMARY KEY (id)
);

CREATE TABLE zones (
	id integer NOT NULL DEFAULT nextval('zones_id_seq'::regclass),
	name character varying(300) NOT NULL,
	policy_id integer NOT NULL,
	signconf character varying(4096),
	input character varying(4096),
	output character varying(4096),
	in_type character varying(512),
	out_type character varying(512),
	ds_pending smallint NOT NULL DEFAULT 0,
	canon character varying(300),
	CONSTRAINT zones_policy_id_fkey FOREIGN KEY (policy_id) REFERENCES policies(id),
	CONSTRAINT zones_pkey PRIMARY KEY (id)
);

CREATE INDEX dnsseckeys_zone_keypair ON dnsseckeys USING btree (zone_id, keypair_id);

CREATE INDEX idx1 ON dnsseckeys USING btree (zone_id);

CREATE INDEX idx2 ON dnsseckeys USING btree (keypair_id);

CREATE INDEX idx3 ON keypairs USING btree (securitymodule_id);

CREATE INDEX idx4 ON keypairs USING btree (policy_id);

CREATE INDEX idx5 ON zones USING btree (policy_id);

CREATE INDEX idx6 ON parameters USING btree (category_id);

CREATE INDEX idx7 ON parameters_policies USING btree (parameter_id);

CREATE INDEX idx8 ON parameters_policies USING btree (policy_id);

CREATE INDEX idx9 ON dnsseckeys USING btree (zone_id, keytype, state);

CREATE INDEX keypairs_locator ON keypairs USING btree (hsmkey_id);

CREATE UNIQUE INDEX zones_canon ON zones USING btree (canon);

CREATE UNIQUE INDEX zones_name ON zones USING btree (name);

CREATE VIEW keyalloc_view AS
 SELECT k.id,
    k.hsmkey_id AS location,
    k.algorithm,
    k.policy_id,
    k.securitymodule_id,
    k.size,
    k.compromisedflag,
    d.zone_id
   FROM keypairs k
     LEFT JOIN zones z ON k.policy_id = z.policy_id
     LEFT JOIN dnsseckeys d ON d.zone_id = z.id AND k.id = d.keypair_id;

CREATE VIEW keydata_view AS
 SELECT k.id,
    d.state,
    k.generate,
    d.publish,
    d.ready,
    d.active,
    d.retire,
    d.dead,
    d.keytype,
    k.algorithm,
    k.hsmkey_id AS location,
    d.zone_id,
    k.policy_id,
    k.securitymodule_id,
    k.size,
    k.compromisedflag,
    k.fixeddate,
    d.rfc5011,
    d.revoked
   FROM keypairs k
     LEFT JOIN dnsseckeys d ON k.id = d.keypair_id;

CREATE VIEW parameter_list AS
 SELECT p.name,
    c.name AS category,
    p.id AS parameter_id
   FROM parameters p,
    categories c
  WHERE p.category_id = c.id;

CREATE VIEW parameter_view AS
 SELECT p.name,
    c.name AS category,
    p.id AS parameter_id,
    pp.value,
    pp.policy_id
   FROM parameters_policies pp,
    parameters p,
    categories c
  WHERE pp.parameter_id = p.id AND p.category_id = c.id;
