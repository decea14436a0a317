/* Pass 3: statements. Control flow becomes gotos to per-body labels, so
 * `break`, `continue`, `next`, `return` and runtime errors (to the
 * innermost catch) all leave through the same exits; loops count their
 * iterations against MAXACTION, which also bounds them for the verifier.
 * In a kernel body of a runtime with loop_callbacks (emit_runtime.h), a
 * loop body is a callback instead (btap_loop, btap_map_each), which the
 * runtime runs once per iteration: exits that leave the callback record a
 * status the caller branches on.
 * Every statement starts with a #line directive. String temporaries live
 * for one statement. */
#include "emit_internal.h"

#include <inttypes.h>
#include <string.h>

static const char *new_label(struct em_fn *f, const char *what)
{
	return arena_printf(f->em->a, "%s_%d", what, f->nlabel++);
}

/* Statement-scoped temporaries: strings of one statement are dead after it. */
static void reset_temps(struct em_fn *f)
{
	f->nstr = 0;
	f->ndbl = 0;
}

static void emit_label(struct em_fn *f, const char *l)
{
	sb_printf(f->out, "BTAP_UNUSED_LABEL(%s)\n", l);
}

static void emit_cond_jump_false(struct em_fn *f, struct expr *cond, const char *label)
{
	const char *v = em_to_long(f, cond);
	em_line(f, "if (!(%s))", v);
	em_line(f, "\tgoto %s;", label);
}

/* One iteration more; the loop's site names the keyword. */
static void count_iteration(struct em_fn *f, struct loc at, const char *kw)
{
	int site = em_site(f->em, at, arena_printf(f->em->a, "keyword '%s'", kw));
	em_line(f, "if (!btap_count_action(c, %d))", site);
	em_line(f, "\tgoto %s;", f->errlabel);
}

static void push_loop(struct em_fn *f, const char *brk, const char *cont)
{
	struct em_loop *l = arena_alloc(f->em->a, sizeof(*l));
	l->brk = brk;
	l->cont = cont;
	vec_push(f->em->a, &f->loops, l);
}

static void pop_loop(struct em_fn *f)
{
	f->loops.n--;
}

static struct em_loop *inner_loop(struct em_fn *f)
{
	return f->loops.n ? VEC_AT(f->loops, f->loops.n - 1, struct em_loop *) : NULL;
}

/* ---- loops as callbacks (kernel bodies, where the runtime wants them) -- */

static enum ast_step loop_at(struct stmt *s, void *ctx)
{
	bool *found = ctx;
	if (s->kind != S_WHILE && s->kind != S_FOR && s->kind != S_FOREACH)
		return AST_DESCEND;
	*found = true;
	return AST_STOP;
}

bool em_has_loop(const struct stmt *s)
{
	bool found = false;
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = loop_at, .ctx = &found}, (struct stmt *)s);
	return found;
}

const char *em_long_local(struct em_fn *f, const char *name)
{
	return arena_printf(f->em->a, f->in_frame ? "fr->l_%s" : "l_%s", name);
}

/* stap's STAP_ARG_x in a script function's embedded C (a %{ %} statement
 * or expression) is its parameter x: defined around the code (define),
 * undefined after it. */
void em_stap_args(struct em_fn *f, const char *code, bool define)
{
	if (!f->func || !code || !strstr(code, "STAP_ARG_"))
		return;
	VEC_FOREACH(f->func->f->params, i) {
		const struct vardecl *v = VEC_AT(f->func->f->params, i, const struct vardecl *);
		if (!define)
			sb_printf(f->out, "#undef STAP_ARG_%s\n", v->name);
		else if (v->type == TY_STRING)
			sb_printf(f->out, "#define STAP_ARG_%s (fr->l_%s)\n", v->name, v->name);
		else
			sb_printf(f->out, "#define STAP_ARG_%s (%s)\n", v->name, em_long_local(f, v->name));
	}
}

/* What a callback's emission replaces in its body, restored at its end. */
struct em_callback {
	const char *name;
	struct strbuf text;
	struct strbuf *out;
	const char *errlabel;
	struct vec loops;
	int indent;
};

static const char *frame_type(struct em_fn *f)
{
	return f->func ? f->func->frame : f->probe->frame;
}

/* Statements go to the callback's own text until end_callback. Its data
 * (struct btap_loop) carries the context, the frame and the string
 * return buffer; `out` and the errors leave with a status. */
