/*
 * replay.h - a main() for fuzz targets built without libFuzzer.
 *
 * Include it at the end of a fuzz target that defines
 * LLVMFuzzerTestOneInput(). Unless FUZZING_LIBFUZZER is defined (set it
 * when building with clang -fsanitize=fuzzer), it provides a main() that
 * runs every file named on the command line, or every regular file of a
 * directory named there (sorted by name), through the target once and
 * reports TAP: "1..N", then "ok I - FILE" per input. A crash or sanitizer
 * report ends the program, which the TAP driver reports as a failure.
 */
#ifndef TESTS_FUZZ_REPLAY_H
#define TESTS_FUZZ_REPLAY_H

#ifndef FUZZING_LIBFUZZER

#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "common/fileio.h"
#include "common/str.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct replay_list {
	char **v;
	size_t n, cap;
};

static int
replay_add(struct replay_list *l, char *path)
{
	if (path == NULL)
		return -1;
	if (l->n == l->cap) {
		size_t ncap = l->cap == 0 ? 64 : l->cap * 2;
		char **nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL) {
			free(path);
			return -1;
		}
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n++] = path;
	return 0;
}

static int
replay_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Add path, or the regular files in it when it is a directory. */
static int
replay_collect(struct replay_list *l, const char *path)
{
	struct stat st;
	struct dirent *e;
	size_t first = l->n;
	DIR *d;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "replay: %s: cannot stat\n", path);
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return replay_add(l, str_dup(path));
	d = opendir(path);
	if (d == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		char *p;

		if (e->d_name[0] == '.')
			continue;
		p = str_printf("%s/%s", path, e->d_name);
		if (p == NULL || stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (replay_add(l, p) != 0) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	qsort(l->v + first, l->n - first, sizeof(*l->v), replay_cmp);
	return 0;
}

int
main(int argc, char **argv)
{
	struct replay_list l = { 0 };
	int ret = 0;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (replay_collect(&l, argv[i]) != 0)
			ret = 1;
	}
	if (ret != 0 || l.n == 0) {
		printf("1..0 # no inputs\n");
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		ret = 1;
		goto out;
	}
	printf("1..%zu\n", l.n);
	for (size_t i = 0; i < l.n; i++) {
		char *data = NULL;
		size_t len = 0;

		if (file_read_all(l.v[i], 16 * 1024 * 1024, &data, &len) != 0) {
			printf("not ok %zu - %s (unreadable)\n", i + 1, l.v[i]);
			ret = 1;
			continue;
		}
		LLVMFuzzerTestOneInput((const uint8_t *)data, len);
		free(data);
		printf("ok %zu - %s\n", i + 1, l.v[i]);
	}
out:
	for (size_t i = 0; i < l.n; i++)
		free(l.v[i]);
	free(l.v);
	return ret;
}

#endif /* FUZZING_LIBFUZZER */

#endif
