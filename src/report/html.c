// SPDX-License-Identifier: GPL-2.0-only
/*
 * The HTML rendering: one self-contained file, nothing fetched. Summary
 * cards, three inline SVG charts, and the shared tables made sortable by a
 * few lines of inline script. The page's Content-Security-Policy admits only
 * that script, by its hash, so even text that escaped the escaping could not
 * run. With ?selftest=1 the script sorts a table and writes the outcome into
 * #selftest, which a headless browser's DOM dump can check.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util/digest.h"
#include "util/rfc3339.h"
#include "report/priv.h"
#include "crypto/sig.h"

#define HTML_ROWS_MAX 5000

static const char style[] =
	"body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
	"color:#1f2933;background:#f5f7fa}"
	"header{background:#243b53;color:#fff;padding:16px 24px}"
	"header h1{margin:0;font-size:22px}header p{margin:4px 0 0;opacity:.8}"
	"main{padding:16px 24px;max-width:1400px}"
	".banner{padding:12px 16px;border-radius:6px;margin:0 0 16px;font-weight:600}"
	".ok{background:#e3f9e5;color:#0e5814;border:1px solid #91d89b}"
	".bad{background:#ffe3e3;color:#8a041a;border:2px solid #e12d39}"
	".banner ul{margin:6px 0 0;font-weight:400}"
	".cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}"
	".card{background:#fff;border-radius:6px;padding:10px 14px;min-width:130px;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12)}"
	".card b{display:block;font-size:24px}.card span{color:#52606d;font-size:12px}"
	".card.warn b{color:#c81e1e}"
	".charts{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:16px}"
	"figure{background:#fff;margin:0;padding:10px;border-radius:6px;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12)}"
	"figcaption{font-weight:600;margin-bottom:4px}"
	"section{background:#fff;border-radius:6px;padding:4px 16px 12px;margin-bottom:16px;"
	"box-shadow:0 1px 3px rgba(0,0,0,.12);overflow-x:auto}"
	"h2{font-size:17px}table{border-collapse:collapse;width:100%;font-size:13px}"
	"th,td{padding:4px 8px;border-bottom:1px solid #e4e7eb;text-align:left;"
	"vertical-align:top}td.n{text-align:right}"
	"th{background:#f0f4f8;cursor:pointer;user-select:none;white-space:nowrap}"
	"th[aria-sort=ascending]::after{content:' \\25b2'}"
	"th[aria-sort=descending]::after{content:' \\25bc'}"
	"tbody tr:nth-child(even){background:#fafbfc}"
	"code{font:12px ui-monospace,monospace}td{word-break:break-all}"
	"nav a{margin-right:12px}.muted{color:#7b8794}"
	/* a row read from a log whose chain is broken */
	"tr.broken td{background:#fff1f1}tr.broken td:first-child{box-shadow:inset 4px 0 #e12d39}"
	".flag{color:#c81e1e;font-weight:600}"
	/* a digest: 16 hex on screen (the title has it whole), all 64 in print */
	"code.dg .dr{display:none}"
	"@media print{body{background:#fff}header{background:none;color:#000}"
	"nav,th::after{display:none}section,figure,.card{box-shadow:none;border:1px solid #ccc}"
	"section{overflow:visible}tr{break-inside:avoid}"
	"code.dg .dr{display:inline}code.dg .de{display:none}code.dg{word-break:break-all}}";

