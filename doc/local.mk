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
