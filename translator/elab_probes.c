/* Probe points: probe aliases, wildcards and providers.
 *
 * A point first matches alias names component by component ('*' within a
 * component, "**" over one or more components); an alias that matches only
 * a prefix of the point passes the rest on as a suffix of its own points
 * (`foo.randomize(1)` with `foo = timer.s(1)`). Each alias point expands
 * recursively; what no alias claims goes to the providers. Every concrete
 * point becomes one derived probe whose body combines the alias bodies
 * (prologues before, epilogues after) with its own. */
#include "elab_internal.h"

#include <stdio.h>
#include <string.h>

#define MAX_ALIAS_DEPTH 64

struct expansion {
	struct probe_point *point;   /* concrete */
	struct probe_point *named;   /* the script-level alias point it came from, or NULL */
	const struct provider *prov;
	struct vec chain;            /* struct probe_alias*, outermost first */
	struct vec conds;            /* struct expr*: alias point conditions */
};

static const struct pp_component *comp(const struct probe_point *pp, int i)
{
	return VEC_AT(pp->comps, i, struct pp_component *);
}

static bool is_wild(const char *name)
{
	return name && strchr(name, '*');
}

bool elab_point_has_wildcard(const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i)
		if (is_wild(comp(pp, i)->name))
			return true;
	return false;
}

static void insert_in_file_order(struct elab *x, struct vec *v, struct alias_name *an)
{
	int at = v->n;
	while (at > 0 && VEC_AT(*v, at - 1, struct alias_name *)->file->order > an->file->order)
		at--;
	vec_insert(x->a, v, at, an);
}

static struct alias_bucket *bucket(struct symtab *t, const char *key)
{
	struct symtab_entry *e = elab_symtab_first(t, key);
	return e ? e->decl : NULL;
}

static void bucket_add(struct elab *x, struct symtab *t, const char *key, struct alias_name *an)
{
	struct alias_bucket *b = bucket(t, key);
	if (!b) {
		b = arena_alloc(x->a, sizeof(*b));
		elab_symtab_add(x, t, key, b, NULL);
	}
	insert_in_file_order(x, &b->names, an);
	if (an->name->comps.n == 1)
		b->singles++;
}

static const struct vec no_aliases;

const struct vec *elab_aliases_of(struct elab *x, const char *first)
{
	struct alias_bucket *b = first ? bucket(&x->alias_heads, first) : NULL;
	return b ? &b->names : &no_aliases;
}

/* The aliases a point may name, in file order: those of its first two
 * components when both are plain names and no alias is the first alone
 * (it could be a prefix of the point), else those of its first component,
 * else (a wildcard first) all. Components with an argument never name an
 * alias. */
static const struct vec *alias_candidates(struct elab *x, const struct probe_point *pp)
{
	const char *c0 = pp_comp_name(pp, 0), *c1 = pp_comp_name(pp, 1);
	if (!c0 || is_wild(c0))
		return &x->aliases;
	struct alias_bucket *b = bucket(&x->alias_heads, c0);
	if (!b)
		return &no_aliases;
	if (!c1 || is_wild(c1) || b->singles)
		return &b->names;
	char key[256];
	int n = snprintf(key, sizeof key, "%s\n%s", c0, c1);
	if (n < 0 || (size_t)n >= sizeof key)  /* longer than any alias name: a wide scan finds none */
		return &b->names;
	struct alias_bucket *b2 = bucket(&x->alias_heads2, key);
	return b2 ? &b2->names : &no_aliases;
}

void elab_register_aliases(struct elab *x, struct stapfile *f)
{
	VEC_FOREACH(f->aliases, i) {
		struct probe_alias *a = VEC_AT(f->aliases, i, struct probe_alias *);
		if (!a->file)
			a->file = f->src;
		VEC_FOREACH(a->aliases, j) {
			struct probe_point *n = VEC_AT(a->aliases, j, struct probe_point *);
			bool ok = n->comps.n > 0;
			VEC_FOREACH(n->comps, k) {
				const struct pp_component *c = comp(n, k);
				if (!c->name || is_wild(c->name)) {
					elab_error(x, c->loc, "semantic error: probe alias name '%s' may not contain wildcards",
						   c->name ? c->name : "");
					ok = false;
				} else if (c->arg) {
					elab_error(x, c->arg->loc,
						   "semantic error: probe alias name component '%s' may not take an argument",
						   c->name);
					ok = false;
				}
			}
			if (!ok)
				continue;
			struct alias_name *an = arena_alloc(x->a, sizeof(*an));
			an->alias = a;
			an->name = n;
			an->file = f;
			/* in file order, whichever file was parsed first */
			insert_in_file_order(x, &x->aliases, an);
			bucket_add(x, &x->alias_heads, pp_comp_name(n, 0), an);
			if (n->comps.n > 1)
				bucket_add(x, &x->alias_heads2,
					   arena_printf(x->a, "%s\n%s", pp_comp_name(n, 0), pp_comp_name(n, 1)), an);
		}
	}
}

