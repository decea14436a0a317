/* The runner's output: the script's text (stdout or -o FILE, buffered),
 * output records from the kernel half, runtime errors and warnings as stap
 * prints them, and the closing summary. */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "translator/diag.h"
#include "runner_internal.h"
#define BTAP_STACKS_CONSTANTS_ONLY
#include "runtime/btap_stacks.h"
#include "translator/session.h"
#include "translator/util.h"

#define RUNNER_SINK_SIZE 65536
#define RUNNER_MAX_ARGS 64

/* -o FILE's name for file number n: FILE itself for the first one unless
 * -S is given (FILE.0), then FILE.1, FILE.2 ... as stap's staprun names
 * them (/dev/null stays itself). */
static char *output_name(const struct runner *r, int n)
{
	struct strbuf b;
	sb_init(&b);
	sb_puts(&b, r->s->output_file);
	if ((n > 0 || r->s->switch_bytes) && strcmp(r->s->output_file, "/dev/null") != 0)
		sb_printf(&b, ".%d", n);
	return sb_steal(&b);
}

/* Go on in the next output file (the sink is flushed by the caller): at
 * -S's size and at switch_file(). -S SIZE,N keeps the newest N files. */
static void switch_output(struct runner *r)
{
	if (!r->s->output_file || !r->out || r->out == stdout)
		return;
	if (fclose(r->out) != 0)
		r->out_failed = true;
	r->out_fnum++;
	r->out_written = 0;
	if (r->s->switch_keep && r->out_fnum >= r->s->switch_keep) {
		char *old = output_name(r, r->out_fnum - r->s->switch_keep);
		unlink(old);
		free(old);
	}
	char *name = output_name(r, r->out_fnum);
	r->out = fopen(name, "w");
	if (!r->out) {
		diag_plain_error("cannot open output file '%s': %m; the output goes to stdout", name);
		r->out = stdout;
	}
	free(name);
}

static void write_raw(struct runner *r, const char *data, size_t len)
{
	if (r->s->switch_bytes && r->out_written && r->out_written + (int64_t)len > r->s->switch_bytes)
		switch_output(r);
	if (len && !r->out_failed && fwrite(data, 1, len, r->out) != len)
		r->out_failed = true;
	r->out_written += (int64_t)len;
}

void runner_switch_file(struct runner *r)
{
	if (!r->sinkbuf)
		return;
	rt_sink_flush(&r->sink);
	switch_output(r);
}

static void write_out(void *ctx, const char *data, size_t len)
{
	runner_write_expanded(ctx, data, len, write_raw);
}

bool runner_open_output(struct runner *r)
{
	r->out = stdout;
	if (r->s->output_file) {
		char *name = output_name(r, 0);
		r->out = fopen(name, "w");
		if (!r->out) {
			r->out = stdout;
			diag_plain_error("cannot open output file '%s': %m", name);
			free(name);
			return false;
		}
		free(name);
	}
	r->json = r->s->format == OUT_JSON;
	r->sinkbuf = xmalloc(RUNNER_SINK_SIZE);
	rt_sink_init_fn(&r->sink, r->sinkbuf, RUNNER_SINK_SIZE, write_out, r);
	return true;
}

void runner_flush(struct runner *r)
{
	if (!r->sinkbuf)
		return;
	rt_sink_flush(&r->sink);
	if (fflush(r->out) != 0)
		r->out_failed = true;
}

void runner_close_output(struct runner *r)
{
	runner_flush(r);
	write_raw(r, r->tok, r->ntok); /* an unfinished token, as it was */
	r->ntok = 0;
	runner_stacks_release();
	if (r->out && r->out != stdout && fclose(r->out) != 0)
		r->out_failed = true;
	if (r->out_failed)
		diag_plain_error("cannot write the output%s%s: %s", r->s->output_file ? " file " : "",
				 r->s->output_file ? r->s->output_file : "", strerror(errno));
	r->out = NULL;
	free(r->sinkbuf);
	r->sinkbuf = NULL;
	free(r->textbuf);
	r->textbuf = NULL;
	r->textcap = 0;
}