/* Kept free of anything from the report: the CSP hash covers these bytes. */
static const char script[] =
	"(function(){'use strict';"
	"var errors=0;window.addEventListener('error',function(){errors++;});"
	"function val(c){var n=c.getAttribute('data-n');return n===null?null:Number(n);}"
	"function sortBy(th){"
	"var tr=th.parentNode,i=Array.prototype.indexOf.call(tr.children,th),"
	"tb=th.closest('table').tBodies[0],"
	"dir=th.getAttribute('aria-sort')==='ascending'?-1:1,"
	"rows=Array.prototype.slice.call(tb.rows);"
	"rows.sort(function(a,b){var x=a.cells[i],y=b.cells[i],p=val(x),q=val(y),c;"
	"if(p!==null&&q!==null)c=p-q;else{p=x.textContent;q=y.textContent;c=p<q?-1:p>q?1:0;}"
	"return c*dir;});"
	"rows.forEach(function(r){tb.appendChild(r);});"
	"Array.prototype.forEach.call(tr.children,function(h){h.removeAttribute('aria-sort');});"
	"th.setAttribute('aria-sort',dir>0?'ascending':'descending');}"
	"document.addEventListener('click',function(e){"
	"var th=e.target.closest&&e.target.closest('th');if(th&&th.closest('table.sortable'))sortBy(th);});"
	"function sorted(tb,i,dir){for(var k=1;k<tb.rows.length;k++){"
	"var a=val(tb.rows[k-1].cells[i]),b=val(tb.rows[k].cells[i]);"
	"if((b-a)*dir<0)return false;}return true;}"
	"function selftest(){var tested=0,ok=true;"
	"Array.prototype.forEach.call(document.querySelectorAll('table.sortable'),function(t){"
	"var tb=t.tBodies[0],ths=t.tHead.rows[0].cells,i;if(tb.rows.length<2)return;"
	"for(i=0;i<ths.length&&!ths[i].hasAttribute('data-num');i++);if(i===ths.length)return;"
	"ths[i].click();ok=ok&&sorted(tb,i,1);ths[i].click();ok=ok&&sorted(tb,i,-1);tested++;});"
	"var scripts=document.getElementsByTagName('script').length,"
	"injected=document.querySelectorAll('img,iframe,object,embed,a[href^=javascript]').length;"
	"var pass=ok&&tested>0&&scripts===1&&injected===0&&errors===0;"
	/* what a rendering test needs and the markup alone cannot say: how
	 * many digests show whole as laid out (innerText follows the CSS),
	 * the rows marked broken, and where the coverage chart and its
	 * (not allowlisted) bar are drawn, in CSS pixels of the viewport */
	"var dg=document.querySelectorAll('code.dg'),whole=0;"
	"Array.prototype.forEach.call(dg,function(c){if(/^[0-9a-f]{64}$/.test(c.innerText.trim()))whole++;});"
	"function box(e){if(!e)return'none';var r=e.getBoundingClientRect();"
	"return[r.left,r.top,r.width,r.height].map(Math.round).join(',');}"
	"var out=document.getElementById('selftest');"
	"out.textContent='selftest: '+(pass?'pass':'fail')+' tables='+tested+' sorted='+ok+"
	"' scripts='+scripts+' injected='+injected+' errors='+errors+"
	"' digests='+dg.length+' whole='+whole+"
	"' broken_rows='+document.querySelectorAll('tr.broken').length+"
	"' width='+document.documentElement.scrollWidth+"
	"' coverage_chart='+box(document.getElementById('chart-coverage'))+"
	"' unlisted_bar='+box(document.querySelector('#chart-coverage rect.cov-unlisted'));"
	"out.hidden=false;}"
	"if(/[?&]selftest=1(&|$)/.test(location.search))selftest();"
	"document.body.setAttribute('data-ready','1');"
	"})();";

void report_html_escape(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			fputc(*s, f);
		}
	}
}

static long long num(const json_t *o, const char *k)
{
	return (long long)json_integer_value(json_object_get(o, k));
}

/* ---- charts ------------------------------------------------------------------ */

#define CHART_W 380
#define CHART_H 200

