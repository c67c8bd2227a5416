-- An OpenDNSSEC 1.4 KASP database on SQLite (dbadmin version 4), written
-- independently of migrations/0001_baseline.sqlite.sql in the layout 1.4's
-- creation script uses (lower case, ids from autoincrement), so that a 0001
-- drifting away from 1.4 shows up in tests/unit/test_migrate.c.
-- Below the seed rows: one repository, policy "default", zone example.com,
-- two key pairs and their allocations, with dates in host-local time as 1.4
-- wrote them (the test loads this with TZ=Europe/Amsterdam).

create table dbadmin (
  version INTEGER not null default 1,
  description TEXT
);
insert into dbadmin values (4, 'Keep in sync with the code');

create table categories (
  id INTEGER primary key autoincrement,
  name varchar(30) not null
);

create table parameters (
  id INTEGER primary key autoincrement,
  name varchar(30) not null,
  description varchar(255),
  category_id tinyint not null,
  unique (name, category_id),
  foreign key (category_id) references categories (id)
);

create table serialmodes (
  id INTEGER primary key autoincrement,
  name varchar(30),
  description varchar(255)
);

create table policies (
  id INTEGER primary key autoincrement,
  name varchar(30) not null unique,
  description varchar(255),
  salt varchar(512),
  salt_stamp varchar(64),
  audit text
);

create table zones (
  id INTEGER primary key autoincrement,
  name varchar(300) not null,
  policy_id mediumint not null,
  signconf varchar(4096),
  input varchar(4096),
  output varchar(4096),
  in_type varchar(512),
  out_type varchar(512),
  foreign key (policy_id) references policies (id)
);

create table securitymodules (
  id INTEGER primary key autoincrement,
  name varchar(30) not null,
  capacity mediumint not null,
  requirebackup tinyint default 1
);

create table keypairs (
  id INTEGER primary key autoincrement,
  HSMkey_id varchar(255) not null,
  algorithm tinyint not null,
  size smallint,
  securitymodule_id tinyint,
  generate varchar(64) null default null,
  policy_id mediumint,
  compromisedflag tinyint,
  publickey varchar(1024),
  pre_backup varchar(64) null default null,
  backup varchar(64) null default null,
  fixedDate tinyint default 0,
  foreign key (securitymodule_id) references securitymodules (id),
  foreign key (policy_id) references policies (id)
);

create table dnsseckeys (
  id INTEGER primary key autoincrement,
  keypair_id smallint,
  zone_id mediumint,
  keytype smallint not null,
  state tinyint,
  publish varchar(64) null default null,
  ready varchar(64) null default null,
  active varchar(64) null default null,
  retire varchar(64) null default null,
  dead varchar(64) null default null,
  rfc5011 tinyint default 0,
  revoked tinyint default 0,
  foreign key (keypair_id) references keypairs (id)
);

create table parameters_policies (
  id INTEGER primary key autoincrement,
  parameter_id mediumint not null,
  policy_id mediumint not null,
  value int,
  foreign key (parameter_id) references parameters (id),
  foreign key (policy_id) references policies (id)
);

create view PARAMETER_VIEW as
  select p.name as name, c.name as category, p.id as parameter_id,
         pp.value as value, pp.policy_id as policy_id
  from parameters_policies pp, parameters p, categories c
  where pp.parameter_id = p.id and p.category_id = c.id;

create view PARAMETER_LIST as
  select p.name as name, c.name as category, p.id as parameter_id
  from parameters p, categories c
  where p.category_id = c.id;

create view KEYDATA_VIEW as
  select k.id as id, d.state as state, k.generate as generate,
         d.publish as publish, d.ready as ready, d.active as active,
         d.retire as retire, d.dead as dead, d.keytype as keytype,
         k.algorithm as algorithm, k.HSMkey_id as location, d.zone_id as zone_id,
         k.policy_id as policy_id, k.securitymodule_id as securitymodule_id,
         k.size as size, k.compromisedflag as compromisedflag,
         k.fixedDate as fixedDate, d.rfc5011 as rfc5011, d.revoked as revoked
  from keypairs k left outer join dnsseckeys d on k.id = d.keypair_id;