void runner_fail(struct runner *r, const char *fmt, ...)
{
	runner_flush(r);
	va_list ap;
	va_start(ap, fmt);
	char *msg = NULL;
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	diag_plain_error("%s", msg ? msg : fmt);
	free(msg);
}

void runner_request_stop(struct runner *r, enum runner_end why)
{
	r->stop = true;
	if (why > r->end)
		r->end = why;
	/* The kernel probes return at once from now on (as after exit()):
	 * an error that ends the run must not go on firing until the detach,
	 * nor a flood of output keep the runner from getting there. */
	struct btap_globals_hdr *g = runner_globals(r);
	if (g)
		__atomic_store_n(&g->exit_requested, 1, __ATOMIC_SEQ_CST);
}

/* Records per drain while the probes run: enough to keep up with a busy
 * probe, few enough that a signal or a timer is seen within milliseconds. */
#define RUNNER_DRAIN_BATCH 16384

void runner_drain(struct runner *r, bool all)
{
	r->drain_left = all ? INT64_MAX : RUNNER_DRAIN_BATCH;
	r->rt->drain(r);
}

/* ---- formats -------------------------------------------------------- */

bool runner_parse_formats(struct runner *r)
{
	uint32_t n = r->prog->nformats;
	r->formats = xcalloc(n ? n : 1, sizeof(*r->formats));
	for (uint32_t i = 0; i < n; i++) {
		const char *fmt = r->prog->formats[i] ? r->prog->formats[i] : "";
		int count = rt_format_parse(fmt, NULL, 0);
		if (count < 0) {
			runner_fail(r, "format %u (\"%s\") is invalid at byte %d", i, fmt, -count - 1);
			return false;
		}
		struct runner_format *f = &r->formats[i];
		f->specs = xcalloc((size_t)count + 1, sizeof(*f->specs));
		f->nspecs = rt_format_parse(fmt, f->specs, count);
		f->nargs = rt_format_nargs(f->specs, f->nspecs);
	}
	return true;
}

void runner_free_formats(struct runner *r)
{
	for (uint32_t i = 0; r->formats && i < r->prog->nformats; i++)
		free(r->formats[i].specs);
	free(r->formats);
	r->formats = NULL;
}

/* ---- records -------------------------------------------------------- */

struct record_reader {
	const char *p, *end;
	uint32_t slot; /* string slot size: maxstringlen */
};

static int64_t read_long(struct record_reader *rd)
{
	int64_t v = 0;
	if (rd->end - rd->p >= 8)
		memcpy(&v, rd->p, 8);
	rd->p += 8;
	return v;
}

/* A string slot: slen is the string's length, or `want` bytes for %m. */
static struct rt_arg read_string(struct record_reader *rd, size_t want)
{
	struct rt_arg a = RT_ARG_STR_INIT("", 0);
	if (rd->p < rd->end) {
		size_t avail = (size_t)(rd->end - rd->p);
		if (avail > rd->slot)
			avail = rd->slot;
		a.s = rd->p;
		a.slen = want ? (want < avail ? want : avail) : strnlen(rd->p, avail);
	}
	rd->p += rd->slot;
	return a;
}

/* Unpack the arguments of a printf record in the order its specs consume
 * them: * width, * precision, then the value. */
static int unpack_args(struct record_reader *rd, const struct runner_format *f,
		       struct rt_arg *args, int max)
{
	int n = 0;
	for (int i = 0; i < f->nspecs && n < max; i++) {
		const struct rt_fmt_spec *sp = &f->specs[i];
		if (sp->conv == RT_FMT_LITERAL)
			continue;
		if (sp->width == RT_FMT_DYNAMIC && n < max)
			args[n++] = (struct rt_arg)RT_ARG_LONG_INIT(read_long(rd));
		int64_t dynprec = 0;
		if (sp->precision == RT_FMT_DYNAMIC && n < max) {
			dynprec = read_long(rd);
			args[n++] = (struct rt_arg)RT_ARG_LONG_INIT(dynprec);
		}
		if (n >= max)
			break;
		if (sp->conv == RT_FMT_STRING)
			args[n++] = read_string(rd, 0);
		else if (sp->conv == RT_FMT_MEMORY || sp->conv == RT_FMT_MEMORY_HEX)
			args[n++] = read_string(rd, rt_fmt_mem_len(sp, dynprec));
		else
			args[n++] = (struct rt_arg)RT_ARG_LONG_INIT(read_long(rd));
	}
	return n;
}