static void begin_callback(struct em_fn *f, struct em_callback *cb, const char *params, struct loc at)
{
	cb->name = f->func ? arena_printf(f->em->a, "blf%d_%d", f->func->index, f->ncb++)
			   : arena_printf(f->em->a, "blp" EM_PROBE_TAG "_%d", f->ncb++);
	sb_init(&cb->text);
	cb->out = f->out;
	cb->errlabel = f->errlabel;
	cb->loops = f->loops;
	cb->indent = f->indent;
	f->out = &cb->text;
	f->errlabel = "lerr";
	memset(&f->loops, 0, sizeof(f->loops));
	f->indent = 1;
	sb_printf(f->out, "static long %s(%s)\n{\n", cb->name, params);
	em_line(f, "struct btap_loop *lp = btap_data;");
	em_line(f, "struct btap_ctx *c = lp->c;");
	em_line(f, "%s *fr = lp->fr;", frame_type(f));
	em_line(f, "char *nsp = lp->nsp;");
	em_line(f, "(void)fr;");
	em_line(f, "(void)nsp;");
	if (f->func && f->func->f->ret == TY_STRING)
		em_line(f, "char *rs = lp->rs;");
	em_linedir(f, at);
}

static void exit_with(struct em_fn *f, const char *label, const char *status)
{
	emit_label(f, label);
	em_line(f, "lp->st = %s;", status);
	em_line(f, "return 1;");
}

static void end_callback(struct em_fn *f, struct em_callback *cb)
{
	em_line(f, "return 0;");
	exit_with(f, "lbrk", "BTAP_LOOP_DONE");
	exit_with(f, "lerr", "BTAP_LOOP_ERR");
	exit_with(f, "out", "BTAP_LOOP_OUT");
	sb_puts(f->out, "}\n#line __BTAP_LINE__\n\n");
	sb_putn(&f->cbs, cb->text.s, cb->text.len);
	sb_free(&cb->text);
	f->out = cb->out;
	f->errlabel = cb->errlabel;
	f->loops = cb->loops;
	f->indent = cb->indent;
}

/* Run the callback through runner(c, callback, &data extra) and follow
 * the exit it recorded. */
static void call_callback(struct em_fn *f, struct em_callback *cb, const char *runner, const char *extra)
{
	const char *lp = arena_printf(f->em->a, "lp%d", f->nlabel++);
	bool str_ret = f->func && f->func->f->ret == TY_STRING;
	em_line(f, "{");
	f->indent++;
	em_line(f, "struct btap_loop %s = {c, fr, nsp, %s, 0};", lp, str_ret ? "rs" : "0");
	em_line(f, "%s(c, %s, &%s%s);", runner, cb->name, lp, extra);
	em_line(f, "if (%s.st == BTAP_LOOP_ERR)", lp);
	em_line(f, "\tgoto %s;", f->errlabel);
	em_line(f, "if (%s.st == BTAP_LOOP_OUT)", lp);
	em_line(f, "\tgoto out;");
	f->indent--;
	em_line(f, "}");
}

#define LOOP_CB_PARAMS "uint32_t btap_i, void *btap_data"
#define EACH_CB_PARAMS "void *btap_map, const void *btap_key, void *btap_val, void *btap_data"

/* Leave (with `miss`) an element whose key differs from a fixed slice key
 * (slot[i] NULL: a '*' there). */
static void emit_slice_filter(struct em_fn *f, struct em_map *m, const char *const *slot, const char *miss)
{
	for (int i = 0; i < m->nkeys; i++) {
		if (!slot[i])
			continue;
		if (m->v->key_types[i] == TY_STRING)
			em_line(f, "if (btap_str_ncmp(k->k%d, %s, sizeof(k->k%d)) != 0)", i, slot[i], i);
		else
			em_line(f, "if (k->k%d != %s)", i, slot[i]);
		em_line(f, "\t%s;", miss);
	}
}

bool em_is_slice(const struct vec *args)
{
	VEC_FOREACH(*args, i)
		if (VEC_AT(*args, i, struct expr *)->kind == E_STAR)
			return true;
	return false;
}

/* A callback over the map's elements compares the fixed keys, kept in
 * the frame so the callback sees them; it deletes each match, or stops at
 * the first and says so in the frame. */