create view KEYALLOC_VIEW as
  select k.id as id, k.HSMkey_id as location, k.algorithm as algorithm,
         k.policy_id as policy_id, k.securitymodule_id as securitymodule_id,
         k.size as size, k.compromisedflag as compromisedflag, d.zone_id as zone_id
  from keypairs k left join zones z left join dnsseckeys d
       on d.zone_id = z.id and k.id = d.keypair_id
  where k.policy_id = z.policy_id;

create index idx1 on dnsseckeys(zone_id);
create index idx2 on dnsseckeys(keypair_id);
create index idx3 on keypairs(securitymodule_id);
create index idx4 on keypairs(policy_id);
create index idx5 on zones(policy_id);
create index idx6 on parameters(category_id);
create index idx7 on parameters_policies(parameter_id);
create index idx8 on parameters_policies(policy_id);

insert into categories (name) values ('signature');
insert into categories (name) values ('denial');
insert into categories (name) values ('ksk');
insert into categories (name) values ('zsk');
insert into categories (name) values ('keys');
insert into categories (name) values ('enforcer');
insert into categories (name) values ('zone');
insert into categories (name) values ('parent');

insert into serialmodes (name, description) values ('unixtime', 'unix time');
insert into serialmodes (name, description) values ('counter', 'plus one');
insert into serialmodes (name, description) values ('datecounter', 'date and counter');
insert into serialmodes (name, description) values ('keep', 'as in the input');

insert into parameters (name, description, category_id) values ('resign', 'r', 1);
insert into parameters (name, description, category_id) values ('refresh', 'r', 1);
insert into parameters (name, description, category_id) values ('jitter', 'r', 1);
insert into parameters (name, description, category_id) values ('clockskew', 'r', 1);
insert into parameters (name, description, category_id) values ('ttl', 'r', 1);
insert into parameters (name, description, category_id) values ('valdefault', 'r', 1);
insert into parameters (name, description, category_id) values ('valdenial', 'r', 1);
insert into parameters (name, description, category_id) values ('ttl', 'r', 2);
insert into parameters (name, description, category_id) values ('version', 'r', 2);
insert into parameters (name, description, category_id) values ('optout', 'r', 2);
insert into parameters (name, description, category_id) values ('resalt', 'r', 2);
insert into parameters (name, description, category_id) values ('algorithm', 'r', 2);
insert into parameters (name, description, category_id) values ('iterations', 'r', 2);
insert into parameters (name, description, category_id) values ('saltlength', 'r', 2);
insert into parameters (name, description, category_id) values ('ttl', 'r', 5);
insert into parameters (name, description, category_id) values ('retiresafety', 'r', 5);
insert into parameters (name, description, category_id) values ('publishsafety', 'r', 5);
insert into parameters (name, description, category_id) values ('algorithm', 'r', 3);
insert into parameters (name, description, category_id) values ('bits', 'r', 3);
insert into parameters (name, description, category_id) values ('lifetime', 'r', 3);
insert into parameters (name, description, category_id) values ('standby', 'r', 3);
insert into parameters (name, description, category_id) values ('repository', 'r', 3);
insert into parameters (name, description, category_id) values ('rfc5011', 'r', 3);
insert into parameters (name, description, category_id) values ('revoked', 'r', 3);
insert into parameters (name, description, category_id) values ('algorithm', 'r', 4);
insert into parameters (name, description, category_id) values ('bits', 'r', 4);
insert into parameters (name, description, category_id) values ('lifetime', 'r', 4);
insert into parameters (name, description, category_id) values ('standby', 'r', 4);
insert into parameters (name, description, category_id) values ('repository', 'r', 4);
insert into parameters (name, description, category_id) values ('propagationdelay', 'r', 7);
insert into parameters (name, description, category_id) values ('ttl', 'r', 7);
insert into parameters (name, description, category_id) values ('min', 'r', 7);
insert into parameters (name, description, category_id) values ('serial', 'r', 7);
insert into parameters (name, description, category_id) values ('propagationdelay', 'r', 8);
insert into parameters (name, description, category_id) values ('ttl', 'r', 8);
insert into parameters (name, description, category_id) values ('min', 'r', 8);
insert into parameters (name, description, category_id) values ('ttlds', 'r', 8);
insert into parameters (name, description, category_id) values ('interval', 'r', 6);
insert into parameters (name, description, category_id) values ('keygeninterval', 'r', 6);
insert into parameters (name, description, category_id) values ('backupdelay', 'r', 6);
insert into parameters (name, description, category_id) values ('zones_share_keys', 'r', 5);
insert into parameters (name, description, category_id) values ('registrationdelay', 'r', 8);
insert into parameters (name, description, category_id) values ('manual_rollover', 'r', 3);
insert into parameters (name, description, category_id) values ('manual_rollover', 'r', 4);
insert into parameters (name, description, category_id) values ('purge', 'r', 5);

