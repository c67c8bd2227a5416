/*
 * dname.h - zone names as users type them.
 *
 * A zone name is checked as a DNS name in presentation form: labels of 1 to
 * 63 octets of letters, digits, '-' and '_' (and '*' as a whole first label
 * is refused: zones are not wildcards), separated by single dots, at most
 * 253 characters without the final dot; "." is the root. It is stored in
 * lower case, since DNS names compare without case.
 */
#ifndef COMMON_DNAME_H
#define COMMON_DNAME_H

#include <stddef.h>

/*
 * Check text and return its normal form in *out (malloc()ed): lower case,
 * a trailing dot kept exactly when keep_dot is set (zonelist.xml names are
 * kept as written; `--zone foo.` has already lost its dot). On failure err
 * gets one line naming the name and the problem, e.g.
 *   zone name "a b.example" has a character that is not allowed (' ')
 * Errors: E_INVAL, E_NOMEM.
 */
int dname_normalise(const char *text, int keep_dot, char **out, char *err, size_t errlen);

/*
 * The other spelling of the same zone: "foo" <-> "foo." (the root has
 * none: E_NOTFOUND). *out is malloc()ed. 1.4 counts both as one zone.
 */
int dname_other_spelling(const char *name, char **out);

#endif
