// SPDX-License-Identifier: GPL-2.0-only
/*
 * The tables every rendering shares, and the Markdown rendering: plain
 * pipe tables that paste into a ticket. Everything from a log is escaped,
 * since a path is attacker-chosen text.
 */
#include <errno.h>
#include <string.h>

#include "report/priv.h"

static const struct report_col log_cols[] = {
	{ "Log", "path", COL_STR },	   { "Chain", "chain", COL_STR },
	{ "Bad line", "bad_line", COL_INT }, { "Problem", "why", COL_STR },
	{ "Lines", "lines", COL_INT },	   { "Records", "records", COL_INT },
	{ "Hosts", "hosts", COL_LIST },	   { 0 },
};

static const struct report_col host_cols[] = {
	{ "Host", "host", COL_STR },	     { "Modes", "modes", COL_LIST },
	{ "Kernel", "kernel", COL_STR },     { "Events", "events", COL_INT },
	{ "Denials", "denials", COL_INT },   { "Would deny", "would_deny", COL_INT },
	{ "Lost", "lost_events", COL_INT },  { "First", "first", COL_TIME },
	{ "Last", "last", COL_TIME },	     { 0 },
};

static const struct report_col unlisted_cols[] = {
	{ "Path", "path", COL_STR },	      { "Digest", "digest", COL_DIGEST },
	{ "Count", "count", COL_INT },	      { "Would deny", "would_deny", COL_INT },
	{ "Hosts", "hosts", COL_LIST },	      { "First seen", "first_seen", COL_TIME },
	{ "Last seen", "last_seen", COL_TIME }, { 0 },
};

static const struct report_col deny_cols[] = {
	{ "When", "first", COL_TIME },	{ "Host", "host", COL_STR },
	{ "UID", "uid", COL_INT },	{ "Command", "comm", COL_STR },
	{ "PID", "pid", COL_INT },	{ "Path", "path", COL_STR },
	{ "Digest", "digest", COL_DIGEST }, { "Hook", "hook", COL_STR },
	{ "Reason", "reason", COL_STR },	{ "Count", "count", COL_INT },
	{ "Last", "last", COL_TIME },	{ 0 },
};

static const struct report_col never_cols[] = {
	{ "Path", "path", COL_STR },
	{ "Digest", "digest", COL_DIGEST },
	{ "Source", "source", COL_STR },
	{ "Comment", "comment", COL_STR },
	{ 0 },
};

static const struct report_col cov_cols[] = {
	{ "Source", "source", COL_STR },
	{ "Listed", "listed", COL_INT },
	{ "Executed", "executed", COL_INT },
	{ "Executions", "executions", COL_INT },
	{ 0 },
};

static const struct report_col package_cols[] = {
	{ "Package", "package", COL_STR },
	{ "Version", "version", COL_STR },
	{ "Listed", "listed", COL_INT },
	{ "Executed", "executed", COL_INT },
	{ "Executions", "executions", COL_INT },
	{ 0 },
};

static const struct report_col shipped_cols[] = {
	{ "Path", "path", COL_STR },
	{ "Digest", "digest", COL_DIGEST },
	{ "Source", "source", COL_STR },
	{ "Allowlisted", "in_allowlist", COL_BOOL },
	{ "Count", "count", COL_INT },
	{ 0 },
};

static const struct report_col mismatch_cols[] = {
	{ "Path", "path", COL_STR },
	{ "Digests and hosts", "variants", COL_VARIANTS },
	{ 0 },
};

static const struct report_col partial_cols[] = {
	{ "Path", "path", COL_STR },
	{ "Present on", "hosts", COL_LIST },
	{ "Missing on", "missing", COL_LIST },
	{ 0 },
};

static const struct report_col exec_cols[] = {
	{ "Path", "path", COL_STR },	      { "Digest", "digest", COL_DIGEST },
	{ "Hook", "hook", COL_STR },	      { "Allowlisted", "allowlisted", COL_BOOL },
	{ "Source", "source", COL_STR },      { "Count", "count", COL_INT },
	{ "Denied", "denied", COL_INT },      { "Hosts", "hosts", COL_LIST },
	{ "First seen", "first_seen", COL_TIME }, { "Last seen", "last_seen", COL_TIME },
	{ 0 },
};