const char *em_slice(struct em_fn *f, struct em_map *m, struct vec *args, struct loc at, bool del)
{
	if (args->n != m->nkeys) {
		diag_error(at, "'%s' takes %d index%s, not %d", m->v->name, m->nkeys, m->nkeys == 1 ? "" : "es",
			   args->n);
		return "0";
	}
	int n = f->nslice++;
	const char *slot[MAX_ARRAY_KEYS] = {0};
	VEC_FOREACH(*args, i) {
		struct expr *a = VEC_AT(*args, i, struct expr *);
		if (a->kind == E_STAR)
			continue;
		const char *v = em_expr(f, a);
		slot[i] = arena_printf(f->em->a, "fr->sl%d_%d", n, i);
		if (a->type == TY_STRING) {
			sb_printf(&f->frame, "\tchar sl%d_%d[MAXSTRINGLEN];\n", n, i);
			em_line(f, "btap_str_copy(%s, %s);", slot[i], v);
		} else {
			sb_printf(&f->frame, "\tint64_t sl%d_%d;\n", n, i);
			em_line(f, "%s = %s;", slot[i], v);
		}
	}
	sb_printf(&f->frame, "\tint64_t slf%d;\n", n);
	em_line(f, "fr->slf%d = 0;", n);
	const char *ref = arena_printf(f->em->a, "BTAP_MAPREF(%s, %d)", m->sym, m->id);
	struct em_callback cb;
	begin_callback(f, &cb, EACH_CB_PARAMS, at);
	em_line(f, "const %s *k = btap_key;", m->key_type);
	emit_slice_filter(f, m, slot, "return 0");
	em_line(f, "fr->slf%d = 1;", n);
	if (del)
		em_line(f, "btap_map_delete(c, %s, k);", ref);
	else
		em_line(f, "goto lbrk;");
	end_callback(f, &cb);
	em_linedir(f, at);
	call_callback(f, &cb, "btap_map_each", arena_printf(f->em->a, ", %s, sizeof(%s)", ref, m->key_type));
	const char *t = em_tmp_long(f);
	em_line(f, "%s = fr->slf%d;", t, n);
	return t;
}

/* The part of a while or for loop every form shares: leave for brk when
 * the condition is false, the body with break/continue bound, then the
 * continue label (unless cont is the loop's top) and the increment. */
static void loop_body(struct em_fn *f, struct stmt *s, const char *brk, const char *cont, bool cont_label)
{
	if (s->cond)
		emit_cond_jump_false(f, s->cond, brk);
	reset_temps(f);
	push_loop(f, brk, cont);
	em_stmt(f, s->body);
	pop_loop(f);
	if (cont_label)
		emit_label(f, cont);
	if (s->incr) {
		em_linedir(f, s->incr->loc);
		em_expr(f, s->incr);
		reset_temps(f);
	}
}

/* while and for: one callback call per condition check. */
static void callback_loop(struct em_fn *f, struct stmt *s, const char *kw)
{
	struct em_callback cb;
	int site = em_site(f->em, s->loc, arena_printf(f->em->a, "keyword '%s'", kw));
	begin_callback(f, &cb, LOOP_CB_PARAMS, s->loc);
	em_line(f, "if (!btap_count_action(c, %d))", site);
	em_line(f, "\tgoto %s;", f->errlabel);
	loop_body(f, s, "lbrk", new_label(f, "cont"), true);
	end_callback(f, &cb);
	em_linedir(f, s->loc);
	call_callback(f, &cb, "btap_loop", arena_printf(f->em->a, ", %d", site));
}

/* while and for; a while loop continues at its top. */
static void st_loop(struct em_fn *f, struct stmt *s)
{
	const char *kw = s->kind == S_FOR ? "for" : "while";
	if (s->kind == S_FOR && s->init) {
		em_expr(f, s->init);
		reset_temps(f);
	}
	if (f->in_frame) {
		callback_loop(f, s, kw);
		return;
	}
	const char *top = new_label(f, "loop"), *brk = new_label(f, "brk");
	const char *cont = s->kind == S_FOR ? new_label(f, "cont") : top;
	emit_label(f, top);
	count_iteration(f, s->loc, kw);
	loop_body(f, s, brk, cont, cont != top);
	em_line(f, "goto %s;", top);
	emit_label(f, brk);
}

static void st_if(struct em_fn *f, struct stmt *s)
{
	const char *v = em_to_long(f, s->cond);
	reset_temps(f);
	em_line(f, "if (%s) {", v);
	f->indent++;
	em_stmt(f, s->then);
	f->indent--;
	if (s->els) {
		em_line(f, "} else {");
		f->indent++;
		em_stmt(f, s->els);
		f->indent--;
	}
	em_line(f, "}");
}

static void st_return(struct em_fn *f, struct stmt *s)
{
	if (!f->func) {
		diag_error(s->loc, "'return' outside a function");
		return;
	}
	if (s->expr) {
		const char *v = em_expr(f, s->expr);
		if (s->expr->type == TY_STRING)
			em_line(f, "btap_str_copy(rs, %s);", v);
		else if (s->expr->type != TY_VOID)
			em_line(f, "%s = %s;", f->rv, v);
	}
	em_line(f, "goto out;");
}

