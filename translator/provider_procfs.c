/* procfs("NAME").read[.maxsize(N)] and procfs("NAME").write (NAME
 * defaults to "command"; .umask(N) is accepted anywhere). stap makes
 * these files under /proc/systemtap/MODULE/; btap's runner serves them
 * over HTTP instead (runner_metrics.c): GET /NAME runs the read probe and
 * answers with what it left in $value, PUT or POST /NAME runs the write
 * probe with the request's body in $value. They run in the runner;
 * $value becomes calls of the tapset's __btap_procfs_* functions
 * (elab_procfs.c). */
#include "provider.h"

#include <string.h>

#define DEFAULT_NAME "command"

static bool procfs_claims(const struct probe_point *pp)
{
	const char *c0 = pp_comp_name(pp, 0);
	return c0 && strcmp(c0, "procfs") == 0;
}

static bool bad(const struct pp_component *c, const char *why)
{
	diag_error(c->loc, "semantic error: %s", why);
	return false;
}

/* The point's parts: name, read or write, maxsize; false after an error. */
static bool parse_point(const struct probe_point *pp, const char **name, bool *write, int64_t *maxsize)
{
	const struct pp_component *c0 = VEC_AT(pp->comps, 0, const struct pp_component *);
	*name = DEFAULT_NAME;
	*maxsize = 0;
	if (c0->arg) {
		if (c0->arg->kind != E_STR || !*c0->arg->str || strchr(c0->arg->str, '/') ||
		    strcmp(c0->arg->str, ".") == 0 || strcmp(c0->arg->str, "..") == 0)
			return bad(c0, "procfs(NAME) needs a file name (a string without '/')");
		*name = c0->arg->str;
	}
	int mode = 0; /* 1 read, 2 write */
	for (int i = 1; i < pp->comps.n; i++) {
		const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
		if (!strcmp(c->name, "read") || !strcmp(c->name, "write")) {
			if (mode || c->arg)
				return bad(c, "a procfs probe is one of .read or .write, without an argument");
			mode = c->name[0] == 'r' ? 1 : 2;
		} else if (!strcmp(c->name, "maxsize")) {
			if (mode != 1 || !c->arg || c->arg->kind != E_NUM || c->arg->num <= 0)
				return bad(c, ".maxsize(N) follows .read and takes a positive number");
			*maxsize = c->arg->num;
		} else if (!strcmp(c->name, "umask")) {
			if (!c->arg || c->arg->kind != E_NUM)
				return bad(c, ".umask(N) takes a number");
		} else {
			return bad(c, "of procfs probes, btap knows .read, .write, .maxsize(N) and .umask(N)");
		}
	}
	if (!mode)
		return bad(c0, "a procfs probe needs .read or .write");
	*write = mode == 2;
	return true;
}

static bool procfs_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	const char *name;
	bool write;
	int64_t maxsize;
	if (!parse_point(pp, &name, &write, &maxsize))
		return false;
	struct probe_point *n = arena_alloc(&s->arena, sizeof *n);
	*n = *pp;
	n->comps = (struct vec){0};
	n->cond = NULL;
	struct expr *arg = expr_new(&s->arena, E_STR, pp->loc);
	arg->str = name;
	arg->type = TY_STRING;
	vec_push(&s->arena, &n->comps, pp_comp_new(&s->arena, "procfs", arg, pp->loc));
	vec_push(&s->arena, &n->comps, pp_comp_new(&s->arena, write ? "write" : "read", NULL, pp->loc));
	if (maxsize) {
		struct expr *m = expr_new(&s->arena, E_NUM, pp->loc);
		m->num = maxsize;
		m->type = TY_LONG;
		vec_push(&s->arena, &n->comps, pp_comp_new(&s->arena, "maxsize", m, pp->loc));
	}
	vec_push(&s->arena, out, n);
	return true;
}

static void procfs_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	(void)s;
	(void)pp;
	sb_puts(out, "$value:string");
}

static bool procfs_attach(struct session *s, struct probe *p, struct attach *out)
{
	(void)s;
	const char *name;
	bool write;
	int64_t maxsize;
	if (!parse_point(p->resolved_point, &name, &write, &maxsize))
		return false;
	out->kind = ATTACH_PROCFS;
	out->procfs.name = name;
	out->procfs.write = write;
	out->procfs.maxsize = (uint64_t)maxsize;
	return true;
}

const struct provider provider_procfs = {
	.name = "procfs",
	.kernel_context = false,
	.claims = procfs_claims,
	.expand = procfs_expand,
	.resolve_target = provider_no_targets, /* $value was rewritten (elab_procfs.c) */
	.describe_vars = procfs_vars,
	.attach = procfs_attach,
};
