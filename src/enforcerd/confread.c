/*
 * confread.c - conf.xml as the daemon reads it: at start-up and at the
 * start of every run, with the 1.x log lines (enforcer.md 7.3 A).
 *
 * struct conf keeps values, not how they were written. Three lines want
 * the latter (the text of an approximate duration, and whether PidFile was
 * given at all), so the file is parsed a second time for them. That read
 * only feeds log lines: if it fails (the file changed in between) the
 * lines are left out.
 */
#include "config.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "common/duration.h"
#include "common/err.h"
#include "common/log.h"
#include "config/xml.h"
#include "enforcerd/enforcerd.h"

/* The texts struct conf does not keep. */
struct raw {
	char *interval;   /* Enforcer/Interval, trimmed */
	char *rollover;   /* Enforcer/RolloverNotification, trimmed */
	int has_pid_file; /* Enforcer/PidFile is there */
};

static void
raw_read(const char *path, struct raw *raw)
{
	xmlDoc *doc = NULL;
	const xmlNode *enf, *node;

	memset(raw, 0, sizeof(*raw));
	if (xml_read(path, &doc, NULL, 0) != 0)
		return;
	enf = xml_child(xmlDocGetRootElement(doc), "Enforcer");
	if ((node = xml_child(enf, "Interval")) != NULL)
		(void)xml_text(node, 1, &raw->interval);
	if ((node = xml_child(enf, "RolloverNotification")) != NULL)
		(void)xml_text(node, 1, &raw->rollover);
	raw->has_pid_file = xml_child(enf, "PidFile") != NULL;
	xmlFreeDoc(doc);
}

static void
raw_free(struct raw *raw)
{
	free(raw->interval);
	free(raw->rollover);
}

/* The 1.x note for a duration that used Y or a month M. */
static void
note_approx(const char *text)
{
	int64_t secs;
	int approx = 0;

	if (text != NULL && duration_parse(text, &secs, &approx) == 0 && approx)
		log_msg(LOG_INFO,
			"Info: converting %s to seconds; M interpreted as 31 days, Y interpreted "
			"as 365 days",
			text);
}

/*
 * The 1.x line naming the kind of failure, after our own line that says
 * exactly what is wrong.
 */
static void
log_load_error(const char *path, int code, const char *detail)
{
	log_msg(LOG_ERR, "%s", detail);
	if (code == E_IO)
		log_msg(LOG_ERR, "Error: unable to open file \"%s\"", path);
	else if (code == E_PARSE && strstr(detail, "not well-formed XML") != NULL)
		log_msg(LOG_ERR, "Error: unable to parse file \"%s\"", path);
	else if (code != E_NOMEM)
		log_msg(LOG_ERR, "Error validating file \"%s\"", path);
	log_msg(LOG_ERR, "Error reading config");
}

int
dconf_load(const char *path, int verbose, struct conf **out)
{
	char err[1024] = "";
	int ret;

	if (verbose) {
		log_msg(LOG_INFO, "Reading config \"%s\"", path);
		log_msg(LOG_INFO, "Reading config schema \"%s/conf.rng\"", ODS_DATADIR);
	}
	ret = conf_load(path, out, err, sizeof(err));
	if (ret != 0)
		log_load_error(path, ret, err[0] != '\0' ? err : err_str(ret));
	return ret;
}

static void
report_datastore(const struct conf_datastore *db)
{
	const char *name;

	switch (db->backend) {
	case CONF_BACKEND_SQLITE: log_msg(LOG_INFO, "SQLite database set to: %s", db->path); return;
	case CONF_BACKEND_MYSQL: name = "MySQL"; break;
	case CONF_BACKEND_PGSQL: name = "PostgreSQL"; break;
	default: return;
	}
	if (db->host != NULL)
		log_msg(LOG_INFO, "%s database host set to: %s", name, db->host);
	if (db->port != 0)
		log_msg(LOG_INFO, "%s database port set to: %u", name, db->port);
	if (db->database != NULL)
		log_msg(LOG_INFO, "%s database schema set to: %s", name, db->database);
	if (db->user != NULL)
		log_msg(LOG_INFO, "%s database user set to: %s", name, db->user);
	/* never the password itself */
	log_msg(LOG_INFO, "%s database password set", name);
}

void
dconf_report(const struct conf *c, int verbose, int pid_from_cmdline)
{
	struct raw raw;

	raw_read(c->path, &raw);
	if (c->approx_durations > 0) {
		note_approx(raw.interval);
		note_approx(raw.rollover);
	}
	if (verbose) {
		log_msg(LOG_INFO, "Communication Interval: %" PRId64, c->interval);
		if (c->rollover_notification >= 0)
			log_msg(LOG_INFO, "Rollover Notification Interval: %" PRId64,
				c->rollover_notification);
		if (c->ds_submit_cmd != NULL)
			log_msg(LOG_INFO, "Using command: %s to submit DS records",
				c->ds_submit_cmd);
		else
			log_msg(LOG_INFO, "No DS Submit command supplied");
		report_datastore(&c->datastore);
	}
	if (c->syslog_facility_text != NULL)
		log_msg(LOG_INFO, "Log User set to: %s", c->syslog_facility_text);
	else
		log_msg(LOG_INFO, "Using default log user: LOG_DAEMON");
	if (verbose && raw.has_pid_file && !pid_from_cmdline)
		log_msg(LOG_INFO, "Pidfile set to: %s", c->pid_file);
	/* the last line of the read, and the first with the new facility */
	log_set_facility(c->syslog_facility);
	log_msg(LOG_INFO, "Switched log facility to: %s",
		c->syslog_facility_text != NULL ? c->syslog_facility_text : "LOG_DAEMON");
	raw_free(&raw);
}
