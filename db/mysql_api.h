/*
 * mysql_api.h - the MariaDB (or MySQL) client library, loaded with
 * dlopen() the first time a MySQL or MariaDB database is opened rather
 * than linked into every program: loading it
 * (and the Kerberos, LDAP and TLS libraries it brings) costs a program's
 * start more than the rest of its libraries together. The driver includes
 * this header after mysql.h; each function it calls then goes through
 * the table mysql_api, which mysql_api_load() fills.
 *
 * Adding a call to the driver: add the function to MYSQL_API below.
 */
#ifndef DB_MYSQL_API_H
#define DB_MYSQL_API_H

#include <stddef.h>

#include <mysql.h>

#define MYSQL_API(X)                                                                               \
	X(mysql_affected_rows)                                                                     \
	X(mysql_close)                                                                             \
	X(mysql_errno)                                                                             \
	X(mysql_error)                                                                             \
	X(mysql_fetch_fields)                                                                      \
	X(mysql_field_count)                                                                       \
	X(mysql_free_result)                                                                       \
	X(mysql_get_socket)                                                                        \
	X(mysql_get_ssl_cipher)                                                                    \
	X(mysql_init)                                                                              \
	X(mysql_next_result)                                                                       \
	X(mysql_num_fields)                                                                        \
	X(mysql_options)                                                                           \
	X(mysql_real_connect)                                                                      \
	X(mysql_real_query)                                                                        \
	X(mysql_stmt_affected_rows)                                                                \
	X(mysql_stmt_attr_set)                                                                     \
	X(mysql_stmt_bind_param)                                                                   \
	X(mysql_stmt_bind_result)                                                                  \
	X(mysql_stmt_close)                                                                        \
	X(mysql_stmt_errno)                                                                        \
	X(mysql_stmt_error)                                                                        \
	X(mysql_stmt_execute)                                                                      \
	X(mysql_stmt_fetch)                                                                        \
	X(mysql_stmt_fetch_column)                                                                 \
	X(mysql_stmt_field_count)                                                                  \
	X(mysql_stmt_free_result)                                                                  \
	X(mysql_stmt_init)                                                                         \
	X(mysql_stmt_param_count)                                                                  \
	X(mysql_stmt_prepare)                                                                      \
	X(mysql_stmt_result_metadata)                                                              \
	X(mysql_stmt_store_result)                                                                 \
	X(mysql_store_result)

struct mysql_api {
#define MYSQL_API_MEMBER(f) __typeof__(f) *f;
	MYSQL_API(MYSQL_API_MEMBER)
#undef MYSQL_API_MEMBER
};

extern struct mysql_api mysql_api;

/*
 * Load the library once (later calls return at once). 0, or E_NOTFOUND
 * with one line in why saying which library or symbol is missing.
 */
int mysql_api_load(char *why, size_t whylen);

#ifndef MYSQL_API_SELF
#define mysql_affected_rows (mysql_api.mysql_affected_rows)
#define mysql_close (mysql_api.mysql_close)
#define mysql_errno (mysql_api.mysql_errno)
#define mysql_error (mysql_api.mysql_error)
#define mysql_fetch_fields (mysql_api.mysql_fetch_fields)
#define mysql_field_count (mysql_api.mysql_field_count)
#define mysql_free_result (mysql_api.mysql_free_result)
#define mysql_get_socket (mysql_api.mysql_get_socket)
#define mysql_get_ssl_cipher (mysql_api.mysql_get_ssl_cipher)
#define mysql_init (mysql_api.mysql_init)
#define mysql_next_result (mysql_api.mysql_next_result)
#define mysql_num_fields (mysql_api.mysql_num_fields)
#define mysql_options (mysql_api.mysql_options)
#define mysql_real_connect (mysql_api.mysql_real_connect)
#define mysql_real_query (mysql_api.mysql_real_query)
#define mysql_stmt_affected_rows (mysql_api.mysql_stmt_affected_rows)
#define mysql_stmt_attr_set (mysql_api.mysql_stmt_attr_set)
#define mysql_stmt_bind_param (mysql_api.mysql_stmt_bind_param)
#define mysql_stmt_bind_result (mysql_api.mysql_stmt_bind_result)
#define mysql_stmt_close (mysql_api.mysql_stmt_close)
#define mysql_stmt_errno (mysql_api.mysql_stmt_errno)
#define mysql_stmt_error (mysql_api.mysql_stmt_error)
#define mysql_stmt_execute (mysql_api.mysql_stmt_execute)
#define mysql_stmt_fetch (mysql_api.mysql_stmt_fetch)
#define mysql_stmt_fetch_column (mysql_api.mysql_stmt_fetch_column)
#define mysql_stmt_field_count (mysql_api.mysql_stmt_field_count)
#define mysql_stmt_free_result (mysql_api.mysql_stmt_free_result)
#define mysql_stmt_init (mysql_api.mysql_stmt_init)
#define mysql_stmt_param_count (mysql_api.mysql_stmt_param_count)
#define mysql_stmt_prepare (mysql_api.mysql_stmt_prepare)
#define mysql_stmt_result_metadata (mysql_api.mysql_stmt_result_metadata)
#define mysql_stmt_store_result (mysql_api.mysql_stmt_store_result)
#define mysql_store_result (mysql_api.mysql_store_result)
#endif

#endif
