/* Pass 5: run a compiled artifact. The parts: runner_program.c (the
 * shared object, probe order), runner_output.c (output, records, errors),
 * runner_loop.c (the event loop), runner_proc.c (-c and -x); maps and the
 * kernel half are the runtime's (runner_runtime.h). */
#include "runner.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "kmod-backend/kbuild.h"
#include "translator/diag.h"
#include "translator/kconfig.h"
#include "runner_internal.h"
#include "translator/session.h"

struct runner *runner_current;

struct btap_globals_hdr *runner_globals(struct runner *r)
{
	return r->globals;
}

/* -D MAXERRORS=N (stap's default 0: the first error ends the run). */
static int64_t max_errors(struct session *s)
{
	int64_t n = 0;
	VEC_FOREACH(s->defines, i) {
		const char *d = VEC_AT(s->defines, i, const char *);
		if (strncmp(d, "MAXERRORS=", 10) == 0)
			n = strtoll(d + 10, NULL, 0);
	}
	return n < 0 ? 0 : n;
}

/* CONFIG_HZ of the running kernel, 250 when unknown. */
static int64_t kernel_hz(struct session *s)
{
	struct kconfig *kc = s->kconfig ? s->kconfig : kconfig_new(NULL);
	int64_t hz = kconfig_hz(kc);
	if (kc != s->kconfig)
		kconfig_free(kc);
	return hz;
}

static int64_t clock_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* The facts generated code reads from the globals header. */
static bool set_session_globals(struct runner *r)
{
	struct btap_globals_hdr *g = r->globals;
	g->target_pid = r->target_pid;
	g->hz = kernel_hz(r->s);
	g->runner_pid = getpid();
	time_t now = time(NULL);
	struct tm tm;
	if (localtime_r(&now, &tm)) { /* as the session starts, as stap's staprun passes it */
		g->tz_gmtoff = -tm.tm_gmtoff;
		snprintf(g->tz_name, sizeof g->tz_name, "%s", tm.tm_zone ? tm.tm_zone : "");
	}
	g->walltime_offset_ns = clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC);
	g->remote_id = r->s->remote_id;
	snprintf(g->remote_uri, sizeof g->remote_uri, "%s", r->s->remote_uri ? r->s->remote_uri : "");
	/* -m NAME of this run, else of the compile (--run of a -p4 artifact) */
	const char *named = r->s->module_name ? r->s->module_name : r->prog->module_name;
	if (named) {
		snprintf(r->name, sizeof r->name, "%s", named);
	} else { /* the name kbuild gives the module, and this run's pid */
		char built[64];
		kbuild_module_name(r->dir, built, sizeof built);
		snprintf(r->name, sizeof r->name, "%s_%d", built, (int)getpid());
	}
	snprintf(g->program_name, sizeof g->program_name, "%s", r->name);
	return runner_target_namespaces(r, g);
}

/* -G NAME=VALUE: the script's scalar global NAME starts at VALUE (after
 * its initialiser), as stap sets a module parameter. */
static bool set_global_options(struct runner *r)
{
	VEC_FOREACH(r->s->global_sets, i) {
		const char *set = VEC_AT(r->s->global_sets, i, const char *), *eq = strchr(set, '=');
		const struct btap_global_desc *g = NULL;
		for (uint32_t k = 0; !g && k < r->prog->nglobals; k++)
			if (strlen(r->prog->globals[k].name) == (size_t)(eq - set) &&
			    strncmp(r->prog->globals[k].name, set, (size_t)(eq - set)) == 0)
				g = &r->prog->globals[k];
		if (!g || g->map >= 0) {
			runner_fail(r, "-G %s: the script has no %s global '%.*s'", set, g ? "scalar" : "such",
				    (int)(eq - set), set);
			return false;
		}
		char *p = (char *)r->globals + g->offset, *end;
		if (g->type == BTAP_T_STRING) {
			snprintf(p, (size_t)r->prog->maxstringlen, "%s", eq + 1);
			continue;
		}
		errno = 0;
		long long v = strtoll(eq + 1, &end, 0);
		if (!eq[1] || *end || errno) {
			runner_fail(r, "-G %s: '%.*s' is a number, and '%s' is not one", set, (int)(eq - set), set, eq + 1);
			return false;
		}
		int64_t v64 = v;
		memcpy(p, &v64, sizeof v64);
	}
	return true;
}