static void chart_timeline(FILE *f, const json_t *doc)
{
	const json_t *tl = json_object_get(doc, "timeline");
	json_t *bk = json_object_get(tl, "buckets"), *b;
	size_t n = json_array_size(bk), i;
	long long max = 1;
	const int left = 44, top = 10, w = CHART_W - left - 10, h = CHART_H - top - 34;
	char t0[20], t1[20];

	json_array_foreach(bk, i, b)
		if (num(b, "events") > max)
			max = num(b, "events");
	fprintf(f, "<figure><figcaption>Events over time</figcaption>"
		   "<svg role=\"img\" aria-label=\"events over time\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\">",
		CHART_W, CHART_H, CHART_W, CHART_H);
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa5b1\"/>", left,
		top + h, left + w, top + h);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">%lld</text>",
		left - 4, top + 10, max);
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" text-anchor=\"end\">0</text>", left - 4,
		top + h);
	for (i = 0; i < n; i++) {
		double bw = (double)w / (double)n, x = left + bw * (double)i;
		double he = (double)h * (double)num(json_array_get(bk, i), "events") / (double)max;
		double hd = (double)h * (double)num(json_array_get(bk, i), "denials") / (double)max;

		fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4c78a8\">"
			   "<title>%lld events, %lld denials</title></rect>",
			x + 1, top + h - he, bw > 3 ? bw - 2 : bw, he,
			num(json_array_get(bk, i), "events"), num(json_array_get(bk, i), "denials"));
		if (hd > 0)
			fprintf(f, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
				   "fill=\"#e45756\"/>",
				x + 1, top + h - hd, bw > 3 ? bw - 2 : bw, hd);
	}
	/* One label under the axis: the span the bars cover, end included,
	 * and how wide a bar is. */
	if (n) {
		const json_t *b0 = json_array_get(bk, 0), *bn = json_array_get(bk, n - 1);
		const char *first = json_string_value(json_object_get(b0, "start"));
		const char *last = json_string_value(json_object_get(bn, "start"));
		char end[RFC3339_NS_BUF] = "";
		bool same_day;
		int64_t ns;

		report_short_time(first, t0);
		if (last && !rfc3339_parse_ns(last, &ns)) {
			rfc3339_format_ns(ns + num(tl, "bucket_s") * 1000000000ll, end);
			report_short_time(end, t1);
		} else {
			report_short_time(last, t1);
		}
		/* the end's date only when it differs from the start's */
		same_day = strlen(t1) == 19 && !strncmp(t0, t1, 10);
		fprintf(f, "<text id=\"timeline-axis\" x=\"%d\" y=\"%d\" font-size=\"11\" "
			   "text-anchor=\"middle\">%s – %s UTC · %lld s a bar</text>",
			left + w / 2, top + h + 14, t0, same_day ? t1 + 11 : t1, num(tl, "bucket_s"));
	} else {
		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"13\" fill=\"#7b8794\">no events</text>",
			left + 10, top + h / 2);
	}
	fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#4c78a8\"/>"
		   "<text x=\"%d\" y=\"%d\" font-size=\"11\">events</text>"
		   "<rect x=\"%d\" y=\"%d\" width=\"10\" height=\"10\" fill=\"#e45756\"/>"
		   "<text x=\"%d\" y=\"%d\" font-size=\"11\">denials</text></svg></figure>",
		left, CHART_H - 12, left + 14, CHART_H - 3, left + 70, CHART_H - 12, left + 84,
		CHART_H - 3);
}

/* Horizontal bars: one row per item. */
struct hbar {
	const char *label;
	long long a;
};

static void chart_hbars(FILE *f, const char *caption, const struct hbar *bars, size_t n,
			const char *ca, const char *legend)
{
	const int left = 140, rowh = 22, w = CHART_W - left - 50;
	int h = (int)(n ? n : 1) * rowh + 30;
	long long max = 1;

	for (size_t i = 0; i < n; i++) {
		if (bars[i].a > max)
			max = bars[i].a;
	}
	fprintf(f, "<figure><figcaption>");
	report_html_escape(f, caption);
	fprintf(f, "</figcaption><svg role=\"img\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\">",
		CHART_W, h, CHART_W, h);
	if (!n)
		fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"13\" fill=\"#7b8794\">none</text>");
	for (size_t i = 0; i < n; i++) {
		int y = 6 + (int)i * rowh;
		double wa = (double)w * (double)bars[i].a / (double)max;

		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", left - 6,
			y + 14);
		report_html_escape(f, bars[i].label);
		fprintf(f, "<title>");
		report_html_escape(f, bars[i].label);
		fprintf(f, "</title></text>");
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"/>", left,
			y + 2, wa, ca);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%lld", left + wa + 4, y + 14,
			bars[i].a);
		fprintf(f, "</text>");
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"11\" fill=\"#52606d\">", left, h - 6);
	report_html_escape(f, legend);
	fprintf(f, "</text></svg></figure>");
}

/* The coverage chart's colours: entries of a source that ran, those that
 * did not, and what ran outside the list. */
#define COV_RAN "#54a24b"
#define COV_IDLE "#d3cec4"
#define COV_UNLISTED "#f58518"
#define COV_BARS 15

static long long cov_runs(const json_t *row)
{
	return num(row, "executions");
}

static bool cov_unlisted(const json_t *row)
{
	const char *src = json_string_value(json_object_get(row, "source"));

	return src && !strcmp(src, "(not allowlisted)");
}

static int cmp_cov_runs(const void *pa, const void *pb)
{
	const json_t *a = *(const json_t *const *)pa, *b = *(const json_t *const *)pb;
	const char *x = json_string_value(json_object_get(a, "source"));
	const char *y = json_string_value(json_object_get(b, "source"));

	if (cov_runs(a) != cov_runs(b))
		return cov_runs(a) < cov_runs(b) ? 1 : -1;
	if (num(a, "executed") != num(b, "executed"))
		return num(a, "executed") < num(b, "executed") ? 1 : -1;
	return strcmp(x ? x : "", y ? y : "");
}

