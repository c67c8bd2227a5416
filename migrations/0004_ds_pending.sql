-- 0004 (SQLite, PostgreSQL; MySQL has a re-runnable variant): DS submissions
-- the enforcer still owes.
--
-- When a zone's DS set changes (a KSK became ready, a standby KSK was
-- added) the enforcer runs DelegationSignerSubmitCommand after it has
-- committed the change. zones.ds_pending is set in the same transaction as
-- the change and cleared once the command has run, so a daemon that dies in
-- between submits the set on its next pass instead of forgetting it.
-- Key pairs are also looked up by CKA_ID (key import, delete, ds-seen):
-- keypairs gets an index for it. The enforcer updates one allocation by
-- (zone_id, keypair_id); with shared keys a key pair has an allocation in
-- every zone of its policy, so an index on keypair_id alone reads them
-- all for each update: dnsseckeys gets an index on both.

ALTER TABLE zones ADD COLUMN ds_pending SMALLINT NOT NULL DEFAULT 0;

CREATE INDEX keypairs_locator ON keypairs (HSMkey_id);

CREATE INDEX dnsseckeys_zone_keypair ON dnsseckeys (zone_id, keypair_id);