/* Does the user's point (from component ui) match the alias name (from aj)
 * exactly? Alias components never carry arguments, so user components with
 * an argument never match them. */
static bool comps_match(const struct probe_point *u, int ui, const struct probe_point *an, int aj)
{
	if (ui == u->comps.n)
		return aj == an->comps.n;
	const struct pp_component *c = comp(u, ui);
	if (!c->name)
		return false;
	if (strcmp(c->name, "**") == 0 && !c->arg) {
		for (int k = aj + 1; k <= an->comps.n; k++)
			if (comps_match(u, ui + 1, an, k))
				return true;
		return false;
	}
	if (aj == an->comps.n || c->arg)
		return false;
	if (!pp_glob_match(c->name, comp(an, aj)->name))
		return false;
	return comps_match(u, ui + 1, an, aj + 1);
}

/* The first m components of u match the alias name, with no "**". */
static bool prefix_match(const struct probe_point *u, int m, const struct probe_point *an)
{
	if (an->comps.n != m || m >= u->comps.n)
		return false;
	for (int i = 0; i < m; i++) {
		const struct pp_component *c = comp(u, i);
		if (!c->name || c->arg || strcmp(c->name, "**") == 0 ||
		    !pp_glob_match(c->name, comp(an, i)->name))
			return false;
	}
	return true;
}

static bool alias_visible(const struct alias_name *an, const struct src_file *from)
{
	return !an->alias->is_private || an->file->src == from;
}

static bool chain_has(const struct vec *chain, const struct probe_alias *a)
{
	VEC_FOREACH(*chain, i)
		if (VEC_AT(*chain, i, struct probe_alias *) == a)
			return true;
	return false;
}

static void format_point(struct strbuf *b, const struct probe_point *pp)
{
	pp_format(b, pp);
}

static const char *point_text(struct elab *x, const struct probe_point *pp)
{
	struct strbuf b;
	sb_init(&b);
	format_point(&b, pp);
	const char *t = arena_strdup(x->a, b.s ? b.s : "");
	sb_free(&b);
	return t;
}

/* Is there an alias spelled exactly like this concrete point? (An alias
 * shadows a provider point of the same name.) */
static bool alias_named(struct elab *x, const struct probe_point *pp)
{
	const struct vec *cand = alias_candidates(x, pp);
	VEC_FOREACH(*cand, i) {
		const struct alias_name *an = VEC_AT(*cand, i, struct alias_name *);
		if (comps_match(pp, 0, an->name, 0))
			return true;
	}
	return false;
}

static bool resolve_point(struct elab *x, const struct probe_point *pp, const struct src_file *from,
			  const struct vec *chain, int depth, struct vec *out);

/* A point of an alias with the user's suffix components appended. */
static struct probe_point *alias_target(struct elab *x, const struct probe_point *t,
					const struct probe_point *user, int suffix_from)
{
	struct probe_point *tp = elab_clone_point(x->a, t);
	tp->cond = NULL;
	if (suffix_from >= 0)
		for (int i = suffix_from; i < user->comps.n; i++) {
			struct pp_component *c = arena_alloc(x->a, sizeof(*c));
			*c = *comp(user, i);
			c->arg = elab_clone_expr(x->a, c->arg);
			vec_push(x->a, &tp->comps, c);
		}
	/* Under an optional point, whatever the alias needs is optional too;
	 * so is a wildcard suffix's (a.ret* where a has no .return: the
	 * script's point reports it if nothing at all matches). */
	bool wild_suffix = false;
	if (suffix_from >= 0)
		for (int i = suffix_from; i < user->comps.n; i++)
			wild_suffix |= is_wild(comp(user, i)->name);
	tp->optional = tp->optional || user->optional || user->sufficient || wild_suffix;
	return tp;
}