static void print_record(struct runner *r, uint32_t id, const char *p, const char *end)
{
	if (id >= r->prog->nformats)
		return;
	const struct runner_format *f = &r->formats[id];
	struct record_reader rd = {p, end, r->prog->maxstringlen ? r->prog->maxstringlen : 128};
	struct rt_arg args[RUNNER_MAX_ARGS];
	int n = unpack_args(&rd, f, args, RUNNER_MAX_ARGS);
	/* a string holding a symbol or stack token is named before it is
	 * formatted, so that a width or precision counts the name's bytes */
	struct strbuf named[RUNNER_MAX_ARGS];
	int nnamed = 0;
	for (int i = 0; i < n; i++) {
		if (args[i].kind != RT_ARG_STR || !args[i].s)
			continue;
		size_t len = strnlen(args[i].s, args[i].slen);
		if (!memchr(args[i].s, BTAP_TOKEN_START, len))
			continue;
		struct strbuf *b = &named[nnamed++];
		sb_init(b);
		runner_expand_string(r, args[i].s, len, b);
		args[i].s = b->s ? b->s : "";
		args[i].slen = b->len;
	}
	if (r->json)
		runner_json_print(r, f, r->prog->formats[id], args, n);
	else
		rt_format_sink(&r->sink, f->specs, f->nspecs, args, n);
	while (nnamed)
		sb_free(&named[--nnamed]);
}

static void warn_message(struct runner *r, const char *msg, size_t len)
{
	if (r->s->suppress_warnings)
		return;
	if (r->json)
		runner_json_message(r, "warning", msg, len, NULL);
	runner_flush(r);
	fprintf(stderr, "WARNING: %.*s\n", (int)len, msg);
}

void runner_report_error(struct runner *r, uint32_t site, const char *msg, size_t len)
{
	if (r->s->suppress_handler_errors)
		return;
	const struct btap_error_site *es =
		site < r->prog->nerror_sites ? &r->prog->error_sites[site] : NULL;
	if (r->json)
		runner_json_message(r, "error", msg, len, es);
	runner_flush(r);
	if (es && es->what && *es->what)
		fprintf(stderr, "ERROR: %.*s near %s at %s\n", (int)len, msg, es->what,
			es->loc ? es->loc : "?");
	else if (es && es->loc)
		fprintf(stderr, "ERROR: %.*s at %s\n", (int)len, msg, es->loc);
	else
		fprintf(stderr, "ERROR: %.*s\n", (int)len, msg);
	r->errors_seen++;
	/* stap's MAXERRORS: the run ends once errors exceed it (0: the first). */
	if (r->errors_seen > r->maxerrors)
		runner_request_stop(r, RUNNER_END_ERROR);
}

int runner_on_record(void *ctx, void *data, size_t size)
{
	struct runner *r = ctx;
	if (size < sizeof(struct btap_rec_hdr))
		return 0;
	struct btap_rec_hdr h;
	memcpy(&h, data, sizeof(h));
	const char *p = (const char *)data + sizeof(h), *end = (const char *)data + size;
	size_t slen = strnlen(p, (size_t)(end - p));
	switch (h.type) {
	case BTAP_REC_PRINTF: print_record(r, h.id, p, end); break;
	case BTAP_REC_ERROR: runner_report_error(r, h.id, p, slen); break;
	case BTAP_REC_WARN: warn_message(r, p, slen); break;
	case BTAP_REC_EXIT: runner_request_stop(r, RUNNER_END_NORMAL); break;
	case BTAP_REC_HIST: r->rt->print_hist_record(r, h.id, p, end); break;
	case BTAP_REC_SYSTEM: runner_system(r, p, slen); break;
	case BTAP_REC_SWITCH_FILE: runner_switch_file(r); break;
	case BTAP_REC_LOG: runner_log(r, (int)h.id, p, slen); break;
	default: break;
	}
	/* < 0 ends libbpf's consume after this record (the batch is done) */
	return --r->drain_left > 0 ? 0 : -1;
}

/* ---- operations for runner-side code --------------------------------- */