/*
 * The sources that ran most, most first, and what ran outside the list
 * always (it is what the chart is for); the rest are counted under it and
 * listed in the table. A source's bar is its entries, those that ran in
 * the covered colour over those listed.
 */
static int chart_coverage(FILE *f, const json_t *cov)
{
	size_t n = json_array_size(cov), shown, i;
	const json_t **rows = calloc(n ? n : 1, sizeof(*rows));
	const int left = 150, rowh = 22, w = CHART_W - left - 56;
	long long max = 1;
	int h;

	if (!rows)
		return -ENOMEM;
	for (i = 0; i < n; i++)
		rows[i] = json_array_get(cov, i);
	qsort(rows, n, sizeof(*rows), cmp_cov_runs);
	shown = n < COV_BARS ? n : COV_BARS;
	for (i = COV_BARS; i < n; i++)
		if (cov_unlisted(rows[i])) {
			const json_t *u = rows[i];

			memmove(rows + COV_BARS, rows + COV_BARS - 1,
				(i - COV_BARS + 1) * sizeof(*rows));
			rows[COV_BARS - 1] = u;
			break;
		}
	for (i = 0; i < shown; i++) {
		json_t *listed = json_object_get(rows[i], "listed");

		if (num(rows[i], "executed") > max)
			max = num(rows[i], "executed");
		if (json_is_integer(listed) && json_integer_value(listed) > max)
			max = json_integer_value(listed);
	}
	h = (int)(shown ? shown : 1) * rowh + 30 + (n > shown ? 18 : 0);
	fprintf(f, "<figure id=\"chart-coverage\"><figcaption>Coverage by source</figcaption>"
		   "<svg role=\"img\" aria-label=\"coverage by source\" width=\"%d\" height=\"%d\" "
		   "viewBox=\"0 0 %d %d\">",
		CHART_W, h, CHART_W, h);
	if (!shown)
		fprintf(f, "<text x=\"10\" y=\"20\" font-size=\"13\" fill=\"#7b8794\">none</text>");
	for (i = 0; i < shown; i++) {
		const json_t *r = rows[i];
		json_t *listed = json_object_get(r, "listed");
		bool out = cov_unlisted(r);
		int y = 6 + (int)i * rowh;
		double wa = (double)w * (double)num(r, "executed") / (double)max;
		double wl = (double)w * (double)json_integer_value(listed) / (double)max;

		fprintf(f, "<text x=\"%d\" y=\"%d\" font-size=\"12\" text-anchor=\"end\">", left - 6,
			y + 14);
		report_html_escape(f, json_string_value(json_object_get(r, "source")));
		fprintf(f, "<title>");
		report_html_escape(f, json_string_value(json_object_get(r, "source")));
		fprintf(f, ": %lld runs</title></text>", cov_runs(r));
		if (json_is_integer(listed))
			fprintf(f, "<rect class=\"cov-idle\" x=\"%d\" y=\"%d\" width=\"%.1f\" "
				   "height=\"16\" fill=\"" COV_IDLE "\"/>",
				left, y + 2, wl);
		fprintf(f, "<rect class=\"%s\" x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"16\" "
			   "fill=\"%s\"/>",
			out ? "cov-unlisted" : "cov-ran", left, y + 2, wa,
			out ? COV_UNLISTED : COV_RAN);
		fprintf(f, "<text x=\"%.1f\" y=\"%d\" font-size=\"11\">%lld",
			left + (wl > wa ? wl : wa) + 4, y + 14, num(r, "executed"));
		if (json_is_integer(listed))
			fprintf(f, " / %lld", (long long)json_integer_value(listed));
		fprintf(f, "</text>");
	}
	if (n > shown)
		fprintf(f, "<text id=\"coverage-more\" x=\"%d\" y=\"%d\" font-size=\"11\" "
			   "fill=\"#52606d\">and %zu more source%s with fewer runs: "
			   "in the table below</text>",
			10, 6 + (int)shown * rowh + 12, n - shown, n - shown == 1 ? "" : "s");
	fprintf(f, "<rect x=\"10\" y=\"%d\" width=\"10\" height=\"10\" fill=\"" COV_RAN "\"/>"
		   "<text x=\"24\" y=\"%d\" font-size=\"11\">entries that ran</text>"
		   "<rect x=\"118\" y=\"%d\" width=\"10\" height=\"10\" fill=\"" COV_IDLE "\"/>"
		   "<text x=\"132\" y=\"%d\" font-size=\"11\">listed, never ran</text>"
		   "<rect x=\"238\" y=\"%d\" width=\"10\" height=\"10\" fill=\"" COV_UNLISTED "\"/>"
		   "<text x=\"252\" y=\"%d\" font-size=\"11\">ran, not allowlisted</text>",
		h - 15, h - 6, h - 15, h - 6, h - 15, h - 6);
	fprintf(f, "</svg></figure>");
	free(rows);
	return 0;
}

