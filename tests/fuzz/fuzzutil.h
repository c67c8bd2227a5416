/*
 * fuzzutil.h - what several fuzz targets share: the input as a C string,
 * the input as a file for loaders that take a path, silencing stdout for
 * code that prints, and the time zone.
 *
 * Files go to one private directory (mkdtemp, mode 0700) under /dev/shm
 * when it exists, else $TMPDIR or /tmp; it is removed at exit. Each input
 * is written to a fresh file created with O_EXCL|O_NOFOLLOW, so nothing
 * already there is followed or reused.
 */
#ifndef TESTS_FUZZ_FUZZUTIL_H
#define TESTS_FUZZ_FUZZUTIL_H

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* A NUL-terminated malloc()ed copy of data (an inner NUL ends the string early). */
static inline char *
fuzz_cstr(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (s == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/* Run in UTC from the first call on (times are then the same everywhere). */
static inline void
fuzz_utc(void)
{
	static int done;

	if (!done) {
		setenv("TZ", "UTC", 1);
		tzset();
		done = 1;
	}
}

static char fuzz_dir[256];

static inline void
fuzz_dir_remove(void)
{
	char path[300];
	const char *names[] = { "input.xml", "again.xml" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		(void)snprintf(path, sizeof(path), "%s/%s", fuzz_dir, names[i]);
		(void)unlink(path);
	}
	(void)rmdir(fuzz_dir);
}

/*
 * Write size bytes to <private dir>/<name> (name: "input.xml" or
 * "again.xml") and return the path (static buffer). Aborts when the file
 * cannot be written: that is the harness failing, not the code under test.
 */
static inline const char *
fuzz_file(const char *name, const void *data, size_t size)
{
	static char path[300];
	const char *p = data;
	int fd;

	if (fuzz_dir[0] == '\0') {
		const char *base = getenv("TMPDIR");
		struct stat st;

		if (stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) &&
			access("/dev/shm", W_OK) == 0)
			base = "/dev/shm";
		else if (base == NULL || base[0] == '\0')
			base = "/tmp";
		(void)snprintf(fuzz_dir, sizeof(fuzz_dir), "%s/kasp-fuzz.XXXXXX", base);
		if (mkdtemp(fuzz_dir) == NULL)
			abort();
		atexit(fuzz_dir_remove);
	}
	(void)snprintf(path, sizeof(path), "%s/%s", fuzz_dir, name);
	(void)unlink(path);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0)
		abort();
	while (size > 0) {
		ssize_t n = write(fd, p, size);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			abort();
		p += n;
		size -= (size_t)n;
	}
	if (close(fd) != 0)
		abort();
	return path;
}

/*
 * fuzz_quiet_begin() points stdout at /dev/null until fuzz_quiet_end(), for
 * code under test that prints (the replay main() writes TAP to stdout
 * between inputs, so it is only borrowed).
 */
static int fuzz_saved_stdout = -1;

static inline void
fuzz_quiet_begin(void)
{
	int null;

	fflush(stdout);
	if (fuzz_saved_stdout < 0) {
		fuzz_saved_stdout = dup(STDOUT_FILENO);
		if (fuzz_saved_stdout < 0)
			abort();
	}
	null = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (null < 0 || dup2(null, STDOUT_FILENO) < 0)
		abort();
	close(null);
}

static inline void
fuzz_quiet_end(void)
{
	fflush(stdout);
	if (dup2(fuzz_saved_stdout, STDOUT_FILENO) < 0)
		abort();
}

#endif