static void op_print(uint32_t fmt, const struct rt_arg *args, int nargs)
{
	struct runner *r = runner_current;
	if (!r || fmt >= r->prog->nformats)
		return;
	if (r->json)
		runner_json_print(r, &r->formats[fmt], r->prog->formats[fmt], args, nargs);
	else
		rt_format_sink(&r->sink, r->formats[fmt].specs, r->formats[fmt].nspecs, args, nargs);
}

static uint64_t op_format(uint32_t fmt, const struct rt_arg *args, int nargs, char *buf,
			  uint64_t bufsz)
{
	struct runner *r = runner_current;
	if (!r || fmt >= r->prog->nformats) {
		if (buf && bufsz)
			buf[0] = '\0';
		return 0;
	}
	return rt_format(buf, (size_t)bufsz, r->formats[fmt].specs, r->formats[fmt].nspecs, args,
			 nargs);
}

static void op_write(const char *data, uint64_t len)
{
	if (runner_current)
		rt_sink_put(&runner_current->sink, data, (size_t)len);
}

static void op_error(uint32_t site, const char *msg)
{
	struct runner *r = runner_current;
	if (!r)
		return;
	struct btap_globals_hdr *g = runner_globals(r);
	if (g && !r->s->suppress_handler_errors)
		__atomic_fetch_add(&g->errors, 1, __ATOMIC_RELAXED);
	runner_report_error(r, site, msg ? msg : "", msg ? strlen(msg) : 0);
}

static void op_warn(uint32_t site, const char *msg)
{
	if (runner_current)
		warn_message(runner_current, msg ? msg : "", msg ? strlen(msg) : 0);
}

static void op_exit(void)
{
	struct runner *r = runner_current;
	if (!r)
		return;
	struct btap_globals_hdr *g = runner_globals(r);
	if (g)
		g->exit_requested = 1;
	runner_request_stop(r, RUNNER_END_NORMAL);
}

static void op_system(const char *cmd)
{
	if (runner_current && cmd)
		runner_system(runner_current, cmd, strlen(cmd));
}

static void op_switch_file(void)
{
	if (runner_current)
		runner_switch_file(runner_current);
}

static void op_log(int where, const char *msg)
{
	if (runner_current && msg)
		runner_log(runner_current, where, msg, strlen(msg));
}

static uint64_t op_expand(const char *s, char *buf, uint64_t bufsz)
{
	struct strbuf b;
	sb_init(&b);
	if (runner_current && s)
		runner_expand_string(runner_current, s, strlen(s), &b);
	uint64_t n = b.len;
	if (bufsz) {
		uint64_t k = n < bufsz - 1 ? n : bufsz - 1;
		if (k)
			memcpy(buf, b.s, k);
		buf[k] = 0;
	}
	sb_free(&b);
	return n;
}

static int64_t op_target(void)
{
	return runner_current ? runner_current->target_pid : 0;
}

void runner_bind_output_ops(struct btap_runner_ops *ops)
{
	ops->print = op_print;
	ops->write = op_write;
	ops->format = op_format;
	ops->error = op_error;
	ops->warn = op_warn;
	ops->exit = op_exit;
	ops->target = op_target;
	ops->system = op_system;
	ops->switch_file = op_switch_file;
	ops->log = op_log;
	ops->expand = op_expand;
}

/* ---- the closing summary --------------------------------------------- */

void runner_report_summary(struct runner *r)
{
	struct btap_globals_hdr *g = runner_globals(r);
	int64_t lost = 0, errors = r->errors_seen, skipped = 0;
	if (g) {
		for (int i = 0; i < 256; i++)
			lost += g->lost_records[i];
		/* The BPF side counts its errors there; records may be lost. */
		if (g->errors > errors && !r->s->suppress_handler_errors)
			errors = g->errors;
		skipped = g->skipped;
	}
	r->errors_seen = errors;
	if (r->json)
		runner_json_summary(r, lost, errors, skipped);
	runner_flush(r);
	if (lost)
		fprintf(stderr, "WARNING: %lld output records lost\n", (long long)lost);
	if (errors || skipped)
		fprintf(stderr, "WARNING: Number of errors: %lld, skipped probes: %lld\n",
			(long long)errors, (long long)skipped);
}
