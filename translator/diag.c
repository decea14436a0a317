/* Located diagnostics: the registry of source files (so a location can
 * show its line), the error and warning counts, each message said once
 * however many paths reach it, and printing to stderr or to a capture
 * buffer (tests and the fuzzer). */
#include "diag.h"
#include "util.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct src_file **files;
static int nfiles, capfiles;

struct src_file *src_register(const char *name, const char *text, size_t len, bool is_tapset)
{
	if (nfiles == capfiles) {
		capfiles = capfiles ? capfiles * 2 : 16;
		files = xrealloc(files, sizeof(*files) * (size_t)capfiles);
	}
	struct src_file *f = xcalloc(1, sizeof(*f));
	f->name = xstrdup(name);
	f->text = text;
	f->len = len;
	f->is_tapset = is_tapset;
	f->index = nfiles;
	files[nfiles++] = f;
	return f;
}

void src_reset(void)
{
	for (int i = 0; i < nfiles; i++) {
		free((char *)files[i]->name);
		free(files[i]);
	}
	free(files);
	files = NULL;
	nfiles = capfiles = 0;
}

void src_line_text(const struct src_file *f, int line, char *buf, size_t bufsz)
{
	const char *p = f->text, *end = f->text + f->len;
	for (int l = 1; l < line && p < end; p++)
		if (*p == '\n')
			l++;
	size_t n = 0;
	while (p + n < end && p[n] != '\n' && p[n] != '\r')
		n++;
	if (n >= bufsz)
		n = bufsz - 1;
	memcpy(buf, p, n);
	buf[n] = 0;
}

static int nerrors, nwarnings, max_errors;
static bool suppress_warnings, warnings_are_errors;
static bool capturing;
static struct strbuf capture;

int diag_error_count(void) { return nerrors; }
int diag_warning_count(void) { return nwarnings; }
void diag_set_suppress_warnings(bool on) { suppress_warnings = on; }
void diag_set_warnings_are_errors(bool on) { warnings_are_errors = on; }
void diag_set_max_errors(int n) { max_errors = n; }

/* Hashes of the diagnostics printed so far: the same message at the same
 * place is said once, however many paths of a pass reach it. */
static uint64_t *seen;
static int nseen, capseen;

static bool seen_before(const char *text)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */
	for (const char *p = text; *p; p++)
		h = (h ^ (unsigned char)*p) * 1099511628211ull;
	for (int i = 0; i < nseen; i++)
		if (seen[i] == h)
			return true;
	if (nseen == capseen) {
		capseen = capseen ? capseen * 2 : 32;
		seen = xrealloc(seen, sizeof(*seen) * (size_t)capseen);
	}
	seen[nseen++] = h;
	return false;
}

void diag_reset(void)
{
	nerrors = nwarnings = 0;
	free(seen);
	seen = NULL;
	nseen = capseen = 0;
}

void diag_capture_begin(void)
{
	capturing = true;
	sb_free(&capture);
}

char *diag_capture_take(void) { return sb_steal(&capture); }

void diag_capture_end(void)
{
	capturing = false;
	sb_free(&capture);
}

static void emit(const char *s)
{
	if (capturing)
		sb_puts(&capture, s);
	else
		fputs(s, stderr);
}

static void print_location(struct strbuf *b, struct loc at)
{
	char line[512];
	src_line_text(at.file, at.line, line, sizeof line);
	sb_printf(b, "    %s\n    ", line);
	/* The caret lines up with tabs in the source line. */
	for (int i = 1; i < at.col && line[i - 1]; i++)
		sb_putc(b, line[i - 1] == '\t' ? '\t' : ' ');
	sb_puts(b, "^\n");
}

static void vdiag(enum diag_level lvl, struct loc at, const char *fmt, va_list ap)
{
	static const char *names[] = {"error", "warning", "note"};
	if (lvl == DIAG_WARNING && warnings_are_errors && !suppress_warnings) /* -W (-w wins, as in stap) */
		lvl = DIAG_ERROR;
	struct strbuf b;
	sb_init(&b);
	if (at.file)
		sb_printf(&b, "%s:%d:%d: %s: ", at.file->name, at.line, at.col, names[lvl]);
	else
		sb_printf(&b, "btap: %s: ", names[lvl]);
	sb_vprintf(&b, fmt, ap);
	sb_putc(&b, '\n');
	if (lvl != DIAG_NOTE && seen_before(b.s)) {
		sb_free(&b);
		return;
	}
	if (lvl == DIAG_ERROR) {
		nerrors++;
		if (max_errors && nerrors > max_errors) {
			sb_free(&b);
			return;
		}
	} else if (lvl == DIAG_WARNING) {
		nwarnings++;
		if (suppress_warnings) {
			sb_free(&b);
			return;
		}
	}
	if (at.file)
		print_location(&b, at);
	for (const struct loc *e = at.expanded_from; e && e->file; e = e->expanded_from) {
		sb_printf(&b, "%s:%d:%d: note: expanded from here\n", e->file->name, e->line, e->col);
		print_location(&b, *e);
	}
	emit(b.s);
	sb_free(&b);
}

void diag_error(struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void diag_warning(struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

void diag_note(struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vdiag(DIAG_NOTE, at, fmt, ap);
	va_end(ap);
}

void diag_plain_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	struct loc none = {0};
	vdiag(DIAG_ERROR, none, fmt, ap);
	va_end(ap);
}
