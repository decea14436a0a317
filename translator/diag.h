/* Source files and located diagnostics.
 *
 * Every message is printed as
 *     file:line:col: error: message
 *         source line
 *         ^
 * to stderr (or to a capture buffer for tests and the fuzzer). */
#ifndef BTAP_DIAG_H
#define BTAP_DIAG_H

#include <stdbool.h>
#include <stddef.h>

struct src_file {
	const char *name; /* as shown in messages */
	const char *text; /* NUL-terminated */
	size_t len;
	bool is_tapset;   /* from the tapset library, not the user */
	int index;        /* registration order */
};

struct loc {
	const struct src_file *file; /* NULL: no location (command line) */
	int line, col;               /* 1-based */
	const struct loc *expanded_from; /* macro or $N expansion site, or NULL */
};

/* Register a source (the text is borrowed and must outlive the session). */
struct src_file *src_register(const char *name, const char *text, size_t len, bool is_tapset);
/* Forget every registered source (end of session). */
void src_reset(void);

enum diag_level { DIAG_ERROR, DIAG_WARNING, DIAG_NOTE };

void diag_error(struct loc at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_warning(struct loc at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void diag_note(struct loc at, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* An error with no source location ("btap: error: ..."). */
void diag_plain_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

int diag_error_count(void);
int diag_warning_count(void);
void diag_reset(void);
/* -w: warnings are counted but not printed. */
void diag_set_suppress_warnings(bool on);
/* -W: every warning is an error (counted, and the pass fails). */
void diag_set_warnings_are_errors(bool on);
/* Stop printing errors beyond this many (0 = unlimited). */
void diag_set_max_errors(int n);

/* Send diagnostics to a memory buffer instead of stderr (tests, fuzzer).
 * diag_capture_take returns the text so far (caller frees) and clears it. */
void diag_capture_begin(void);
char *diag_capture_take(void);
void diag_capture_end(void);

/* The text of line `line` of `f` (without newline), into buf. */
void src_line_text(const struct src_file *f, int line, char *buf, size_t bufsz);

#endif