static bool expand_alias(struct elab *x, const struct probe_point *pp, struct alias_name *an,
			 int suffix_from, const struct vec *chain, int depth, struct vec *out)
{
	struct probe_alias *a = an->alias;
	if (chain_has(chain, a)) {
		elab_error(x, pp->loc, "semantic error: recursive loop in alias expansion of '%s'",
			   point_text(x, an->name));
		return false;
	}
	elab_use_file(x, an->file);
	struct vec sub = *chain;
	sub.v = NULL;
	sub.n = sub.cap = 0;
	VEC_FOREACH(*chain, i)
		vec_push(x->a, &sub, chain->v[i]);
	vec_push(x->a, &sub, a);

	bool ok = true;
	VEC_FOREACH(a->points, i) {
		const struct probe_point *t = VEC_AT(a->points, i, struct probe_point *);
		struct probe_point *tp = alias_target(x, t, pp, suffix_from);
		int before = out->n;
		if (!resolve_point(x, tp, a->file, &sub, depth + 1, out)) {
			ok = false;
			elab_note(x, pp->loc, "while resolving probe point '%s'", point_text(x, pp));
		}
		if (t->cond)
			for (int k = before; k < out->n; k++)
				vec_push(x->a, &VEC_AT(*out, k, struct expansion *)->conds, t->cond);
		if (t->sufficient && out->n > before)
			break;
	}
	return ok;
}

static bool expand_providers(struct elab *x, const struct probe_point *pp, const struct vec *chain,
			     bool wild, struct vec *out)
{
	bool ok = true;
	for (int i = 0; providers[i]; i++) {
		const struct provider *p = providers[i];
		if (!p->claims(pp))
			continue;
		struct vec pts = {0};
		if (!p->expand(x->s, pp, &pts)) {
			ok = false;
			x->nerrors++;
		}
		VEC_FOREACH(pts, k) {
			struct probe_point *cp = VEC_AT(pts, k, struct probe_point *);
			if (wild && alias_named(x, cp))
				continue;
			struct expansion *ex = arena_alloc(x->a, sizeof(*ex));
			ex->point = cp;
			ex->prov = p;
			VEC_FOREACH(*chain, c)
				vec_push(x->a, &ex->chain, chain->v[c]);
			vec_push(x->a, out, ex);
		}
		if (!wild)
			break;
	}
	return ok;
}

/* stap families btap has no provider for yet: said in the error, so that
 * "no match" is not read as "no such kernel function". */
static const char *unprovided_family(const struct probe_point *pp)
{
	const char *c0 = pp_comp_name(pp, 0), *c1 = pp_comp_name(pp, 1);
	const struct pp_component *first = VEC_AT(pp->comps, 0, const struct pp_component *);
	if (!c0)
		return NULL;
	if (!strcmp(c0, "kernel") && c1 && !strcmp(c1, "function"))
		return "no function of that name in the kernel's BTF that the function tracer can attach to, nor "
		       "an inlined copy or a compiler's clone of one in the kernel's debuginfo, when it has one "
		       "(--debuginfo)";
	if (!strcmp(c0, "kprobe") && c1 && !strcmp(c1, "function"))
		return "no function of that name in the kernel's BTF that the function tracer can attach to";
	if (!strcmp(c0, "kernel") && c1 && !strcmp(c1, "statement"))
		return "no line of that function and file has code in the kernel's debuginfo; btap -l "
		       "'kernel.statement(\"FUNC@FILE:*\")' lists those that have";
	if (!strcmp(c0, "module") && c1 && !strcmp(c1, "function"))
		return "no function of that name in the module's BTF that the function tracer can attach to";
	if (!strcmp(c0, "module"))
		return "only module(\"MOD\").function(\"PATTERN\") probes are supported yet";
	if (!strcmp(c0, "kprobe") || !strcmp(c0, "kretprobe"))
		return "only kprobe.function(\"NAME\") and kprobe.module(\"MOD\").function(\"NAME\"), with .return, "
		       "are supported yet";
	if (!strcmp(c0, "process")) {
		for (int i = 1; i < pp->comps.n; i++) {
			const char *n = pp_comp_name(pp, i);
			if (!strcmp(n, "function") || !strcmp(n, "mark") || !strcmp(n, "statement") || !strcmp(n, "plt"))
				return "nothing of that name in the binary; btap -l 'process(\"PATH\").function(\"*\")' "
				       "and .mark(\"*\") list what there is";
		}
		if (first->arg)
			return "of process(...) probes, btap supports .function, .statement, .mark, .plt, .begin, .end "
			       "and .thread.begin/.end yet";
	}
	if (!strcmp(c0, "stap") || !strcmp(c0, "staprun") || !strcmp(c0, "stapio"))
		return "these mark stap's own programs and passes: not applicable to btap";
	if (!strcmp(c0, "netfilter"))
		return "btap's netfilter hooks are netfilter.ipv4.*, netfilter.ipv6.*, netfilter.ip.*, and on the kmod "
		       "runtime netfilter.arp.* and netfilter.bridge.*; netfilter.hook(...).pf(...) names any of them";
	static const char *const others[] = {"java", "input", "python2", "python3", NULL};
	for (int i = 0; others[i]; i++)
		if (!strcmp(c0, others[i]))
			return "this probe family is not supported yet";
	return NULL;
}