static int charts(FILE *f, const json_t *doc)
{
	const json_t *dr = json_object_get(doc, "denials_by_reason");
	json_t *v;
	size_t n = json_object_size(dr), k = 0;
	struct hbar *bars = calloc(n ? n : 1, sizeof(*bars));
	const char *key;
	int err;

	if (!bars)
		return -ENOMEM;
	fprintf(f, "<div class=\"charts\">");
	chart_timeline(f, doc);
	json_object_foreach((json_t *)dr, key, v)
		bars[k++] = (struct hbar){ key, (long long)json_integer_value(v) };
	chart_hbars(f, "Denials by reason", bars, k, "#e45756", "denied accesses");
	err = chart_coverage(f, json_object_get(doc, "coverage"));
	fprintf(f, "</div>");
	free(bars);
	return err;
}

/* ---- page ------------------------------------------------------------------------ */

static void card(FILE *f, const char *label, long long v, bool warn)
{
	fprintf(f, "<div class=\"card%s\"><b>%lld</b><span>", warn ? " warn" : "", v);
	report_html_escape(f, label);
	fprintf(f, "</span></div>");
}

static void banner(FILE *f, const json_t *doc)
{
	const json_t *s = json_object_get(doc, "summary");
	json_t *l;
	size_t i;

	if (json_is_true(json_object_get(s, "chains_ok"))) {
		fprintf(f, "<div class=\"banner ok\" id=\"chain-status\">Hash chains: all %lld audit "
			   "logs verified intact.</div>",
			num(s, "logs"));
		return;
	}
	fprintf(f, "<div class=\"banner bad\" id=\"chain-status\">CHAIN BROKEN: %lld of %lld audit "
		   "logs do not verify; their records were read but cannot be trusted.<ul>",
		num(s, "broken_logs"), num(s, "logs"));
	json_array_foreach(json_object_get(doc, "logs"), i, l) {
		if (!strcmp(json_string_value(json_object_get(l, "chain")), "intact"))
			continue;
		fprintf(f, "<li><code>");
		report_html_escape(f, json_string_value(json_object_get(l, "path")));
		fprintf(f, "</code>: %s at line %lld: ", json_string_value(json_object_get(l, "chain")),
			num(l, "bad_line"));
		report_html_escape(f, json_string_value(json_object_get(l, "why")));
		fprintf(f, "</li>");
	}
	fprintf(f, "</ul>Rows read from them are marked <span class=\"flag\">⚠ broken log</span> "
		   "in the tables below.</div>");
}

static void cards(FILE *f, const json_t *doc)
{
	const json_t *s = json_object_get(doc, "summary");
	long long lost = (long long)json_integer_value(
		json_object_get(json_object_get(s, "lost"), "events"));

	fprintf(f, "<div class=\"cards\">");
	card(f, "hosts", (long long)json_array_size(json_object_get(s, "hosts")), false);
	card(f, "events", num(s, "events"), false);
	card(f, "denials", num(s, "denials"), num(s, "denials") > 0);
	card(f, "would deny (monitor)", num(s, "would_deny"), num(s, "would_deny") > 0);
	card(f, "lost events", lost, lost > 0);
	card(f, "executables", num(s, "executables"), false);
	card(f, "not allowlisted", num(s, "not_allowlisted"), num(s, "not_allowlisted") > 0);
	card(f, "broken chains", num(s, "broken_logs"), num(s, "broken_logs") > 0);
	fprintf(f, "</div>");
}

