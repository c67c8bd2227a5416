# tools/coverage.mk: fragment of the top-level Makefile.am
#
# make coverage: the line and branch coverage of the sources (db/, src/),
# from the gcov counts that the programs of a build configured with
# --enable-coverage left in its .gcda files. It runs no test itself, so that
# several `make check` runs (SQLite, then PostgreSQL, MySQL...) add up
# first; delete the .gcda files (make coverage-reset) to start again.
# tools/coverage.sh prints one line per source folder and a total, and
# writes the gcovr text report to coverage.txt in the build directory.

EXTRA_DIST += tools/coverage.sh
CLEANFILES += coverage.txt coverage.json

if ENABLE_COVERAGE
coverage:
	$(AM_V_at)$(SHELL) $(top_srcdir)/tools/coverage.sh '$(abs_top_srcdir)' '$(abs_top_builddir)'

coverage-reset:
	$(AM_V_at)find . -name '*.gcda' -exec rm -f {} +
else
coverage coverage-reset:
	@echo "make $@: this build was not configured with --enable-coverage;" \
		"configure a build directory of its own with ../configure --enable-coverage" >&2
	@exit 1
endif
.PHONY: coverage coverage-reset

# gcov's notes (.gcno) are written beside each object and go with it; the
# counts (.gcda) are of those objects and mean nothing without them.
mostlyclean-local:
	-find . -name '*.gcno' -exec rm -f {} +
	-find . -name '*.gcda' -exec rm -f {} +
