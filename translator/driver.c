/* The passes in order for one session: a warm start straight from the
 * script cache to pass 5, else parse, elaborate, translate, compile and
 * run, stopping after -p N, with -v's one line a pass and its time.
 * Passes 3-5 are the runtime's (backend.h: --runtime picks the row). */
#include "driver.h"
#include "backend.h"
#include "cache.h"
#include "emit/emit.h"
#include "elab_print.h"
#include "elaborate.h"
#include "kernel_hint.h"
#include "parser.h"
#include "printer.h"
#include "script_cache.h"
#include "tapset_load.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Pass output goes to stdout, or to -o FILE. */
static int emit_output(struct session *s, const struct strbuf *b)
{
	FILE *out = stdout;
	if (s->output_file) {
		out = fopen(s->output_file, "w");
		if (!out) {
			diag_plain_error("cannot open output file '%s': %m", s->output_file);
			return 1;
		}
	}
	if (b->len)
		fwrite(b->s, 1, b->len, out);
	if (out != stdout && fclose(out) != 0) {
		diag_plain_error("cannot write output file '%s': %m", s->output_file);
		return 1;
	}
	return 0;
}

static bool load_user_script(struct session *s)
{
	const char *name, *text;
	size_t len;
	if (s->script_text) {
		name = "<input>";
		text = s->script_text;
		len = strlen(text);
	} else {
		name = s->script_path;
		char *buf = read_file(s->script_path, &len);
		if (!buf) {
			diag_plain_error("cannot read script '%s': %m", s->script_path);
			return false;
		}
		text = arena_strndup(&s->arena, buf, len);
		free(buf);
	}
	struct src_file *f = src_register(name, text, len, false);
	s->user_file = parse_file(&s->arena, f, &s->pp, false);
	return diag_error_count() == 0;
}

/* Pass 4's result found through the script cache: print it for -p4, else
 * run it. */
static int run_cached_artifact(struct session *s, const struct backend *be, const char *artifact,
			       double key_ms)
{
	if (s->verbose)
		fprintf(stderr, "Pass 1-3: skipped (cached script) in %.1f ms.\n"
			"Pass 4: using cached \"%s\".\n", key_ms, artifact);
	if (s->last_pass == 4) {
		struct strbuf out;
		sb_init(&out);
		sb_printf(&out, "%s\n", artifact);
		int rc = emit_output(s, &out);
		sb_free(&out);
		return rc;
	}
	double t = now_ms();
	int rc = be->run(s, artifact);
	if (s->verbose)
		fprintf(stderr, "Pass 5: run completed in %.1f ms.\n", now_ms() - t);
	return rc;
}

/* The script's text as pass 1 will read it (NULL when unreadable). */
static char *script_text_for_hint(struct session *s, size_t *len)
{
	if (s->script_text) {
		*len = strlen(s->script_text);
		return xstrdup(s->script_text);
	}
	return s->script_path ? read_file(s->script_path, len) : NULL;
}

static int run_passes(struct session *s, const struct backend *be, const char *script_key);

int driver_run(struct session *s)
{
	diag_set_suppress_warnings(s->suppress_warnings);
	diag_set_warnings_are_errors(s->warnings_are_errors);
	session_setup_pp(s);
	if (!backend_choose(s))
		return 1;
	s->pp.runtime = s->runtime == RT_KMOD ? "kmod" : "bpf";

	const struct backend *be = backend_for(s->runtime);
	if (s->run_artifact)
		return backend_ready(be) ? be->run(s, s->run_artifact) : 1;

	/* A script translated before with the same inputs: straight to pass 5. */
	char script_key[65] = "";
	bool seen = false;
	if (s->last_pass >= 4 && !s->list_pattern) {
		double t = now_ms();
		if (!script_cache_key(s, script_key))
			script_key[0] = '\0';
		char artifact[4096];
		if (script_key[0] && script_cache_lookup(script_key, artifact, sizeof artifact, &seen))
			return run_cached_artifact(s, be, artifact, now_ms() - t);
	}
	/* A script not compiled before, with kernel probes: its compiler can
	 * start now and load while passes 1-3 run. */
	if (script_key[0] && !seen && be->compile_early) {
		size_t len;
		char *text = script_text_for_hint(s, &len);
		if (text && script_probes_kernel_likely(text, len))
			be->compile_early(s);
		free(text);
	}
	int rc = run_passes(s, be, script_key);
	if (be->compile_early_cancel)
		be->compile_early_cancel();
	return rc;
}