const struct report_table report_tables[] = {
	{ "logs", "Audit logs and their hash chains", "logs", NULL,
	  "Each log's chain was verified before it was read.", "No logs.", log_cols },
	{ "hosts", "Hosts", "hosts", NULL, NULL, "No host started a daemon in these logs.",
	  host_cols },
	{ "not-allowlisted", "Executed but not allowlisted", "not_allowlisted", NULL,
	  "What enforce mode would refuse, most frequent first: review before enforcing.",
	  "Everything that ran was allowlisted.", unlisted_cols },
	{ "denials", "Denials", "denials", NULL, "Who was refused what, why and when.",
	  "Nothing was denied.", deny_cols },
	{ "never-executed", "Allowlisted but never executed", "never_executed", NULL,
	  "Entries of the allowlist that no log shows running: candidates for removal.",
	  "Every allowlist entry ran.", never_cols },
	{ "coverage", "Coverage by source", "coverage", NULL,
	  "Allowlist entries per source against what ran.", "Nothing ran.", cov_cols },
	{ "packages-ran", "Package versions that ran", "packages", "ran",
	  "Versions of Debian packages in the allowlist with at least one file that ran.",
	  "No file of a listed package ran.", package_cols },
	{ "packages-never-ran", "Listed package versions that never ran", "packages",
	  "never_ran", "Versions of Debian packages in the allowlist none of whose files ran.",
	  "Every listed package version ran.", package_cols },
	{ "not-shipped", "Ran, shipped by no listed package", "packages", "not_shipped",
	  "What ran under another source (file, observed, manual) or outside the list.",
	  "Everything that ran came from a listed package.", shipped_cols },
	{ "drift-digest", "Drift: the same path with different digests", "drift",
	  "digest_mismatch", NULL, "No path ran with different digests on different hosts.",
	  mismatch_cols },
	{ "drift-partial", "Drift: present on some hosts only", "drift", "partial_presence",
	  NULL, "Every path ran on every host (or there is one host).", partial_cols },
	{ "executed", "Executed binaries and libraries", "executed", NULL, NULL,
	  "Nothing was executed or mapped.", exec_cols },
	{ 0 },
};

json_t *report_rows(const json_t *doc, const struct report_table *t)
{
	json_t *v = json_object_get(doc, t->key);

	if (t->subkey)
		v = json_object_get(v, t->subkey);
	return json_is_array(v) ? v : NULL;
}

void report_short_time(const char *s, char buf[20])
{
	if (!s || strlen(s) < 19) {
		snprintf(buf, 20, "%s", s ? s : "");
		return;
	}
	memcpy(buf, s, 19);
	buf[10] = ' ';
	buf[19] = '\0';
}

void report_cell(FILE *f, json_t *row, const struct report_col *c,
		 void (*esc)(FILE *f, const char *s))
{
	json_t *v = json_object_get(row, c->key), *it;
	char buf[32];
	size_t i;

	if (json_is_null(v) || !v) {
		esc(f, "-");
		return;
	}
	switch (c->kind) {
	case COL_INT:
		fprintf(f, "%lld", (long long)json_integer_value(v));
		break;
	case COL_TIME:
		report_short_time(json_string_value(v), buf);
		esc(f, buf);
		break;
	case COL_BOOL:
		esc(f, json_is_true(v) ? "yes" : "no");
		break;
	case COL_LIST:
		json_array_foreach(v, i, it) {
			if (i)
				esc(f, ", ");
			/* a host list can be long; the JSON has all of it */
			if (i == 8) {
				snprintf(buf, sizeof(buf), "+%zu more", json_array_size(v) - 8);
				esc(f, buf);
				break;
			}
			esc(f, json_string_value(it) ? json_string_value(it) : "-");
		}
		break;
	case COL_VARIANTS:
		json_array_foreach(v, i, it) {
			json_t *h;
			size_t k;

			if (i)
				esc(f, "; ");
			snprintf(buf, sizeof(buf), "%.12s…: ",
				 json_string_value(json_object_get(it, "digest")) ?: "-");
			esc(f, buf);
			json_array_foreach(json_object_get(it, "hosts"), k, h) {
				if (k)
					esc(f, ", ");
				esc(f, json_string_value(h) ?: "-");
			}
		}
		break;
	default:
		esc(f, json_string_value(v) ? json_string_value(v) : "-");
		break;
	}
}

void report_md_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\n' || c == '\r' || c == '\t')
			fputc(' ', f);
		else if (c == '<')
			fputs("&lt;", f);
		else if (c == '>')
			fputs("&gt;", f);
		else if (c == '&')
			fputs("&amp;", f);
		else if (strchr("|\\`*_[]#!~", c))
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