/* The expansions out[first..] came from the script's own point pp
 * (depth 0) through the alias name an: pn() names them by that alias
 * name, with pp's components past it (stap: the script-level point after
 * wildcard expansion). */
static void name_expansions(struct elab *x, const struct probe_point *pp, const struct alias_name *an,
			    int suffix_from, int depth, struct vec *out, int first)
{
	if (depth != 0 || out->n == first)
		return;
	struct probe_point *n = alias_target(x, an->name, pp, suffix_from);
	n->optional = n->sufficient = false;
	for (int k = first; k < out->n; k++)
		VEC_AT(*out, k, struct expansion *)->named = n;
}

/* Resolve one point into expansions. False if an error was reported. */
static bool resolve_point(struct elab *x, const struct probe_point *pp, const struct src_file *from,
			  const struct vec *chain, int depth, struct vec *out)
{
	if (depth > MAX_ALIAS_DEPTH) {
		elab_error(x, pp->loc, "semantic error: probe alias expansion nested too deeply");
		return false;
	}
	if (pp->comps.n == 0)
		return true;
	elab_tapset_need(x, TAPSET_ALIAS, pp_comp_name(pp, 0));
	elab_generate_syscalls(x, pp);
	if (depth == 0)
		x->s->optional_miss = NULL;
	int before = out->n;
	bool ok = true;
	bool wild = elab_point_has_wildcard(pp);
	/* The aliases that match, found before any is expanded: an expansion
	 * may parse library files, whose aliases go into x->aliases in file
	 * order (those of this point's first component are parsed above). */
	struct vec hits = {0};
	bool prefix = false; /* the aliases name a prefix of the point */
	const struct vec *cand = alias_candidates(x, pp);
	VEC_FOREACH(*cand, i) {
		struct alias_name *an = VEC_AT(*cand, i, struct alias_name *);
		if (alias_visible(an, from) && comps_match(pp, 0, an->name, 0))
			vec_push(x->a, &hits, an);
	}
	if (!hits.n) {
		prefix = true;
		VEC_FOREACH(*cand, i) {
			struct alias_name *an = VEC_AT(*cand, i, struct alias_name *);
			if (alias_visible(an, from) && prefix_match(pp, an->name->comps.n, an->name))
				vec_push(x->a, &hits, an);
		}
	}
	VEC_FOREACH(hits, i) {
		struct alias_name *an = VEC_AT(hits, i, struct alias_name *);
		int cut = prefix ? (int)an->name->comps.n : -1;
		int first = out->n;
		ok = expand_alias(x, pp, an, cut, chain, depth, out) && ok;
		name_expansions(x, pp, an, cut, depth, out, first);
	}
	if (!hits.n || wild)
		ok = expand_providers(x, pp, chain, wild, out) && ok;
	if (ok && out->n == before && !pp->optional && !pp->sufficient) {
		const char *why = unprovided_family(pp);
		if (!why && x->s->optional_miss)
			why = arena_printf(x->a, "none of the points it stands for resolves here: %s", x->s->optional_miss);
		elab_error(x, pp->loc, "semantic error: while resolving probe point: no match for probe point %s%s%s%s",
			   point_text(x, pp), why ? " (" : "", why ? why : "", why ? ")" : "");
		return false;
	}
	return ok;
}

