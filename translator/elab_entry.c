/* Values at a function's entry in its .return probe: @entry(expr) (also
 * at a system call's exit tracepoint, from its entry tracepoint), and at
 * process(...) functions every target variable but $return, which stap
 * reads at the entry too ($param in .return). The derived return probe
 * gets a companion entry probe on the same function that saves each value
 * per thread and call depth (recursion nests) in a global; the return
 * probe takes them back into locals first thing and forgets them, and
 * reads the locals where the expressions were. */
#include "elab_internal.h"

#include "provider.h"
#include "provider_uprobe.h"

#include <string.h>

extern const struct provider provider_uprobe;
extern const struct provider provider_kernel;
extern const struct provider provider_tracepoint;

struct entry_rewrite {
	struct elab *x;
	const struct ast_visitor *v;
	bool all_targets;  /* process probes: bare target variables too */
	struct vec sites;  /* struct expr*: nodes to read from the entry */
	struct vec values; /* struct expr*: what the entry probe evaluates */
	/* per site (non-NULL): in a branch an @defined test chooses, which
	 * the return probe may cut; the entry saves it only if it exists */
	struct vec guarded;
	int in_defined_branch;
};

static bool is_return_value(const struct expr *e)
{
	const char *n = e->kind == E_TARGET_VARS ? (e->op ? e->op : e->str) : e->str;
	if (!n)
		return false;
	while (*n == '$')
		n++;
	return strcmp(n, "return") == 0;
}

/* $$name and $$provider: the probe site's own, the same at its return */
static bool is_site_constant(const struct expr *e)
{
	const char *n = e->kind == E_TARGET_VARS ? (e->op ? e->op : e->str) : NULL;
	if (!n)
		return false;
	while (*n == '$')
		n++;
	return strcmp(n, "name") == 0 || strcmp(n, "provider") == 0;
}

/* @defined(...) or !@defined(...): stap's test for what a kernel or
 * program may lack, whose other branch is cut before it is checked */
static bool is_defined_test(const struct expr *c)
{
	return c && (c->kind == E_DEFINED ||
		     (c->kind == E_UNARY && c->op && !strcmp(c->op, "!") && c->operand && c->operand->kind == E_DEFINED));
}

static void add_site(struct entry_rewrite *w, struct expr *site, struct expr *value)
{
	vec_push(w->x->a, &w->sites, site);
	vec_push(w->x->a, &w->values, value);
	vec_push(w->x->a, &w->guarded, w->in_defined_branch ? (void *)site : NULL);
}

/* the branches of an @defined test, marked as such */
static void walk_branches(struct entry_rewrite *w, struct expr *e1, struct expr *e2, struct stmt *s1, struct stmt *s2)
{
	w->in_defined_branch++;
	ast_walk_expr(w->v, e1);
	ast_walk_expr(w->v, e2);
	ast_walk_stmt(w->v, s1);
	ast_walk_stmt(w->v, s2);
	w->in_defined_branch--;
}

static enum ast_step find_sites(struct expr *e, void *ctx)
{
	struct entry_rewrite *w = ctx;
	if (e->kind == E_DEFINED)
		return AST_PRUNE; /* asks about the return probe itself */
	if (e->kind == E_TERNARY && is_defined_test(e->cond)) {
		walk_branches(w, e->left, e->right, NULL, NULL);
		return AST_PRUNE;
	}
	if (e->kind == E_ENTRY) {
		add_site(w, e, elab_clone_expr(w->x->a, e->operand));
		return AST_PRUNE;
	}
	/* a parameter here is a copy of its value at the entry: writing it
	 * would change nothing the function sees */
	struct expr *place = e->kind == E_ASSIGN ? e->left : e->kind == E_INCDEC ? e->operand : NULL;
	if (w->all_targets && place && (place->kind == E_TARGET || place->kind == E_TARGET_VARS) &&
	    !place->operand && !is_return_value(place)) {
		elab_error(w->x, place->loc, "semantic error: at a .return probe a parameter is its value at the "
			   "entry: only $return can be written");
		return AST_PRUNE;
	}
	if (w->all_targets && (e->kind == E_TARGET || e->kind == E_TARGET_VARS) && !e->operand &&
	    !is_return_value(e) && !is_site_constant(e)) {
		add_site(w, e, elab_clone_expr(w->x->a, e));
		return AST_PRUNE;
	}
	return AST_DESCEND;
}

static enum ast_step find_sites_in(struct stmt *s, void *ctx)
{
	struct entry_rewrite *w = ctx;
	if (s->kind == S_IF && is_defined_test(s->cond)) {
		walk_branches(w, NULL, NULL, s->then, s->els);
		return AST_PRUNE;
	}
	return AST_DESCEND;
}

/* ---- building the code ------------------------------------------------------ */

static struct expr *var(struct elab *x, struct loc at, const char *name)
{
	struct expr *e = expr_new(x->a, E_VAR, at);
	e->str = name;
	return e;
}

