/*
 * pq_api.h - libpq, loaded with dlopen() the first time a PostgreSQL
 * database is opened rather than linked into every program: loading it
 * (and the Kerberos, LDAP and TLS libraries it brings) costs a program's
 * start more than the rest of its libraries together. The driver includes
 * this header after libpq-fe.h; each function it calls then goes through
 * the table pq_api, which pq_api_load() fills.
 *
 * Adding a call to the driver: add the function to PQ_API below.
 */
#ifndef DB_PQ_API_H
#define DB_PQ_API_H

#include <stddef.h>

#include <libpq-fe.h>

#define PQ_API(X)                                                                                  \
	X(PQclear)                                                                                 \
	X(PQcmdStatus)                                                                             \
	X(PQcmdTuples)                                                                             \
	X(PQconnectdbParams)                                                                       \
	X(PQconsumeInput)                                                                          \
	X(PQdb)                                                                                    \
	X(PQdescribePrepared)                                                                      \
	X(PQerrorMessage)                                                                          \
	X(PQexec)                                                                                  \
	X(PQexecParams)                                                                            \
	X(PQexecPrepared)                                                                          \
	X(PQfinish)                                                                                \
	X(PQfreemem)                                                                               \
	X(PQftype)                                                                                 \
	X(PQgetCopyData)                                                                           \
	X(PQgetResult)                                                                             \
	X(PQgetisnull)                                                                             \
	X(PQgetlength)                                                                             \
	X(PQgetvalue)                                                                              \
	X(PQhost)                                                                                  \
	X(PQnfields)                                                                               \
	X(PQnparams)                                                                               \
	X(PQntuples)                                                                               \
	X(PQport)                                                                                  \
	X(PQprepare)                                                                               \
	X(PQputCopyEnd)                                                                            \
	X(PQreset)                                                                                 \
	X(PQresultErrorField)                                                                      \
	X(PQresultErrorMessage)                                                                    \
	X(PQresultStatus)                                                                          \
	X(PQsendQuery)                                                                             \
	X(PQsetNoticeReceiver)                                                                     \
	X(PQsocket)                                                                                \
	X(PQstatus)                                                                                \
	X(PQtransactionStatus)                                                                     \
	X(PQunescapeBytea)                                                                         \
	X(PQuser)

struct pq_api {
#define PQ_API_MEMBER(f) __typeof__(f) *f;
	PQ_API(PQ_API_MEMBER)
#undef PQ_API_MEMBER
};

extern struct pq_api pq_api;

/*
 * Load the library once (later calls return at once). 0, or E_NOTFOUND
 * with one line in why saying which library or symbol is missing.
 */
int pq_api_load(char *why, size_t whylen);

#ifndef PQ_API_SELF
#define PQclear (pq_api.PQclear)
#define PQcmdStatus (pq_api.PQcmdStatus)
#define PQcmdTuples (pq_api.PQcmdTuples)
#define PQconnectdbParams (pq_api.PQconnectdbParams)
#define PQconsumeInput (pq_api.PQconsumeInput)
#define PQdb (pq_api.PQdb)
#define PQdescribePrepared (pq_api.PQdescribePrepared)
#define PQerrorMessage (pq_api.PQerrorMessage)
#define PQexec (pq_api.PQexec)
#define PQexecParams (pq_api.PQexecParams)
#define PQexecPrepared (pq_api.PQexecPrepared)
#define PQfinish (pq_api.PQfinish)
#define PQfreemem (pq_api.PQfreemem)
#define PQftype (pq_api.PQftype)
#define PQgetCopyData (pq_api.PQgetCopyData)
#define PQgetResult (pq_api.PQgetResult)
#define PQgetisnull (pq_api.PQgetisnull)
#define PQgetlength (pq_api.PQgetlength)
#define PQgetvalue (pq_api.PQgetvalue)
#define PQhost (pq_api.PQhost)
#define PQnfields (pq_api.PQnfields)
#define PQnparams (pq_api.PQnparams)
#define PQntuples (pq_api.PQntuples)
#define PQport (pq_api.PQport)
#define PQprepare (pq_api.PQprepare)
#define PQputCopyEnd (pq_api.PQputCopyEnd)
#define PQreset (pq_api.PQreset)
#define PQresultErrorField (pq_api.PQresultErrorField)
#define PQresultErrorMessage (pq_api.PQresultErrorMessage)
#define PQresultStatus (pq_api.PQresultStatus)
#define PQsendQuery (pq_api.PQsendQuery)
#define PQsetNoticeReceiver (pq_api.PQsetNoticeReceiver)
#define PQsocket (pq_api.PQsocket)
#define PQstatus (pq_api.PQstatus)
#define PQtransactionStatus (pq_api.PQtransactionStatus)
#define PQunescapeBytea (pq_api.PQunescapeBytea)
#define PQuser (pq_api.PQuser)
#endif

#endif
