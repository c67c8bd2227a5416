# contrib: fragment of the top-level Makefile.am
# Example configuration, which `make install` puts in $(ODS_CONFDIR) (see
# below; the CLI tests use kasp.xml and zonelist.xml from here too).
EXTRA_DIST += contrib/conf.xml contrib/kasp.xml contrib/zonelist.xml

# Several enforcer hosts on one database and a DR site on a replica: a
# README and two conf.xml examples (tests/unit/test_conf loads them),
# installed with the documentation.
clusterdocdir = $(docdir)/cluster
dist_clusterdoc_DATA = contrib/cluster/README contrib/cluster/conf-site.xml \
	contrib/cluster/conf-dr.xml

# The systemd unit, with the configured sbindir and state paths; installed
# only where configure found (or was given) systemd's unit directory.
# distcheck installs it under its own prefix instead.
EXTRA_DIST += contrib/systemd/ods-enforcerd.service.in
noinst_DATA = contrib/systemd/ods-enforcerd.service
CLEANFILES += contrib/systemd/ods-enforcerd.service
AM_DISTCHECK_CONFIGURE_FLAGS = \
	--with-systemdsystemunitdir='$$(prefix)/lib/systemd/system'
if HAVE_SYSTEMD_UNITDIR
systemdunitdir = $(systemdsystemunitdir)
systemdunit_DATA = contrib/systemd/ods-enforcerd.service
endif

contrib/systemd/ods-enforcerd.service: $(srcdir)/contrib/systemd/ods-enforcerd.service.in Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib/systemd && \
	sbindir=`printf '%s\n' '$(sbindir)' | $(contrib_quote)` && \
	statedir=`printf '%s\n' '$(ODS_STATEDIR)' | $(contrib_quote)` && \
	rundir=`printf '%s\n' '$(ODS_RUNDIR)' | $(contrib_quote)` && \
	$(SED) -e "s|%sbindir%|$$sbindir|g" -e "s|%statedir%|$$statedir|g" \
		-e "s|%rundir%|$$rundir|g" \
		$(srcdir)/contrib/systemd/ods-enforcerd.service.in > $@.tmp && mv $@.tmp $@

# bash completion for ods-ksmutil, where bash-completion looks for it on
# demand (a file named after the command).
bashcompletiondir = $(datadir)/bash-completion/completions
dist_bashcompletion_DATA = contrib/bash-completion/ods-ksmutil

# ---------------------------------------------------------------- make install
# The 1.x layout: $(ODS_CONFDIR) with conf.xml, kasp.xml and zonelist.xml
# (installed only where none is present: an operator's file is never
# replaced; conf.xml mode 0600, since it holds the token PINs), $(ODS_STATEDIR) with tmp, signconf, unsigned and signed, and
# $(ODS_RUNDIR) for the pid files.
#
# The examples name the usual paths (/etc/opendnssec, /var/lib/opendnssec,
# /var/run/opendnssec, /usr/share/opendnssec) so they read well as
# documentation and stay usable as they are (tests, tools/demo.sh). The
# copies that get installed are made from them at build time with those
# paths replaced by the configured ones. The replacement goes through
# placeholders so that a configured path which contains another of the usual
# ones is not replaced twice.
CONTRIB_CONFIG = conf.xml kasp.xml zonelist.xml
CONTRIB_INSTALL = contrib/conf.xml.install contrib/kasp.xml.install contrib/zonelist.xml.install
noinst_DATA += $(CONTRIB_INSTALL)
CLEANFILES += $(CONTRIB_INSTALL)

# contrib_subst SRC: SRC with the usual paths replaced, on stdout. In sed's
# replacement text the characters \ & | are escaped (| is the delimiter).
contrib_quote = $(SED) -e 's/[\\&|]/\\&/g'
contrib_subst = \
	confdir=`printf '%s\n' '$(ODS_CONFDIR)' | $(contrib_quote)` && \
	statedir=`printf '%s\n' '$(ODS_STATEDIR)' | $(contrib_quote)` && \
	rundir=`printf '%s\n' '$(ODS_RUNDIR)' | $(contrib_quote)` && \
	datadir=`printf '%s\n' '$(ODS_DATADIR)' | $(contrib_quote)` && \
	$(SED) -e 's|/etc/opendnssec|%confdir%|g' \
		-e 's|/var/lib/opendnssec|%statedir%|g' \
		-e 's|/var/run/opendnssec|%rundir%|g' \
		-e 's|/usr/share/opendnssec|%datadir%|g' \
		-e "s|%confdir%|$$confdir|g" \
		-e "s|%statedir%|$$statedir|g" \
		-e "s|%rundir%|$$rundir|g" \
		-e "s|%datadir%|$$datadir|g"

contrib/conf.xml.install: $(srcdir)/contrib/conf.xml Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(contrib_subst) $(srcdir)/contrib/conf.xml > $@.tmp && mv $@.tmp $@
contrib/kasp.xml.install: $(srcdir)/contrib/kasp.xml Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(contrib_subst) $(srcdir)/contrib/kasp.xml > $@.tmp && mv $@.tmp $@
contrib/zonelist.xml.install: $(srcdir)/contrib/zonelist.xml Makefile
	$(AM_V_GEN)$(MKDIR_P) contrib && \
	$(contrib_subst) $(srcdir)/contrib/zonelist.xml > $@.tmp && mv $@.tmp $@

install-data-local: $(CONTRIB_INSTALL)
	$(MKDIR_P) '$(DESTDIR)$(ODS_CONFDIR)' \
		'$(DESTDIR)$(ODS_STATEDIR)/tmp' '$(DESTDIR)$(ODS_STATEDIR)/signconf' \
		'$(DESTDIR)$(ODS_STATEDIR)/unsigned' '$(DESTDIR)$(ODS_STATEDIR)/signed' \
		'$(DESTDIR)$(ODS_RUNDIR)'
	@for f in $(CONTRIB_CONFIG); do \
		dst='$(DESTDIR)$(ODS_CONFDIR)'/$$f; \
		if test -e "$$dst" || test -h "$$dst"; then \
			echo "not replacing $$dst: it is already there"; \
		else \
			mode=644; \
			test "$$f" != conf.xml || mode=600; \
			echo " $(INSTALL) -m $$mode contrib/$$f.install '$$dst'"; \
			$(INSTALL) -m $$mode contrib/$$f.install "$$dst" || exit 1; \
		fi; \
	done

# Remove a configuration file only when it is still the one we installed,
# then the directories when they are empty: an operator's files stay.
uninstall-local: $(CONTRIB_INSTALL)
	@for f in $(CONTRIB_CONFIG); do \
		dst='$(DESTDIR)$(ODS_CONFDIR)'/$$f; \
		if test -f "$$dst" && cmp -s contrib/$$f.install "$$dst"; then \
			echo " rm -f '$$dst'"; \
			rm -f "$$dst" || exit 1; \
		elif test -e "$$dst"; then \
			echo "keeping $$dst: it was changed after installation"; \
		fi; \
	done
	@for d in '$(DESTDIR)$(ODS_STATEDIR)/tmp' '$(DESTDIR)$(ODS_STATEDIR)/signconf' \
		'$(DESTDIR)$(ODS_STATEDIR)/unsigned' '$(DESTDIR)$(ODS_STATEDIR)/signed' \
		'$(DESTDIR)$(ODS_STATEDIR)' '$(DESTDIR)$(ODS_RUNDIR)' '$(DESTDIR)$(ODS_CONFDIR)'; do \
		rmdir "$$d" 2>/dev/null || :; \
	done