static struct expr *call0(struct elab *x, struct loc at, const char *name)
{
	struct expr *e = expr_new(x->a, E_CALL, at);
	e->str = name;
	return e;
}

static struct expr *num(struct elab *x, struct loc at, int64_t n)
{
	struct expr *e = expr_new(x->a, E_NUM, at);
	e->num = n;
	return e;
}

/* name[tid()] or name[tid(), depth] */
static struct expr *element(struct elab *x, struct loc at, const char *name, const char *depth)
{
	struct expr *e = expr_new(x->a, E_INDEX, at);
	e->operand = var(x, at, name);
	vec_push(x->a, &e->args, call0(x, at, "tid"));
	if (depth)
		vec_push(x->a, &e->args, var(x, at, depth));
	return e;
}

static struct expr *assign(struct elab *x, struct loc at, struct expr *l, const char *op, struct expr *r)
{
	struct expr *e = expr_new(x->a, E_ASSIGN, at);
	e->op = op;
	e->left = l;
	e->right = r;
	return e;
}

static struct stmt *expr_stmt(struct elab *x, struct loc at, struct expr *e)
{
	struct stmt *s = stmt_new(x->a, S_EXPR, at);
	s->expr = e;
	return s;
}

static struct stmt *delete_stmt(struct elab *x, struct loc at, struct expr *e)
{
	struct stmt *s = stmt_new(x->a, S_DELETE, at);
	s->expr = e;
	return s;
}

static struct vardecl *new_global(struct elab *x, struct loc at, const char *name)
{
	struct stapfile *uf = x->s->user_file;
	struct vardecl *v = arena_alloc(x->a, sizeof(*v));
	v->name = name;
	v->loc = at;
	v->is_global = true;
	v->generated = true;
	v->file = uf->src;
	v->arity = -1;
	vec_push(x->a, &uf->globals, v);
	elab_symtab_add(x, &x->globals, name, v, uf);
	return v;
}

/* The derived probe's point without its final .return. */
static struct probe_point *entry_point(struct elab *x, const struct probe_point *ret)
{
	struct probe_point *pp = elab_clone_point(x->a, ret);
	pp->comps.n--;
	/* a function of DWARF: .call, its entry, not its inlined copies too */
	const char *kind = pp->comps.n ? pp_comp_name(pp, pp->comps.n - 1) : NULL;
	if (usite_of(ret) && kind && strcmp(kind, "function") == 0)
		vec_push(x->a, &pp->comps, pp_comp_new(x->a, "call", NULL, ret->loc));
	pp->optional = false;
	pp->sufficient = false;
	return pp;
}

/* A system call's exit tracepoint (what syscall.NAME.return and
 * syscall_any.return stand on): its entry twin's point, else NULL. */
static struct probe_point *syscall_entry_point(struct elab *x, const struct probe *p)
{
	const struct probe_point *rp = p->resolved_point;
	const struct pp_component *c = rp && rp->comps.n == 2 ? VEC_AT(rp->comps, 1, struct pp_component *) : NULL;
	if (p->provider != &provider_tracepoint || !c || !c->arg || c->arg->kind != E_STR)
		return NULL;
	const char *tp = c->arg->str, *colon = strchr(tp, ':');
	if (!colon || strncmp(colon + 1, "sys_exit", 8) != 0 ||
	    (strncmp(tp, "syscalls:", 9) != 0 && strncmp(tp, "raw_syscalls:", 13) != 0))
		return NULL;
	struct probe_point *pp = elab_clone_point(x->a, rp);
	pp->optional = false;
	pp->sufficient = false;
	struct pp_component *ec = VEC_AT(pp->comps, 1, struct pp_component *);
	ec->arg->str = arena_printf(x->a, "%.*ssys_enter%s", (int)(colon + 1 - tp), tp, colon + 1 + 8);
	return pp;
}

