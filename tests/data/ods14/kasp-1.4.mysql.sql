-- An OpenDNSSEC 1.4 KASP database on MySQL (dbadmin version 4), written
-- independently of migrations/0001_baseline.mysql.sql in the layout 1.4's
-- MySQL creation script left after its upgrades: lower-case statements, no
-- character set named (the server's default), InnoDB, anonymous foreign keys
-- except dnsseckeys_keypairs_id, none on dnsseckeys.zone_id, the audit
-- category and parameter.
--
-- The tables are made as a server of 1.4's time made them
-- (explicit_defaults_for_timestamp off), so the bare policies.salt_stamp is
-- the NOT NULL, auto-updating TIMESTAMP of quirk Q13.
--
-- Below the seed rows: one repository, policy "default", zone example.com,
-- one key pair and its allocation. 1.4 wrote local time into TIMESTAMP
-- columns and the server stored it as UTC; here the session time zone is
-- +02:00 (a host in Amsterdam in summer), so '2014-06-01 12:00:00' below is
-- 10:00:00 UTC.

set session explicit_defaults_for_timestamp = 0;
set time_zone = '+02:00';

create table dbadmin (
  version int not null,
  description varchar(255)
) engine=InnoDB;
insert into dbadmin values (4, 'Keep in sync with the code');

create table categories (
  id tinyint not null auto_increment,
  name varchar(30) not null,
  primary key (id)
) engine=InnoDB;

create table parameters (
  id mediumint not null auto_increment,
  name varchar(30) not null,
  description varchar(255),
  category_id tinyint not null,
  primary key (id),
  unique (name, category_id),
  foreign key (category_id) references categories (id)
) engine=InnoDB;

create table serialmodes (
  id tinyint not null auto_increment,
  name varchar(30),
  description varchar(255),
  primary key (id)
) engine=InnoDB;

create table policies (
  id mediumint not null auto_increment,
  name varchar(30) not null,
  description varchar(255),
  salt varchar(512),
  salt_stamp timestamp,
  audit varchar(1024),
  primary key (id),
  unique (name)
) engine=InnoDB;

create table zones (
  id mediumint not null auto_increment,
  name varchar(300) not null,
  policy_id mediumint not null,
  signconf varchar(4096),
  input varchar(4096),
  output varchar(4096),
  in_type varchar(512),
  out_type varchar(512),
  primary key (id),
  foreign key (policy_id) references policies (id)
) engine=InnoDB;

create table securitymodules (
  id tinyint not null auto_increment,
  name varchar(30) not null,
  capacity mediumint not null,
  requirebackup tinyint default 1,
  primary key (id)
) engine=InnoDB;

create table keypairs (
  id int not null auto_increment,
  HSMkey_id varchar(255) not null,
  algorithm tinyint not null,
  size smallint,
  securitymodule_id tinyint,
  generate timestamp null default null,
  policy_id mediumint,
  compromisedflag tinyint,
  publickey varchar(1024),
  pre_backup timestamp null default null,
  backup timestamp null default null,
  fixedDate tinyint default 0,
  primary key (id),
  foreign key (securitymodule_id) references securitymodules (id),
  foreign key (policy_id) references policies (id)
) engine=InnoDB;

create table dnsseckeys (
  id int not null auto_increment,
  keypair_id int,
  zone_id mediumint,
  keytype smallint not null,
  state tinyint,
  publish timestamp null default null,
  ready timestamp null default null,
  active timestamp null default null,
  retire timestamp null default null,
  dead timestamp null default null,
  rfc5011 tinyint default 0,
  revoked tinyint default 0,
  primary key (id),
  constraint dnsseckeys_keypairs_id foreign key (keypair_id) references keypairs (id)
) engine=InnoDB;

create table parameters_policies (
  id int not null auto_increment,
  parameter_id mediumint not null,
  policy_id mediumint not null,
  value int,
  primary key (id),
  foreign key (parameter_id) references parameters (id),
  foreign key (policy_id) references policies (id)
) engine=InnoDB;

create or replace view PARAMETER_VIEW as
  select p.name as name, c.name as category, p.id as parameter_id,
         pp.value as value, pp.policy_id as policy_id
  from parameters_policies pp, parameters p, categories c
  where pp.parameter_id = p.id and p.category_id = c.id;

create or replace view PARAMETER_LIST as
  select p.name as name, c.name as category, p.id as parameter_id
  from parameters p, categories c
  where p.category_id = c.id;

create or replace view KEYDATA_VIEW as
  select k.id as id, d.state as state, k.generate as generate,
         d.publish as publish, d.ready as ready, d.active as active,
         d.retire as retire, d.dead as dead, d.keytype as keytype,
         k.algorithm as algorithm, k.HSMkey_id as location, d.zone_id as zone_id,
         k.policy_id as policy_id, k.securitymodule_id as securitymodule_id,
         k.size as size, k.compromisedflag as compromisedflag,
         k.fixedDate as fixedDate, d.rfc5011 as rfc5011, d.revoked as revoked
  from keypairs k left outer join dnsseckeys d on k.id = d.keypair_id;

create or replace view INT_KEYALLOC_VIEW_FOR_MYSQL as
  select k.id as id, k.HSMkey_id as location, k.algorithm as algorithm,
         k.policy_id as policy_id, k.securitymodule_id as securitymodule_id,
         k.size as size, k.compromisedflag as compromisedflag, z.id as zone_id
  from keypairs k left join zones z on k.policy_id = z.policy_id;

create or replace view KEYALLOC_VIEW as
  select i.id as id, i.location as location, i.algorithm as algorithm,
         i.policy_id as policy_id, i.securitymodule_id as securitymodule_id,
         i.size as size, i.compromisedflag as compromisedflag, d.zone_id as zone_id
  from INT_KEYALLOC_VIEW_FOR_MYSQL i left join dnsseckeys d
       on d.zone_id = i.zone_id and i.id = d.keypair_id;

insert into categories (name) values ('signature'), ('denial'), ('ksk'), ('zsk'), ('keys'),
  ('enforcer'), ('zone'), ('parent'), ('audit');

insert into serialmodes (name, description) values ('unixtime', 'unix time'),
  ('counter', 'plus one'), ('datecounter', 'date and counter'), ('keep', 'as in the input');

insert into parameters (name, description, category_id) values
  ('resign', 'r', 1), ('refresh', 'r', 1), ('jitter', 'r', 1), ('clockskew', 'r', 1),
  ('ttl', 'r', 1), ('valdefault', 'r', 1), ('valdenial', 'r', 1),
  ('ttl', 'r', 2), ('version', 'r', 2), ('optout', 'r', 2), ('resalt', 'r', 2),
  ('algorithm', 'r', 2), ('iterations', 'r', 2), ('saltlength', 'r', 2),
  ('ttl', 'r', 5), ('retiresafety', 'r', 5), ('publishsafety', 'r', 5),
  ('algorithm', 'r', 3), ('bits', 'r', 3), ('lifetime', 'r', 3), ('standby', 'r', 3),
  ('repository', 'r', 3), ('rfc5011', 'r', 3), ('revoked', 'r', 3),
  ('algorithm', 'r', 4), ('bits', 'r', 4), ('lifetime', 'r', 4), ('standby', 'r', 4),
  ('repository', 'r', 4),
  ('propagationdelay', 'r', 7), ('ttl', 'r', 7), ('min', 'r', 7), ('serial', 'r', 7),
  ('propagationdelay', 'r', 8), ('ttl', 'r', 8), ('min', 'r', 8), ('ttlds', 'r', 8),
  ('interval', 'r', 6), ('keygeninterval', 'r', 6), ('backupdelay', 'r', 6),
  ('zones_share_keys', 'r', 5), ('registrationdelay', 'r', 8),
  ('manual_rollover', 'r', 3), ('manual_rollover', 'r', 4),
  ('audit', 'r', 9), ('purge', 'r', 5);

-- ----------------------------------------------------------- installation data
insert into securitymodules (name, capacity, requirebackup) values ('SoftHSM', 0, 1);

insert into policies (name, description, salt, salt_stamp, audit)
  values ('default', 'A default policy', 'a1b2c3d4e5f60718', '2014-06-01 12:00:00', NULL);

-- resign PT2H, ksk lifetime P1Y, zsk lifetime P90D, zsk repository SoftHSM
insert into parameters_policies (parameter_id, policy_id, value) values
  (1, 1, 7200), (20, 1, 31536000), (27, 1, 7776000), (29, 1, 1);

insert into zones (name, policy_id, signconf, input, output, in_type, out_type)
  values ('example.com', 1, '/var/lib/opendnssec/signconf/example.com.xml',
          '/var/lib/opendnssec/unsigned/example.com',
          '/var/lib/opendnssec/signed/example.com', 'File', 'File');

insert into keypairs (HSMkey_id, algorithm, size, securitymodule_id, generate, policy_id,
                      compromisedflag, publickey, pre_backup, backup, fixedDate)
  values ('6a8c5d1e0f9b4c2aa3e7d2b1c0f9e8d7', 8, 2048, 1, '2014-06-01 12:00:00', 1,
          NULL, NULL, '2014-06-02 09:00:00', '2014-06-02 09:30:00', 0);

insert into dnsseckeys (keypair_id, zone_id, keytype, state, publish, ready, active, retire, dead)
  values (1, 1, 257, 4, '2014-06-01 12:00:00', '2014-06-02 12:00:00',
          '2014-06-03 12:00:00', '2015-06-03 12:00:00', NULL);