static bool set_up(struct runner *r)
{
	if (!runner_open_output(r) || !runner_load_shared(r) || !runner_parse_formats(r) ||
	    !runner_start_target(r) || !r->rt->create_maps(r))
		return false;
	if (r->prog->init_globals)
		r->prog->init_globals(r->globals);
	if (!set_session_globals(r) || !set_global_options(r))
		return false;
	if (!r->rt->load(r))
		return false;
	r->ops.globals = r->globals;
	r->ops.args = r->s->args;
	r->ops.nargs = r->s->nargs;
	r->rt->bind_map_ops(&r->ops);
	runner_bind_output_ops(&r->ops);
	runner_bind_regex_ops(&r->ops);
	runner_bind_kcore_ops(&r->ops);
	runner_bind_procfs_ops(&r->ops);
	if (r->prog->bind)
		r->prog->bind(&r->ops);
	return runner_metrics_start(r);
}

/* begin, attach, release the command, loop. false on a setup failure. */
static bool run(struct runner *r)
{
	runner_run_probes(r, BTAP_PROBE_BEGIN);
	if (r->stop || runner_exit_requested(r))
		return true;
	if (!r->rt->attach(r))
		return false;
	r->t_attached = now_ms();
	runner_release_child(r);
	return runner_event_loop(r);
}

/* -vv: where the run's time went; "stopped" runs from the moment the
 * event loop saw the end (exit(), a signal, the command's end) to the
 * return, so it is what shutdown costs. */
static void report_timings(const struct runner *r, double t0, double t_loop_end, double t_end)
{
	if (r->s->verbose < 2)
		return;
	fprintf(stderr, "Pass 5: set up in %.1f ms, attached in %.1f ms, ran %.1f ms, stopped in %.1f ms "
		"(detach %.1f ms, output and end probes %.1f ms, release %.1f ms).\n",
		r->t_set_up - t0, r->t_attached ? r->t_attached - r->t_set_up : 0.0,
		r->t_attached ? t_loop_end - r->t_attached : 0.0, t_end - t_loop_end,
		r->t_detached - t_loop_end, r->t_wound_down - r->t_detached, t_end - r->t_wound_down);
}

/* Detach, print what is still in the buffer, then end or error probes. */
static void wind_down(struct runner *r, bool began)
{
	r->rt->detach(r);
	r->t_detached = now_ms();
	runner_drain(r, true);
	if (began && r->end == RUNNER_END_ERROR)
		runner_run_probes(r, BTAP_PROBE_ERROR);
	else if (began && r->end == RUNNER_END_NORMAL) {
		runner_run_probes(r, BTAP_PROBE_END);
		if (r->json && r->end == RUNNER_END_NORMAL)
			runner_json_dump_globals(r);
	}
	runner_flush(r);
	if (r->globals)
		runner_report_summary(r);
}

static void release_all(struct runner *r)
{
	runner_metrics_stop(r);
	runner_procfs_release();
	runner_finish_target(r);
	r->rt->release(r);
	if (r->prog)
		runner_free_formats(r);
	runner_close_output(r);
	runner_kcore_close();
	if (r->dl)
		dlclose(r->dl);
}

int runner_run(struct session *s, const struct runner_runtime *rt, const char *artifact_dir)
{
	if (!rt->can_run())
		return 1;
	struct runner r = {
		.s = s,
		.rt = rt,
		.dir = artifact_dir,
		.child_go_fd = -1,
		.target_pidfd = -1,
		.maxerrors = max_errors(s),
	};
	runner_current = &r;
	sigset_t stops, old;
	runner_stop_signals(&stops);
	sigprocmask(SIG_BLOCK, &stops, &old);

	double t0 = now_ms();
	bool began = false, ok = set_up(&r);
	r.t_set_up = now_ms();
	if (ok) {
		began = true;
		ok = run(&r);
	}
	double t_loop_end = now_ms();
	wind_down(&r, began && ok);
	r.t_wound_down = now_ms();
	int rc = !ok || r.errors_seen > 0 || r.end == RUNNER_END_ABORT ? 1 : 0;
	release_all(&r);
	report_timings(&r, t0, t_loop_end, now_ms());
	if (r.out_failed)
		rc = 1;
	runner_current = NULL;
	/* A stop signal that came after the loop must not kill us now, nor
	 * one still on its way: `timeout` and shells send SIGINT to the
	 * process and then to its group, and the second may land after the
	 * run. The run is over and btap is about to exit with rc: the stop
	 * signals stay blocked (pending ones are dropped). */
	struct timespec zero = {0, 0};
	while (sigtimedwait(&stops, NULL, &zero) > 0)
		;
	(void)old;
	return rc;
}