static void st_delete(struct em_fn *f, struct stmt *s)
{
	struct expr *e = s->expr;
	if (e->kind == E_VAR && e->var && e->var->is_global) {
		struct em_global *g = em_global_of(f->em, e->var);
		if (g && g->map) {
			em_line(f, "btap_map_clear(c, BTAP_MAPREF(%s, %d));", g->map->sym, g->map->id);
			return;
		}
	}
	if (e->kind == E_VAR) {
		const char *v = em_expr(f, e);
		if ((e->var ? e->var->type : e->type) == TY_STRING)
			em_line(f, "%s[0] = 0;", v);
		else
			em_line(f, "%s = 0;", v);
		return;
	}
	if (e->kind == E_INDEX) {
		struct expr *base = em_index_base(e);
		struct em_global *g = base && base->kind == E_VAR && base->var ? em_global_of(f->em, base->var)
									     : NULL;
		if (!g || !g->map) {
			diag_error(e->loc, "delete needs an array element");
			return;
		}
		if (em_is_slice(&e->args)) {
			em_slice(f, g->map, &e->args, e->loc, true);
			return;
		}
		const char *key = em_index_key(f, g->map, &e->args, e->loc);
		em_line(f, "btap_map_delete(c, BTAP_MAPREF(%s, %d), %s);", g->map->sym, g->map->id, key);
		return;
	}
	diag_error(s->loc, "delete needs a variable, an array or an array element");
}

static void st_try(struct em_fn *f, struct stmt *s)
{
	const char *catch_l = new_label(f, "catch"), *after = new_label(f, "after");
	const char *saved = f->errlabel;
	f->errlabel = catch_l;
	em_stmt(f, s->body);
	f->errlabel = saved;
	em_line(f, "goto %s;", after);
	emit_label(f, catch_l);
	/* abort() is not catchable */
	em_line(f, "if (BTAP_ERR(c) == 2)");
	em_line(f, "\tgoto %s;", f->errlabel);
	if (s->catch_var) {
		const char *v = em_expr(f, s->catch_var);
		em_line(f, "btap_catch(c, %s);", v);
	} else {
		em_line(f, "btap_catch(c, 0);");
	}
	reset_temps(f);
	em_stmt(f, s->catch_body);
	emit_label(f, after);
}

/* The start of a goto foreach over the fr->fn<n> elements of frame slot
 * n: its labels, and the test that leaves it after the last. */
static void foreach_head(struct em_fn *f, struct stmt *s, int n, const char **top, const char **brk,
			 const char **cont)
{
	*top = new_label(f, "loop");
	*brk = new_label(f, "brk");
	*cont = new_label(f, "cont");
	em_line(f, "fr->fi%d = 0;", n);
	reset_temps(f);
	emit_label(f, *top);
	em_line(f, "if (fr->fi%d >= fr->fn%d)", n, n);
	em_line(f, "\tgoto %s;", *brk);
	count_iteration(f, s->loc, "foreach");
}

/* The end of a goto foreach over element n of the frame: the body, then
 * on to the next element. */
static void foreach_step(struct em_fn *f, struct stmt *s, int n, const char *top, const char *brk,
			 const char *cont)
{
	reset_temps(f);
	push_loop(f, brk, cont);
	em_stmt(f, s->body);
	pop_loop(f);
	emit_label(f, cont);
	em_line(f, "fr->fi%d++;", n);
	em_line(f, "goto %s;", top);
	emit_label(f, brk);
}

/* foreach ([b] in @hist_*(x)): every bucket index, 0 to the last, as
 * stap visits them (empty buckets too); the body reads the counts. */
static void st_foreach_hist(struct em_fn *f, struct stmt *s)
{
	struct expr *hist = s->fe_array;
	if (em_in_kernel(f) && !f->em->rt->kernel_hist_foreach) {
		em_unsupported_kernel(f, s->loc, "foreach over histogram buckets");
		return;
	}
	/* [b+] asks for the order buckets come in anyway */
	if (s->fe_keys.n != 1 || s->fe_sort_key < 0 || s->fe_sort_dir < 0) {
		diag_error(s->loc, "foreach over histogram buckets takes one index and sorts "
			   "only ascending by bucket");
		return;
	}
	const char *key = NULL;
	struct em_map *m = em_stats_map_of(f, hist->operand, &key);
	if (!m) {
		diag_error(hist->loc, "a histogram needs a statistic");
		return;
	}
	const char *limit = s->fe_limit ? em_expr_stable(f, s->fe_limit, true) : NULL;
	int n = f->nforeach++;
	sb_printf(&f->decls, "\tfr->fk%d = 0;\n", n);
	em_line(f, "fr->fn%d = %d;", n, m->nbuckets);
	if (limit)
		em_line(f, "if (%s >= 0 && %s < fr->fn%d) fr->fn%d = %s;", limit, limit, n, n, limit);
	const char *top, *brk, *cont;
	foreach_head(f, s, n, &top, &brk, &cont);
	em_line(f, "%s = fr->fi%d;", em_expr(f, VEC_AT(s->fe_keys, 0, struct expr *)), n);
	if (s->fe_value) { /* n = [b] in @hist_*(x): the bucket's count */
		int site = em_site(f->em, s->loc, arena_printf(f->em->a, "operator '@%s'", hist->op ? hist->op : "hist"));
		em_line(f, "%s = btap_stat_bucket(c, BTAP_MAPREF(%s, %d), %s, fr->fi%d, %d, %d);",
			em_expr(f, s->fe_value), m->sym, m->id, key, n, m->nbuckets, site);
		em_err_check(f, site);
	}
	foreach_step(f, s, n, top, brk, cont);
}

