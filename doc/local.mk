# doc: fragment of the top-level Makefile.am
#
# The manual pages, installed and shipped in the tarball (dist_).
dist_man_MANS = \
	doc/man/ods-ksmutil.1 \
	doc/man/ods-enforcerd.8 \
	doc/man/ods-control.8 \
	doc/man/ods-kaspcheck.1 \
	doc/man/ods-hsmutil.1 \
	doc/man/conf.xml.5 \
	doc/man/kasp.xml.5

# The JSON Schemas of ods-ksmutil's --json documents (one per command),
# for scripts that validate what they read; tests/cli/json.sh checks the
# output against them.
jsonschemadir = $(ODS_DATADIR)/json
dist_jsonschema_DATA = \
	doc/json/zone-list.schema.json \
	doc/json/policy-list.schema.json \
	doc/json/repository-list.schema.json \
	doc/json/key-list.schema.json \
	doc/json/key-export.schema.json \
	doc/json/rollover-list.schema.json \
	doc/json/rollover-plan.schema.json \
	doc/json/backup-list.schema.json \
	doc/json/database-status.schema.json \
	doc/json/cluster-status.schema.json
