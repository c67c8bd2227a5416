/*
 * dir_entries.h - for the tests that check what a file operation leaves
 * behind: how many entries a directory holds.
 */
#ifndef TESTS_UNIT_DIR_ENTRIES_H
#define TESTS_UNIT_DIR_ENTRIES_H

#include <dirent.h>
#include <string.h>

/* Entries of dir other than "." and ".."; -1 when it cannot be read. */
static int
dir_entry_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	if (d == NULL)
		return -1;
	while ((de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
			n++;
	}
	closedir(d);
	return n;
}

#endif