static void md_summary(FILE *f, const json_t *doc)
{
	const json_t *s = json_object_get(doc, "summary"), *al = json_object_get(doc, "allowlist");
	json_t *v;
	char a[20], b[20];
	size_t i;

	report_short_time(json_string_value(json_object_get(json_object_get(s, "period"), "first")),
			  a);
	report_short_time(json_string_value(json_object_get(json_object_get(s, "period"), "last")),
			  b);
	fprintf(f, "## Summary\n\n| | |\n|---|---|\n");
	fprintf(f, "| Hash chains | %s (%lld of %lld logs intact) |\n",
		json_is_true(json_object_get(s, "chains_ok")) ? "all intact" : "**BROKEN**",
		num(s, "logs") - num(s, "broken_logs"), num(s, "logs"));
	fprintf(f, "| Period | %s – %s UTC |\n", a[0] ? a : "-", b[0] ? b : "-");
	fprintf(f, "| Hosts | %zu: ", json_array_size(json_object_get(s, "hosts")));
	json_array_foreach(json_object_get(s, "hosts"), i, v) {
		if (i)
			fputs(", ", f);
		report_md_escape(f, json_string_value(v));
	}
	fprintf(f, " |\n| Modes | ");
	json_array_foreach(json_object_get(s, "modes"), i, v)
		fprintf(f, "%s%s", i ? ", " : "", json_string_value(v));
	fprintf(f, " |\n| Allowlist serials seen | ");
	json_array_foreach(json_object_get(s, "allowlist_serials"), i, v) {
		if (json_is_null(v))
			fprintf(f, "%snone", i ? ", " : "");
		else
			fprintf(f, "%s%lld", i ? ", " : "", (long long)json_integer_value(v));
	}
	fprintf(f, " |\n| Events | %lld access records, %lld summarised repeats |\n",
		num(s, "events"), num(s, "repeats"));
	fprintf(f, "| Denials | %lld |\n| Would deny (monitor) | %lld |\n", num(s, "denials"),
		num(s, "would_deny"));
	fprintf(f, "| Lost events | %lld |\n",
		(long long)json_integer_value(json_object_get(json_object_get(s, "lost"), "events")));
	fprintf(f, "| Hash errors | %lld |\n", num(s, "hash_errors"));
	fprintf(f, "| Executables | %lld distinct (path, digest), %lld not allowlisted |\n",
		num(s, "executables"), num(s, "not_allowlisted"));
	if (json_is_object(al)) {
		fprintf(f, "| Allowlist | ");
		report_md_escape(f, json_string_value(json_object_get(al, "path")));
		fprintf(f, ", serial %lld, %lld entries |\n", num(al, "serial"), num(al, "entries"));
	}
	fputc('\n', f);
}

static void md_table(FILE *f, const json_t *doc, const struct report_table *t)
{
	json_t *rows = report_rows(doc, t), *row;
	const struct report_col *c;
	size_t i;

	if (!rows)
		return;
	fprintf(f, "## %s\n\n", t->title);
	if (t->intro)
		fprintf(f, "%s\n\n", t->intro);
	if (!json_array_size(rows)) {
		fprintf(f, "_%s_\n\n", t->empty);
		return;
	}
	for (c = t->cols; c->title; c++)
		fprintf(f, "| %s ", c->title);
	fputs("|\n", f);
	for (c = t->cols; c->title; c++)
		fputs(c->kind == COL_INT ? "|---:" : "|---", f);
	fputs("|\n", f);
	json_array_foreach(rows, i, row) {
		for (c = t->cols; c->title; c++) {
			fputs("| ", f);
			report_cell(f, row, c, report_md_escape);
			fputc(' ', f);
		}
		fputs("|\n", f);
	}
	fputc('\n', f);
}

int report_write_markdown(const json_t *doc, FILE *f)
{
	const json_t *s = json_object_get(doc, "summary");
	const json_t *logs = json_object_get(doc, "logs"), *l;
	size_t i;

	fprintf(f, "# imaguard report\n\nGenerated %s by %s (%s).\n\n",
		json_string_value(json_object_get(doc, "generated")),
		json_string_value(json_object_get(doc, "generator")), REPORT_FORMAT);
	if (!json_is_true(json_object_get(s, "chains_ok"))) {
		fprintf(f, "> **WARNING: the hash chain of %lld of %lld audit logs does not verify.** "
			   "Their records were read but cannot be trusted:\n",
			num(s, "broken_logs"), num(s, "logs"));
		json_array_foreach(logs, i, l) {
			if (!strcmp(json_string_value(json_object_get(l, "chain")), "intact"))
				continue;
			fputs("> - ", f);
			report_md_escape(f, json_string_value(json_object_get(l, "path")));
			fprintf(f, ": %s at line %lld: ",
				json_string_value(json_object_get(l, "chain")), num(l, "bad_line"));
			report_md_escape(f, json_string_value(json_object_get(l, "why")));
			fputc('\n', f);
		}
		fputc('\n', f);
	}
	md_summary(f, doc);
	for (const struct report_table *t = report_tables; t->id; t++)
		md_table(f, doc, t);
	return ferror(f) ? -EIO : 0;
}