static int run_passes(struct session *s, const struct backend *be, const char *script_key)
{
	/* Pass 1: the tapset library, then the user's script. */
	double t0 = now_ms();
	/* (the library's files are parsed in pass 2, as it asks for them) */
	bool ok = tapset_load_index(s);
	if (!s->list_pattern)
		ok = load_user_script(s) && ok;
	double t1 = now_ms();
	if (s->verbose)
		fprintf(stderr, "Pass 1: parsed user script and indexed the library in %.1f ms.\n", t1 - t0);
	if (!ok || diag_error_count()) {
		fprintf(stderr, "Pass 1: parse failed.\n");
		return 1;
	}

	struct strbuf out;
	sb_init(&out);
	int rc = 0;
	if (s->list_pattern) {
		list_probe_points(s, s->list_pattern, s->list_vars, &out);
		rc = diag_error_count() ? 1 : emit_output(s, &out);
		goto done;
	}
	if (s->last_pass == 1) {
		print_file(&out, s->user_file);
		rc = emit_output(s, &out);
		goto done;
	}

	/* Pass 2: resolve, expand, infer types, drop what is unused. */
	ok = elaborate(s);
	double t2 = now_ms();
	if (s->verbose)
		fprintf(stderr,
			"Pass 2: analyzed script: %d probes, %d functions, %d globals (%d library scripts parsed) "
			"in %.1f ms.\n",
			s->prog.probes.n, s->prog.functions.n, s->prog.globals.n, s->tapset_files.n, t2 - t1);
	if (!ok || diag_error_count()) {
		fprintf(stderr, "Pass 2: analysis failed.\n");
		rc = 1;
		goto done;
	}
	if (s->last_pass == 2) {
		elab_print_program(&out, s);
		rc = emit_output(s, &out);
		goto done;
	}

	if (!backend_ready(be)) {
		rc = 1;
		goto done;
	}

	/* Pass 3: one C unit for the runtime's kernel half and the runner's. */
	struct emit_result em;
	ok = be->emit(s, &em);
	double t3 = now_ms();
	if (s->verbose)
		fprintf(stderr, "Pass 3: translated to C in %.1f ms.\n", t3 - t2);
	if (!ok || diag_error_count()) {
		fprintf(stderr, "Pass 3: translation failed.\n");
		emit_result_free(&em);
		rc = 1;
		goto done;
	}
	if (s->last_pass == 3) {
		sb_putn(&out, em.c.s, em.c.len);
		emit_result_free(&em);
		rc = emit_output(s, &out);
		goto done;
	}

	/* Pass 4: compile both halves, or find them in the cache. */
	char artifact[4096];
	bool has_kernel = em.has_kernel, kernel_layout = em.runner_kernel_layout;
	ok = be->compile(s, &em, artifact, sizeof artifact);
	emit_result_free(&em);
	/* Offsets the runner reads at are this kernel's: the run checks it is
	 * on this kernel (runner_program.c). */
	if (ok && kernel_layout) {
		const char *build = cache_kernel_build();
		char line[80];
		int n = snprintf(line, sizeof line, "%s\n", build);
		if (*build && !cache_write_file(artifact, CACHE_KERNEL_BUILD_FILE, line, (size_t)n))
			fprintf(stderr, "btap: warning: cannot write %s/%s: %s\n", artifact, CACHE_KERNEL_BUILD_FILE,
				strerror(errno));
	}
	double t4 = now_ms();
	if (s->verbose)
		fprintf(stderr, "Pass 4: %s \"%s\" in %.1f ms.\n",
			be->compile_was_cached() ? "using cached" : "compiled C into", ok ? artifact : "", t4 - t3);
	if (!ok) {
		fprintf(stderr, "Pass 4: compilation failed.\n");
		rc = 1;
		goto done;
	}
	/* Warnings from passes 1-3 would not be shown again on a hit; a script
	 * that read user binaries depends on files the key does not cover. */
	if (script_key[0])
		script_cache_store(script_key, artifact, has_kernel,
				   !s->reads_user_binaries && (s->suppress_warnings || diag_warning_count() == 0));
	if (s->last_pass == 4) {
		sb_printf(&out, "%s\n", artifact);
		rc = emit_output(s, &out);
		goto done;
	}

	/* Pass 5: load, attach, run; the runner writes -o itself. */
	rc = be->run(s, artifact);
	if (s->verbose)
		fprintf(stderr, "Pass 5: run completed in %.1f ms.\n", now_ms() - t4);
done:
	sb_free(&out);
	return rc;
}