static void html_table(FILE *f, const json_t *doc, const struct report_table *t)
{
	json_t *rows = report_rows(doc, t), *row;
	const struct report_col *c;
	size_t i;

	if (!rows)
		return;
	fprintf(f, "<section id=\"%s\"><h2>", t->id);
	report_html_escape(f, t->title);
	fprintf(f, " <span class=\"muted\">(%zu)</span></h2>", json_array_size(rows));
	if (t->intro) {
		fprintf(f, "<p>");
		report_html_escape(f, t->intro);
		fprintf(f, "</p>");
	}
	if (!json_array_size(rows)) {
		fprintf(f, "<p class=\"muted\">");
		report_html_escape(f, t->empty);
		fprintf(f, "</p></section>");
		return;
	}
	fprintf(f, "<table class=\"sortable\" id=\"t-%s\"><thead><tr>", t->id);
	for (c = t->cols; c->title; c++) {
		fprintf(f, "<th%s>", c->kind == COL_INT ? " data-num" : "");
		report_html_escape(f, c->title);
		fprintf(f, "</th>");
	}
	fprintf(f, "</tr></thead><tbody>");
	json_array_foreach(rows, i, row) {
		if (i == HTML_ROWS_MAX)
			break;
		bool broken = json_is_true(json_object_get(row, "from_broken_log"));

		fprintf(f, broken ? "<tr class=\"broken\" title=\"read from a log whose chain is broken\">"
				  : "<tr>");
		for (c = t->cols; c->title; c++) {
			json_t *v = json_object_get(row, c->key);

			if (c->kind == COL_INT)
				fprintf(f, "<td class=\"n\" data-n=\"%lld\">",
					json_is_integer(v) ? (long long)json_integer_value(v) : -1);
			else if (c->kind == COL_DIGEST && json_is_string(v))
				fprintf(f, "<td title=\"%s\">", json_string_value(v));
			else
				fprintf(f, "<td>");
			if (broken && c == t->cols)
				fprintf(f, "<span class=\"flag\">⚠ broken log</span> ");
			if (c->kind == COL_DIGEST && json_is_string(v) &&
			    strlen(json_string_value(v)) > 16)
				/* hex, checked when read: nothing to escape; the
				 * rest is shown in print only (style) */
				fprintf(f, "<code class=\"dg\">%.16s<span class=\"dr\">%s</span>"
					   "<span class=\"de\">…</span></code>",
					json_string_value(v), json_string_value(v) + 16);
			else
				report_cell(f, row, c, report_html_escape);
			fprintf(f, "</td>");
		}
		fprintf(f, "</tr>");
	}
	fprintf(f, "</tbody></table>");
	if (json_array_size(rows) > HTML_ROWS_MAX)
		fprintf(f, "<p class=\"muted\">The first %d of %zu rows; the JSON report has all.</p>",
			HTML_ROWS_MAX, json_array_size(rows));
	fprintf(f, "</section>");
}

int report_write_html(const json_t *doc, FILE *f)
{
	const json_t *s = json_object_get(doc, "summary"), *p = json_object_get(s, "period");
	uint8_t sha[SHA256_LEN];
	char *b64 = NULL, a[20], b[20];
	int err;

	err = sha256_buf(script, strlen(script), sha);
	if (err)
		return err;
	b64 = sig_base64_encode(sha, sizeof(sha));
	if (!b64)
		return -ENOMEM;
	fprintf(f, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
		   "<meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">"
		   "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
		   "style-src 'unsafe-inline'; script-src 'sha256-%s'\">"
		   "<title>imaguard report</title><style>%s</style></head><body>\n",
		b64, style);
	report_short_time(json_string_value(json_object_get(p, "first")), a);
	report_short_time(json_string_value(json_object_get(p, "last")), b);
	fprintf(f, "<header><h1>imaguard report</h1><p>%s – %s UTC · generated ",
		a[0] ? a : "-", b[0] ? b : "-");
	report_html_escape(f, json_string_value(json_object_get(doc, "generated")));
	fprintf(f, " by ");
	report_html_escape(f, json_string_value(json_object_get(doc, "generator")));
	fprintf(f, " · %s</p></header><main>\n", REPORT_FORMAT);
	banner(f, doc);
	cards(f, doc);
	err = charts(f, doc);
	if (err)
		goto cleanup;
	fprintf(f, "\n<nav>");
	for (const struct report_table *t = report_tables; t->id; t++) {
		if (!report_rows(doc, t))
			continue;
		fprintf(f, "<a href=\"#%s\">", t->id);
		report_html_escape(f, t->title);
		fprintf(f, "</a>");
	}
	fprintf(f, "</nav>\n");
	for (const struct report_table *t = report_tables; t->id; t++) {
		html_table(f, doc, t);
		fputc('\n', f);
	}
	fprintf(f, "<pre id=\"selftest\" hidden></pre></main>\n<script>%s</script>\n</body></html>\n",
		script);
	err = ferror(f) ? -EIO : 0;
cleanup:
	free(b64);
	return err;
}