/* ---- derived probes ------------------------------------------------- */

struct stmt *elab_block_of(struct elab *x, struct loc at, struct stmt *a, struct stmt *b)
{
	struct stmt *s = stmt_new(x->a, S_BLOCK, at);
	if (a)
		vec_push(x->a, &s->stmts, a);
	if (b)
		vec_push(x->a, &s->stmts, b);
	return s;
}

static struct expr *and_of(struct elab *x, struct expr *a, struct expr *b)
{
	if (!a)
		return b;
	if (!b)
		return a;
	struct expr *e = expr_new(x->a, E_LOGICAL, a->loc);
	e->op = "&&";
	e->left = a;
	e->right = b;
	return e;
}

/* @probewrite(var) in an alias's code: 1 when the probe's own body writes
 * var (assigns it or an element, ++/--, <<<, a foreach variable, delete),
 * else 0, decided here where that body is at hand (stap 4.4's; the
 * functions it calls are not looked into, as in stap). */
struct written_walk {
	const char *name;
	bool found;
};

static bool names_var(const struct expr *e, const char *name)
{
	while (e && e->kind == E_INDEX)
		e = e->operand;
	return e && e->kind == E_VAR && e->str && strcmp(e->str, name) == 0;
}

static enum ast_step written_expr(struct expr *e, void *ctx)
{
	struct written_walk *w = ctx;
	if (((e->kind == E_ASSIGN || e->kind == E_STATS_ADD) && names_var(e->left, w->name)) ||
	    (e->kind == E_INCDEC && names_var(e->operand, w->name)))
		w->found = true;
	return w->found ? AST_STOP : AST_DESCEND;
}

static enum ast_step written_stmt(struct stmt *s, void *ctx)
{
	struct written_walk *w = ctx;
	if (s->kind == S_DELETE && names_var(s->expr, w->name))
		w->found = true;
	if (s->kind == S_FOREACH) {
		VEC_FOREACH(s->fe_keys, i)
			w->found |= names_var(VEC_AT(s->fe_keys, i, struct expr *), w->name);
		w->found |= s->fe_value && names_var(s->fe_value, w->name);
	}
	return w->found ? AST_STOP : AST_DESCEND;
}

struct probewrite_walk {
	struct elab *x;
	struct stmt *body;
};

static enum ast_step eval_probewrite(struct expr *e, void *ctx)
{
	struct probewrite_walk *pw = ctx;
	if (e->kind != E_CALL || !e->str || strcmp(e->str, "@probewrite") != 0)
		return AST_DESCEND;
	struct expr *var = e->args.n == 1 ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (!var || var->kind != E_VAR) {
		elab_error(pw->x, e->loc, "semantic error: @probewrite takes a variable's name");
		return AST_PRUNE;
	}
	struct written_walk w = {var->str, false};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = written_stmt, .expr_pre = written_expr, .ctx = &w}, pw->body);
	e->kind = E_NUM;
	e->num = w.found;
	e->str = NULL;
	e->args.n = 0;
	return AST_PRUNE;
}

/* The alias's own code around body: `= { .. }` runs before it, `+= { .. }`
 * after it, and `= { prologue }, { epilogue }` both. */
static struct stmt *wrap_in_alias(struct elab *x, struct loc at, const struct probe_alias *a, struct stmt *body)
{
	struct stmt *own = elab_clone_stmt(x->a, a->body);
	struct stmt *epilogue = a->epilogue_body ? elab_clone_stmt(x->a, a->epilogue_body) : NULL;
	struct probewrite_walk pw = {x, body};
	const struct ast_visitor eval = {.expr_pre = eval_probewrite, .ctx = &pw};
	ast_walk_stmt(&eval, own);
	ast_walk_stmt(&eval, epilogue);
	if (a->epilogue)
		return elab_block_of(x, at, body, own);
	struct stmt *all = elab_block_of(x, at, own, body);
	if (epilogue)
		vec_push(x->a, &all->stmts, epilogue);
	return all;
}