/* The loop variables of one foreach element, key at k. */
static void foreach_bind(struct em_fn *f, struct stmt *s, struct em_map *m, const char *ref)
{
	VEC_FOREACH(s->fe_keys, i) {
		struct expr *kv = VEC_AT(s->fe_keys, i, struct expr *);
		const char *v = em_expr(f, kv);
		if (m->v->key_types[i] == TY_STRING)
			em_line(f, "btap_str_copy_n(%s, k->k%d, sizeof(k->k%d));", v, i, i);
		else
			em_line(f, "%s = k->k%d;", v, i);
	}
	if (s->fe_value) {
		const char *v = em_expr(f, s->fe_value);
		if (m->stats) {
			diag_error(s->fe_value->loc, "the value of a statistic is read with @count, @sum ...");
		} else if (m->v->type == TY_STRING) {
			em_line(f, "btap_map_get_str(c, %s, k, %s);", ref, v);
		} else {
			em_line(f, "%s = btap_map_get_long(c, %s, k);", v, ref);
		}
	}
}

/* The rest of a foreach callback, element k at hand: the loop variables,
 * the body with break and continue bound, then the callback closed and
 * run through runner(c, callback, &data extra). */
static void foreach_callback_body(struct em_fn *f, struct stmt *s, struct em_map *m, const char *ref,
				  struct em_callback *cb, const char *runner, const char *extra)
{
	foreach_bind(f, s, m, ref);
	reset_temps(f);
	const char *cont = new_label(f, "cont");
	push_loop(f, "lbrk", cont);
	em_stmt(f, s->body);
	pop_loop(f);
	emit_label(f, cont);
	end_callback(f, cb);
	em_linedir(f, s->loc);
	call_callback(f, cb, runner, extra);
}

/* foreach in a body with callback loops: a callback per element
 * (unordered); `limit` counts the bodies run in the frame. */
static void callback_foreach(struct em_fn *f, struct stmt *s, struct em_map *m, const char **slice,
			     const char *limit)
{
	const char *ref = arena_printf(f->em->a, "BTAP_MAPREF(%s, %d)", m->sym, m->id);
	int site = em_site(f->em, s->loc, "keyword 'foreach'");
	const char *ran = NULL;
	if (limit) {
		ran = em_tmp_long(f);
		em_line(f, "%s = 0;", ran);
	}
	struct em_callback cb;
	begin_callback(f, &cb, EACH_CB_PARAMS, s->loc);
	em_line(f, "const %s *k = btap_key;", m->key_type);
	em_line(f, "if (!btap_count_action(c, %d))", site);
	em_line(f, "\tgoto %s;", f->errlabel);
	emit_slice_filter(f, m, slice, "return 0");
	if (ran) {
		em_line(f, "if (%s >= %s)", ran, limit);
		em_line(f, "\tgoto lbrk;");
		em_line(f, "%s++;", ran);
	}
	foreach_callback_body(f, s, m, ref, &cb, "btap_map_each",
			      arena_printf(f->em->a, ", %s, sizeof(%s)", ref, m->key_type));
}

/* o = the order of element a (value av) against element b (value bv) in
 * a sorted foreach: the sort column in the loop's direction, ties by the
 * keys in order, ascending, as the runner sorts (runner_sort.c). */
