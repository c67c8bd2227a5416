/*
 * str.h - small string helpers used across the project.
 *
 * Ownership: functions returning char * hand the caller a malloc()ed string
 * that the caller frees with free(). The in-place helpers modify the buffer
 * they are given and allocate nothing.
 */
#ifndef COMMON_STR_H
#define COMMON_STR_H

#include <stdint.h>

/* A malloc()ed copy of s; NULL when s is NULL or memory is short. */
char *str_dup(const char *s);

/*
 * A malloc()ed string built like printf(); NULL when memory is short.
 */
char *str_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * A malloc()ed copy of s with every occurrence of from (not empty) replaced
 * by to, left to right, never rescanning replaced text; NULL when an
 * argument is NULL, from is empty, or memory is short.
 */
char *str_replace_all(const char *s, const char *from, const char *to);

/* Lower-case s in place (ASCII letters only). NULL is a no-op. */
void str_lower(char *s);

/*
 * Remove leading and trailing white space (isspace) of s in place: trailing
 * space is cut by writing a NUL, and the return value points at the first
 * non-space character inside s. NULL returns NULL.
 */
char *str_trim(char *s);

/* 1 when s is one or more ASCII digits and nothing else; 0 otherwise or on NULL. */
int str_all_digits(const char *s);

/* 1 when s starts with prefix, ignoring ASCII case; 0 otherwise or on NULL. */
int str_prefix_ci(const char *s, const char *prefix);

/*
 * Strict decimal to int64: an optional '-' followed by one or more digits
 * and nothing else (no space, no '+', no hex). Returns 0, E_INVAL (NULL or
 * empty), E_PARSE (anything else than the form above) or E_RANGE (does not
 * fit in int64_t). *out is written only on success.
 */
int str_to_int64(const char *s, int64_t *out);

#endif
