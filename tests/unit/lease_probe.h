/*
 * lease_probe.h - for the tests of writing over zonelist.xml's backup:
 * whether the file system of a test's directory grants write leases
 * (fcntl(2)), without which file_stage_over_iov() makes a new file.
 */
#ifndef TESTS_UNIT_LEASE_PROBE_H
#define TESTS_UNIT_LEASE_PROBE_H

#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

/* Does dir's file system grant a write lease on a file no one else has open? */
static int
leases_work(const char *dir)
{
	char path[4200];
	int fd, ok = 0;

	if (snprintf(path, sizeof(path), "%s/lease-probe", dir) >= (int)sizeof(path))
		return 0;
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		return 0;
#ifdef F_SETLEASE
	ok = fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
	if (ok)
		(void)fcntl(fd, F_SETLEASE, F_UNLCK);
#endif
	close(fd);
	unlink(path);
	return ok;
}

#endif