static void emit_element_order(struct em_fn *f, struct stmt *s, struct em_map *m, const char *a, const char *av,
			       const char *b, const char *bv)
{
	int dir = s->fe_sort_dir < 0 ? -1 : 1;
	if (s->fe_sort_key < 0 && m->v->type == TY_STRING)
		em_line(f, "o = %d * btap_str_ncmp(%s, %s, MAXSTRINGLEN);", dir, av, bv);
	else if (s->fe_sort_key < 0)
		em_line(f, "o = %d * (%s < %s ? -1 : %s > %s);", dir, av, bv, av, bv);
	else
		em_line(f, "o = 0;");
	for (int pass = 0; pass < 2; pass++)
		for (int i = 0; i < m->nkeys; i++) {
			/* pass 0: the sorted key column; pass 1: all keys */
			if (pass == 0 && s->fe_sort_key != i + 1)
				continue;
			int d = pass == 0 ? dir : 1;
			if (m->v->key_types[i] == TY_STRING)
				em_line(f, "if (!o) o = %d * btap_str_ncmp(%s->k%d, %s->k%d, sizeof(%s->k%d));", d, a, i, b,
					i, a, i);
			else
				em_line(f, "if (!o) o = %d * (%s->k%d < %s->k%d ? -1 : %s->k%d > %s->k%d);", d, a, i, b, i, a,
					i, b, i);
		}
}

/* In a sorted foreach's scan: when frame flag <have><n> is set, leave the
 * element k (value kv) if its order against element <other><n> (value ov)
 * passes skip. */
static void emit_skip_by_order(struct em_fn *f, struct stmt *s, struct em_map *m, const char *kv, int n,
			       const char *have, const char *other, const char *ov, const char *skip)
{
	em_line(f, "if (fr->%s%d) {", have, n);
	f->indent++;
	emit_element_order(f, s, m, "k", kv, arena_printf(f->em->a, "(&fr->%s%d)", other, n), ov);
	em_line(f, "if (%s)", skip);
	em_line(f, "\treturn 0;");
	f->indent--;
	em_line(f, "}");
}

/* A sorted foreach where loops are callbacks (a kernel-context body): no
 * sort in the kernel, so each step scans the map for the least element
 * after the last one visited (the order is total: ties go by the keys).
 * n steps over n elements cost n^2 comparisons, each an action against
 * MAXACTION, which bounds the time a probe spends. */
static void sorted_callback_foreach(struct em_fn *f, struct stmt *s, struct em_map *m, const char **slice,
				    const char *limit)
{
	const char *ref = arena_printf(f->em->a, "BTAP_MAPREF(%s, %d)", m->sym, m->id);
	int site = em_site(f->em, s->loc, "keyword 'foreach'");
	int n = f->nsorted++;
	bool by_value = s->fe_sort_key < 0;
	bool str_value = by_value && m->v->type == TY_STRING;
	/* the last element visited (p), the least after it found so far (b) */
	sb_printf(&f->frame, "\t%s fsp%d, fsb%d;\n\tint64_t fsh%d, fsf%d;\n", m->key_type, n, n, n, n);
	if (str_value)
		sb_printf(&f->frame, "\tchar fspv%d[MAXSTRINGLEN], fsbv%d[MAXSTRINGLEN], fscv%d[MAXSTRINGLEN];\n", n, n,
			  n);
	else if (by_value)
		sb_printf(&f->frame, "\tint64_t fspv%d, fsbv%d;\n", n, n);
	const char *pv = arena_printf(f->em->a, "fr->fspv%d", n), *bv = arena_printf(f->em->a, "fr->fsbv%d", n);
	const char *ran = NULL;
	if (limit) {
		ran = em_tmp_long(f);
		em_line(f, "%s = 0;", ran);
	}
	em_line(f, "fr->fsh%d = 0;", n);

	struct em_callback step;
	begin_callback(f, &step, LOOP_CB_PARAMS, s->loc);
	em_line(f, "if (!btap_count_action(c, %d))", site);
	em_line(f, "\tgoto %s;", f->errlabel);
	if (ran) {
		em_line(f, "if (%s >= %s)", ran, limit);
		em_line(f, "\tgoto lbrk;");
	}
	em_line(f, "fr->fsf%d = 0;", n);

	struct em_callback scan;
	begin_callback(f, &scan, EACH_CB_PARAMS, s->loc);
	em_line(f, "const %s *k = btap_key;", m->key_type);
	em_line(f, "int o;");
	em_line(f, "if (!btap_count_action(c, %d))", site);
	em_line(f, "\tgoto %s;", f->errlabel);
	emit_slice_filter(f, m, slice, "return 0");
	const char *kv = NULL;
	if (str_value) {
		kv = arena_printf(f->em->a, "fr->fscv%d", n);
		em_line(f, "btap_map_get_str(c, %s, k, %s);", ref, kv);
	} else if (by_value && m->stats) {
		/* the aggregate the runner sorts by (runner_stat_aggregate); a
		 * key in a statistic has at least one value, so none is empty */
		const char *a = s->fe_sort_agg ? s->fe_sort_agg : "count";
		const char *op = !strcmp(a, "sum") ? "RT_STAT_SUM" : !strcmp(a, "min") ? "RT_STAT_MIN"
			       : !strcmp(a, "max") ? "RT_STAT_MAX" : !strcmp(a, "avg") ? "RT_STAT_AVG" : "RT_STAT_COUNT";
		em_line(f, "int64_t v = btap_stat_get(c, %s, k, %s, %d, %d);", ref, op, m->bit_shift, site);
		kv = "v";
	} else if (by_value) {
		em_line(f, "int64_t v = btap_map_get_long(c, %s, k);", ref);
		kv = "v";
	}
	/* not after the last one visited, or not before the best so far: skip */
	emit_skip_by_order(f, s, m, kv, n, "fsh", "fsp", pv, "o <= 0");
	emit_skip_by_order(f, s, m, kv, n, "fsf", "fsb", bv, "o >= 0");
	em_line(f, "__builtin_memcpy(&fr->fsb%d, k, sizeof(*k));", n);
	if (str_value)
		em_line(f, "btap_str_copy(%s, %s);", bv, kv);
	else if (by_value)
		em_line(f, "%s = v;", bv);
	em_line(f, "fr->fsf%d = 1;", n);
	end_callback(f, &scan);
	em_linedir(f, s->loc);
	call_callback(f, &scan, "btap_map_each", arena_printf(f->em->a, ", %s, sizeof(%s)", ref, m->key_type));

	em_line(f, "if (!fr->fsf%d)", n);
	em_line(f, "\tgoto lbrk;");
	em_line(f, "__builtin_memcpy(&fr->fsp%d, &fr->fsb%d, sizeof(fr->fsp%d));", n, n, n);
	if (str_value)
		em_line(f, "btap_str_copy(%s, %s);", pv, bv);
	else if (by_value)
		em_line(f, "%s = %s;", pv, bv);
	em_line(f, "fr->fsh%d = 1;", n);
	if (ran)
		em_line(f, "%s++;", ran);
	em_line(f, "const %s *k = &fr->fsp%d;", m->key_type, n);
	foreach_callback_body(f, s, m, ref, &step, "btap_loop", arena_printf(f->em->a, ", %d", site));
}