void elab_entry_rewrite(struct elab *x, struct probe *p, struct vec *entry_probes)
{
	const struct probe_point *rp = p->resolved_point;
	const char *last = rp && rp->comps.n ? pp_comp_name(rp, rp->comps.n - 1) : NULL;
	struct probe_point *syscall_entry = syscall_entry_point(x, p);
	if (!syscall_entry && (!last || strcmp(last, "return") != 0 ||
			       (p->provider != &provider_uprobe && p->provider != &provider_kernel)))
		return;
	/* kretprobes see the result, not the arguments: as at process
	 * functions, every target variable is read at the entry */
	bool all = p->provider == &provider_uprobe || usite_of(rp) ||
		   (p->provider == &provider_kernel && (kfunc_via_kprobes(x->s) || p->resolved_point->via_kprobe));
	struct entry_rewrite w = {.x = x, .all_targets = all};
	struct ast_visitor v = {.stmt_pre = find_sites_in, .expr_pre = find_sites, .ctx = &w};
	w.v = &v;
	ast_walk_stmt(&v, p->body);
	if (!w.sites.n)
		return;

	static int serial;
	int n = serial++;
	struct loc at = p->loc;
	const char *depth_name = arena_printf(x->a, "__btap_entry%d_depth", n);
	new_global(x, at, depth_name);

	/* entry: d = ++depth[tid()]; saved_k[tid(), d] = value_k */
	struct stmt *entry_body = stmt_new(x->a, S_BLOCK, at);
	struct expr *inc = expr_new(x->a, E_INCDEC, at);
	inc->op = "++";
	inc->prefix = true;
	inc->operand = element(x, at, depth_name, NULL);
	vec_push(x->a, &entry_body->stmts, expr_stmt(x, at, assign(x, at, var(x, at, "__btap_entry_d"), "=", inc)));

	/* return, first: d = depth[tid()]; v_k = saved_k[tid(), d]; delete ...;
	 * then one call less deep */
	struct stmt *prefix = stmt_new(x->a, S_BLOCK, at);
	vec_push(x->a, &prefix->stmts,
		 expr_stmt(x, at, assign(x, at, var(x, at, "__btap_entry_d"), "=", element(x, at, depth_name, NULL))));
	/* a return whose entry the session did not see (the call began before
	 * the probes were armed) has nothing saved: not reported, as a
	 * kretprobe never returns from a call it did not enter */
	struct stmt *unseen = stmt_new(x->a, S_IF, at);
	unseen->cond = expr_new(x->a, E_COMPARE, at);
	unseen->cond->op = "==";
	unseen->cond->left = var(x, at, "__btap_entry_d");
	unseen->cond->right = num(x, at, 0);
	unseen->then = stmt_new(x->a, S_NEXT, at);
	vec_push(x->a, &prefix->stmts, unseen);
	VEC_FOREACH(w.sites, i) {
		struct expr *site = VEC_AT(w.sites, i, struct expr *);
		struct expr *value = VEC_AT(w.values, i, struct expr *);
		struct loc vat = site->loc;
		const char *saved = arena_printf(x->a, "__btap_entry%d_v%d", n, i);
		const char *local = arena_printf(x->a, "__btap_entry_v%d", i);
		new_global(x, vat, saved);
		struct stmt *save = expr_stmt(x, vat, assign(x, vat, element(x, vat, saved, "__btap_entry_d"), "=", value));
		if (VEC_AT(w.guarded, i, void *) && (value->kind == E_TARGET || value->kind == E_TARGET_VARS ||
						     value->kind == E_CAST || value->kind == E_ATVAR)) {
			/* In a branch @defined may cut: saved only if it exists at
			 * the entry, and read where it is used, so that a cut
			 * branch leaves no use of it at all (the saved slot of a
			 * thread and depth is overwritten by its next call, not
			 * deleted). */
			struct stmt *g = stmt_new(x->a, S_IF, vat);
			g->cond = expr_new(x->a, E_DEFINED, vat);
			g->cond->operand = elab_clone_expr(x->a, value);
			g->then = save;
			vec_push(x->a, &entry_body->stmts, g);
			*site = *element(x, vat, saved, "__btap_entry_d");
			continue;
		}
		vec_push(x->a, &entry_body->stmts, save);
		vec_push(x->a, &prefix->stmts,
			 expr_stmt(x, vat, assign(x, vat, var(x, vat, local), "=",
						  element(x, vat, saved, "__btap_entry_d"))));
		vec_push(x->a, &prefix->stmts, delete_stmt(x, vat, element(x, vat, saved, "__btap_entry_d")));
		/* the expression becomes the local */
		struct expr *l = var(x, vat, local);
		*site = *l;
	}
	struct stmt *deeper = stmt_new(x->a, S_IF, at);
	deeper->cond = expr_new(x->a, E_COMPARE, at);
	deeper->cond->op = ">";
	deeper->cond->left = var(x, at, "__btap_entry_d");
	deeper->cond->right = num(x, at, 1);
	struct expr *less = expr_new(x->a, E_BINARY, at);
	less->op = "-";
	less->left = var(x, at, "__btap_entry_d");
	less->right = num(x, at, 1);
	deeper->then = expr_stmt(x, at, assign(x, at, element(x, at, depth_name, NULL), "=", less));
	deeper->els = delete_stmt(x, at, element(x, at, depth_name, NULL));
	vec_push(x->a, &prefix->stmts, deeper);
	vec_push(x->a, &prefix->stmts, p->body);
	p->body = prefix;

	/* the companion probe, derived like any other */
	struct probe *ep = arena_alloc(x->a, sizeof(*ep));
	ep->loc = at;
	ep->file = p->file;
	ep->body = entry_body;
	vec_push(x->a, &ep->points, syscall_entry ? syscall_entry : entry_point(x, rp));
	elab_derive_probe(x, ep, entry_probes);
}
