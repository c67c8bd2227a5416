# contrib: fragment of the top-level Makefile.am
# Example configuration a new user copies to /etc/opendnssec/ (the CLI tests
# use kasp.xml and zonelist.xml from here too).
EXTRA_DIST += contrib/conf.xml contrib/kasp.xml contrib/zonelist.xml