/* foreach in the runner: the runner sorts the keys; the loop walks them. */
static void st_foreach(struct em_fn *f, struct stmt *s)
{
	if (s->fe_array && s->fe_array->kind == E_HIST) {
		st_foreach_hist(f, s);
		return;
	}
	/* kernel code sorts with loop callbacks (sorted_callback_foreach) */
	if (em_in_kernel(f) && s->fe_sort_key && !f->in_frame) {
		diag_error(s->loc, "sorted foreach is not supported in kernel-context probes (or the "
			   "functions they call) on this runtime: sorting runs in begin, end and timer probes");
		return;
	}
	struct expr *arr = s->fe_array;
	struct expr *base = arr && arr->kind == E_INDEX ? em_index_base(arr) : arr;
	struct em_global *g = base && base->kind == E_VAR && base->var ? em_global_of(f->em, base->var) : NULL;
	if (!g || !g->map) {
		diag_error(s->loc, "foreach needs an array");
		return;
	}
	struct em_map *m = g->map;
	if (s->fe_keys.n != m->nkeys) {
		diag_error(s->loc, "'%s' has %d keys, foreach names %d", m->v->name, m->nkeys, s->fe_keys.n);
		return;
	}
	/* slice: the fixed keys, evaluated once */
	const char *slice[MAX_ARRAY_KEYS] = {0};
	if (arr->kind == E_INDEX) {
		VEC_FOREACH(arr->args, i) {
			struct expr *a = VEC_AT(arr->args, i, struct expr *);
			if (i >= MAX_ARRAY_KEYS || a->kind == E_STAR)
				continue;
			/* kept for the whole loop: not a statement temporary */
			const char *v = em_expr(f, a);
			/* the callback's number names it in a body with callbacks */
			const char *fs = f->in_frame ? "fc" : "fs";
			int n = f->in_frame ? f->ncb : f->nforeach;
			const char *slot = arena_printf(f->em->a, "fr->%s%d_%d", fs, n, i);
			if (a->type == TY_STRING) {
				sb_printf(&f->frame, "	char %s%d_%d[MAXSTRINGLEN];\n", fs, n, i);
				em_line(f, "btap_str_copy(%s, %s);", slot, v);
			} else {
				sb_printf(&f->frame, "	int64_t %s%d_%d;\n", fs, n, i);
				em_line(f, "%s = %s;", slot, v);
			}
			slice[i] = slot;
		}
	}
	const char *limit = "-1";
	if (s->fe_limit)
		limit = em_expr_stable(f, s->fe_limit, true);
	if (f->in_frame && s->fe_sort_key) {
		sorted_callback_foreach(f, s, m, slice, s->fe_limit ? limit : NULL);
		return;
	}
	if (f->in_frame) {
		callback_foreach(f, s, m, slice, s->fe_limit ? limit : NULL);
		return;
	}
	char agg = 'c';
	if (s->fe_sort_agg) {
		const char *a = s->fe_sort_agg;
		agg = !strcmp(a, "sum") ? 's' : !strcmp(a, "min") ? 'm' : !strcmp(a, "max") ? 'M'
		    : !strcmp(a, "avg") ? 'a' : 'c';
	}
	int n = f->nforeach++;
	sb_printf(&f->decls, "\tfr->fk%d = 0;\n", n);
	const char *ref = arena_printf(f->em->a, "BTAP_MAPREF(%s, %d)", m->sym, m->id);
	/* a negative limit runs no iteration (as in stap); with a slice the
	 * limit counts the matching elements, so it is counted in the loop */
	bool has_slice = false;
	for (int i = 0; i < m->nkeys; i++)
		has_slice |= slice[i] != NULL;
	const char *counted = NULL;
	if (s->fe_limit) {
		limit = arena_printf(f->em->a, "((%s) < 0 ? 0 : (%s))", limit, limit);
		if (has_slice) {
			counted = arena_printf(f->em->a, "fr->fl%d", n);
			sb_printf(&f->frame, "\tint64_t fl%d;\n", n);
			em_line(f, "%s = 0;", counted);
		}
	}
	em_line(f, "btap_foreach_free(fr->fk%d);", n);
	em_line(f, "fr->fn%d = btap_foreach_keys(c, %s, %d, %d, '%c', %s, &fr->fk%d);", n, ref,
		s->fe_sort_key, s->fe_sort_dir ? s->fe_sort_dir : 1, agg, counted ? "-1" : limit, n);
	const char *top, *brk, *cont;
	foreach_head(f, s, n, &top, &brk, &cont);
	em_line(f, "{");
	f->indent++;
	em_line(f, "%s *k = (%s *)fr->fk%d + fr->fi%d;", m->key_type, m->key_type, n, n);
	emit_slice_filter(f, m, slice, arena_printf(f->em->a, "goto %s", cont));
	if (counted) {
		em_line(f, "if (%s >= %s)", counted, limit);
		em_line(f, "\tgoto %s;", brk);
		em_line(f, "%s++;", counted);
	}
	foreach_bind(f, s, m, ref);
	f->indent--;
	em_line(f, "}");
	foreach_step(f, s, n, top, brk, cont);
	em_line(f, "btap_foreach_free(fr->fk%d);", n);
}