-- ----------------------------------------------------------- installation data
insert into securitymodules (name, capacity, requirebackup) values ('SoftHSM', 0, 1);

insert into policies (name, description, salt, salt_stamp, audit)
  values ('default', 'A default policy', 'a1b2c3d4e5f60718', '2010-01-01 12:00:00', NULL);

-- resign PT2H, ksk lifetime P1Y, zsk lifetime P90D, zsk repository SoftHSM
insert into parameters_policies (parameter_id, policy_id, value) values (1, 1, 7200);
insert into parameters_policies (parameter_id, policy_id, value) values (20, 1, 31536000);
insert into parameters_policies (parameter_id, policy_id, value) values (27, 1, 7776000);
insert into parameters_policies (parameter_id, policy_id, value) values (29, 1, 1);

insert into zones (name, policy_id, signconf, input, output, in_type, out_type)
  values ('example.com', 1, '/var/lib/opendnssec/signconf/example.com.xml',
          '/var/lib/opendnssec/unsigned/example.com',
          '/var/lib/opendnssec/signed/example.com', 'File', 'File');

-- KSK generated in winter (CET, UTC+1), backed up in summer (CEST, UTC+2).
insert into keypairs (HSMkey_id, algorithm, size, securitymodule_id, generate, policy_id,
                      compromisedflag, publickey, pre_backup, backup, fixedDate)
  values ('6a8c5d1e0f9b4c2aa3e7d2b1c0f9e8d7', 8, 2048, 1, '2010-01-01 12:00:00', 1,
          NULL, NULL, '2010-07-01 14:00:00', '2010-07-01 14:30:00', 0);
-- ZSK, never backed up
insert into keypairs (HSMkey_id, algorithm, size, securitymodule_id, generate, policy_id,
                      compromisedflag, publickey, pre_backup, backup, fixedDate)
  values ('0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e', 8, 1024, 1, '2010-01-01 12:00:00', 1,
          NULL, NULL, NULL, NULL, 0);

insert into dnsseckeys (keypair_id, zone_id, keytype, state, publish, ready, active, retire, dead)
  values (1, 1, 257, 4, '2010-01-01 12:00:00', '2010-01-02 12:00:00',
          '2010-07-01 14:00:00', '2011-07-01 14:00:00', NULL);
insert into dnsseckeys (keypair_id, zone_id, keytype, state, publish, ready, active, retire, dead)
  values (2, 1, 256, 4, '2010-01-01 12:00:00', '2010-01-01 13:00:00',
          '2010-01-01 13:00:00', '2010-03-31 13:00:00', NULL);