static struct probe *make_derived(struct elab *x, struct probe *p, const struct probe_point *pp,
				  struct expansion *ex)
{
	struct probe *d = arena_alloc(x->a, sizeof(*d));
	d->loc = p->loc;
	d->is_private = p->is_private;
	d->file = p->file;
	d->origin = p;
	d->provider = ex->prov;
	d->alias_chain = ex->chain;
	struct probe_point *rp = ex->point;
	rp->optional = pp->optional;
	rp->sufficient = pp->sufficient;
	struct expr *cond = elab_clone_expr(x->a, pp->cond);
	VEC_FOREACH(ex->conds, i)
		cond = and_of(x, cond, elab_clone_expr(x->a, VEC_AT(ex->conds, i, struct expr *)));
	rp->cond = cond;
	d->resolved_point = rp;
	d->script_point = ex->named;
	vec_push(x->a, &d->points, rp);

	/* Outermost alias first: each wraps the body built so far. */
	struct stmt *body = elab_clone_stmt(x->a, p->body);
	if (!body)
		body = stmt_new(x->a, S_BLOCK, p->loc);
	VEC_FOREACH(ex->chain, i)
		body = wrap_in_alias(x, p->loc, VEC_AT(ex->chain, i, struct probe_alias *), body);
	d->body = body;
	return d;
}

void elab_derive_probe(struct elab *x, struct probe *p, struct vec *out)
{
	const struct src_file *from = p->file ? p->file : p->loc.file;
	struct vec none = {0};
	VEC_FOREACH(p->points, i) {
		const struct probe_point *pp = VEC_AT(p->points, i, struct probe_point *);
		struct vec exps = {0}, shared = {0};
		if (pp->comps.n)
			elab_tapset_need(x, TAPSET_ALIAS, pp_comp_name(pp, 0));
		if (elab_syscall_set(x, p, pp, &shared))
			VEC_FOREACH(shared, k)
				resolve_point(x, VEC_AT(shared, k, struct probe_point *), from, &none, 0, &exps);
		else
			resolve_point(x, pp, from, &none, 0, &exps);
		VEC_FOREACH(exps, k)
			vec_push(x->a, out, make_derived(x, p, pp, VEC_AT(exps, k, struct expansion *)));
		if (pp->sufficient && exps.n > 0)
			break;
	}
}

/* ---- listing (-l / -L) ---------------------------------------------- */

void elab_match_for_listing(struct elab *x, struct probe_point *pp, struct vec *out)
{
	if (pp->comps.n)
		elab_tapset_need(x, TAPSET_ALIAS, pp_comp_name(pp, 0));
	elab_generate_syscalls(x, pp);
	bool full = false;
	const struct vec *cand = alias_candidates(x, pp);
	VEC_FOREACH(*cand, i) {
		struct alias_name *an = VEC_AT(*cand, i, struct alias_name *);
		if (an->alias->is_private || !comps_match(pp, 0, an->name, 0))
			continue;
		full = true;
		struct list_match *m = arena_alloc(x->a, sizeof(*m));
		m->is_alias = true;
		m->alias = an;
		m->point = an->name;
		vec_push(x->a, out, m);
	}
	bool wild = elab_point_has_wildcard(pp);
	if (full && !wild)
		return;
	struct vec exps = {0}, none = {0};
	expand_providers(x, pp, &none, wild, &exps);
	VEC_FOREACH(exps, i) {
		struct expansion *ex = VEC_AT(exps, i, struct expansion *);
		struct list_match *m = arena_alloc(x->a, sizeof(*m));
		m->point = ex->point;
		m->prov = ex->prov;
		vec_push(x->a, out, m);
	}
}

void elab_derive_alias_for_listing(struct elab *x, struct alias_name *an, struct vec *out)
{
	struct probe *p = arena_alloc(x->a, sizeof(*p));
	p->loc = an->name->loc;
	p->file = an->file->src;
	p->body = stmt_new(x->a, S_BLOCK, p->loc);
	/* optional: an alias whose points do not resolve here (functions of
	 * a module that is not loaded) is left out of the listing */
	struct probe_point *pp = elab_clone_point(x->a, an->name);
	pp->optional = true;
	vec_push(x->a, &p->points, pp);
	elab_derive_probe(x, p, out);
}