void em_stmt(struct em_fn *f, struct stmt *s)
{
	if (!s)
		return;
	if (s->kind != S_BLOCK)
		em_linedir(f, s->loc);
	reset_temps(f);
	switch (s->kind) {
	case S_BLOCK:
		VEC_FOREACH(s->stmts, i)
			em_stmt(f, VEC_AT(s->stmts, i, struct stmt *));
		break;
	case S_EXPR:
		em_expr(f, s->expr);
		break;
	case S_IF:
		st_if(f, s);
		break;
	case S_WHILE:
	case S_FOR:
		st_loop(f, s);
		break;
	case S_FOREACH:
		st_foreach(f, s);
		break;
	case S_BREAK:
	case S_CONTINUE: {
		/* pass 2 rejects break and continue outside a loop */
		struct em_loop *l = inner_loop(f);
		if (!l) {
			diag_error(s->loc, "a bug in btap: '%s' outside a loop after pass 2",
				   s->kind == S_BREAK ? "break" : "continue");
			break;
		}
		em_line(f, "goto %s;", s->kind == S_BREAK ? l->brk : l->cont);
		break;
	}
	case S_NEXT:
		/* In a function, next ends the probe that called it: an unwind
		 * no catch stops and nothing reports (as abort()'s, less the
		 * exit) through every caller's error check. */
		if (f->func) {
			em_line(f, "BTAP_ERR(c) = 2;");
			em_line(f, "goto %s;", f->errlabel);
			break;
		}
		em_line(f, "goto out;");
		break;
	case S_RETURN:
		st_return(f, s);
		break;
	case S_DELETE:
		st_delete(f, s);
		break;
	case S_TRY:
		st_try(f, s);
		break;
	case S_EMBEDDED:
		/* guru mode: the code as written, in whichever build runs it */
		em_stap_args(f, s->code, true);
		em_linedir(f, s->loc);
		em_line(f, "{ %s }", s->code ? s->code : "");
		sb_puts(f->out, "#line __BTAP_LINE__\n");
		em_stap_args(f, s->code, false);
		break;
	case S_NULL:
		break;
	}
	reset_temps(f);
}
