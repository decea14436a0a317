/* Values a kernel probe holds as tokens (runtime/btap_stacks.h): stacks,
 * user symbols, module names and source lines are named by the runner
 * when it writes them, so inside the kernel the string is the token's
 * bytes. Printing one, concatenating it, keying an array by it all work;
 * comparing one or taking it apart (strlen, substr, tokenize, =~ ...) in
 * code that runs in the kernel would silently work on the token instead,
 * so it is a located error. (symname() and symdata() are named in the
 * kernel itself and are not tokens.)
 *
 * Which values hold tokens is followed through the code that runs in the
 * kernel (its probes and the functions they call), flow-insensitively: a
 * tapset function whose embedded body makes one, a script function that
 * returns one, and every variable, array (its values or its keys),
 * parameter and foreach variable one is assigned to or passed through,
 * until nothing changes. The runner's probes name tokens as they make
 * them (and name what kernel probes stored before comparing it). */
#include "elab_internal.h"
#include "runtime/format.h"

#include <stdlib.h>
#include <string.h>

struct tokens {
	struct elab *x;
	struct vec vars;   /* struct vardecl*: its values hold tokens */
	struct vec keys;   /* struct vardecl*: an array whose keys do */
	struct vec funcs;  /* struct funcdecl*: returns one */
	struct funcdecl *fn; /* the function being walked */
	bool changed;
	struct vec reached; /* struct funcdecl*: called from kernel probes */
};

static bool listed(const struct vec *v, const void *p)
{
	VEC_FOREACH(*v, i)
		if (v->v[i] == p)
			return true;
	return false;
}

static void mark(struct tokens *t, struct vec *v, void *p)
{
	if (p && !listed(v, p)) {
		vec_push(t->x->a, v, p);
		t->changed = true;
	}
}

/* An embedded body that makes a token. */
static bool makes_token(const char *code)
{
	static const char *const natives[] = {"btap_kstack(", "btap_ustack(", "btap_usym_token(", "btap_stack_as(",
					      NULL};
	for (int i = 0; natives[i]; i++)
		if (strstr(code, natives[i]))
			return true;
	for (const char *p = code; (p = strstr(p, "btap_ksym_token('")); p += 17)
		if (p[17] != 's' && p[17] != 'S')
			return true;
	return false;
}

static bool holds_token(struct tokens *t, const struct expr *e)
{
	if (!e)
		return false;
	switch (e->kind) {
	case E_CALL: return e->func && listed(&t->funcs, e->func);
	case E_VAR:
	case E_INDEX: return e->var && listed(&t->vars, e->var);
	case E_CONCAT:
	case E_TERNARY: return holds_token(t, e->left) || holds_token(t, e->right);
	case E_ASSIGN:
		return holds_token(t, e->right) ||
		       (e->op && strcmp(e->op, ".=") == 0 && holds_token(t, e->left));
	default: return false;
	}
}

static bool any_arg_holds_token(struct tokens *t, const struct vec *args)
{
	VEC_FOREACH(*args, i)
		if (holds_token(t, VEC_AT(*args, i, const struct expr *)))
			return true;
	return false;
}

static enum ast_step follow_expr(struct expr *e, void *ctx)
{
	struct tokens *t = ctx;
	if (e->kind == E_ASSIGN && e->op && (strcmp(e->op, "=") == 0 || strcmp(e->op, ".=") == 0) &&
	    holds_token(t, e) && (e->left->kind == E_VAR || e->left->kind == E_INDEX))
		mark(t, &t->vars, e->left->var);
	if (e->kind == E_INDEX && any_arg_holds_token(t, &e->args))
		mark(t, &t->keys, e->var);
	if (e->kind == E_CALL && e->func)
		for (int i = 0; i < e->args.n && i < e->func->params.n; i++)
			if (holds_token(t, VEC_AT(e->args, i, const struct expr *)))
				mark(t, &t->vars, VEC_AT(e->func->params, i, struct vardecl *));
	return AST_DESCEND;
}

static enum ast_step follow_stmt(struct stmt *s, void *ctx)
{
	struct tokens *t = ctx;
	if (s->kind == S_RETURN && t->fn && holds_token(t, s->expr))
		mark(t, &t->funcs, t->fn);
	if (s->kind == S_FOREACH && s->fe_array && s->fe_array->var) {
		struct vardecl *arr = s->fe_array->var;
		if (listed(&t->keys, arr))
			VEC_FOREACH(s->fe_keys, i)
				mark(t, &t->vars, VEC_AT(s->fe_keys, i, struct expr *)->var);
		if (s->fe_value && listed(&t->vars, arr))
			mark(t, &t->vars, s->fe_value->var);
	}
	return AST_DESCEND;
}

/* What takes a string apart: its bytes would be the token's. */
static bool takes_apart(const char *name)
{
	static const char *const fns[] = {"strlen", "substr", "stringat", "strpos", "isinstr", "str_replace",
					  "strtol", "text_str", "text_strn", "tokenize", "string_quoted", "isdigit",
					  NULL};
	for (int i = 0; name && fns[i]; i++)
		if (strcmp(name, fns[i]) == 0)
			return true;
	return false;
}

/* sprintf(FMT, ...) with a width or precision on a %s whose argument
 * holds a token: the kernel would pad or cut the token's bytes (printf's
 * records are formatted by the runner, which names them first). */
static bool pads_token(struct tokens *t, const struct expr *e)
{
	const struct expr *fmt = e->args.n ? VEC_AT(e->args, 0, const struct expr *) : NULL;
	int nspecs = fmt && fmt->kind == E_STR ? rt_format_parse(fmt->str, NULL, 0) : -1;
	if (nspecs <= 0)
		return false;
	struct rt_fmt_spec *specs = xcalloc((size_t)nspecs, sizeof(*specs));
	rt_format_parse(fmt->str, specs, nspecs);
	bool pads = false;
	for (int i = 0, k = 1; i < nspecs && !pads && k < e->args.n; i++) {
		const struct rt_fmt_spec *sp = &specs[i];
		if (sp->conv == RT_FMT_LITERAL)
			continue;
		k += (sp->width == RT_FMT_DYNAMIC) + (sp->precision == RT_FMT_DYNAMIC);
		if (k < e->args.n && sp->conv == RT_FMT_STRING &&
		    (sp->width != RT_FMT_UNSET || sp->precision != RT_FMT_UNSET))
			pads = holds_token(t, VEC_AT(e->args, k, const struct expr *));
		k++;
	}
	free(specs);
	return pads;
}

static enum ast_step reach_calls(struct expr *e, void *ctx)
{
	struct tokens *t = ctx;
	if (e->kind == E_CALL && e->func && e->func->body)
		mark(t, &t->reached, e->func);
	return AST_DESCEND;
}

static enum ast_step check_expr(struct expr *e, void *ctx)
{
	struct tokens *t = ctx;
	const char *what = NULL;
	/* s == "" asks whether anything was stored: a token is never empty */
	bool to_empty = (e->left && e->left->kind == E_STR && !e->left->str[0]) ||
			(e->right && e->right->kind == E_STR && !e->right->str[0]);
	if (e->kind == E_COMPARE && !to_empty && (holds_token(t, e->left) || holds_token(t, e->right)))
		what = e->op && e->op[0] == '=' && e->op[1] == '~' ? "matched" : "compared";
	else if (e->kind == E_CALL && takes_apart(e->str) && any_arg_holds_token(t, &e->args))
		what = "taken apart";
	else if (e->kind == E_CALL && e->str && strcmp(e->str, "sprintf") == 0 && pads_token(t, e))
		what = "padded or cut by sprintf";
	if (what)
		elab_error(t->x, e->loc, "semantic error: a stack, user symbol, module name or source line is named only "
			   "when it is printed: in a probe that runs in the kernel it cannot be %s (print it, with "
			   "printf's width if need be, key an array by it, or compare addresses)", what);
	return AST_DESCEND;
}

static bool in_kernel(const struct probe *p)
{
	return p->provider && p->provider->kernel_context;
}

void elab_check_tokens(struct elab *x, struct vec *probes)
{
	struct tokens t = {.x = x};
	VEC_FOREACH(x->used_funcs, i) {
		struct funcdecl *f = VEC_AT(x->used_funcs, i, struct funcdecl *);
		if (f->embedded && makes_token(f->embedded))
			mark(&t, &t.funcs, f);
	}
	if (!t.funcs.n)
		return;
	/* the code that runs in the kernel: its probes and what they call
	 * (the runner's probes name tokens as they make them) */
	struct ast_visitor reach = {.expr_pre = reach_calls, .ctx = &t};
	VEC_FOREACH(*probes, i)
		if (in_kernel(VEC_AT(*probes, i, struct probe *)))
			ast_walk_stmt(&reach, VEC_AT(*probes, i, struct probe *)->body);
	for (int i = 0; i < t.reached.n; i++) /* grows as it goes */
		ast_walk_stmt(&reach, VEC_AT(t.reached, i, struct funcdecl *)->body);
	/* which of its values hold tokens */
	struct ast_visitor follow = {.stmt_pre = follow_stmt, .expr_post = follow_expr, .ctx = &t};
	for (int round = 0; round < 32 && (round == 0 || t.changed); round++) {
		t.changed = false;
		t.fn = NULL;
		VEC_FOREACH(*probes, i)
			if (in_kernel(VEC_AT(*probes, i, struct probe *)))
				ast_walk_stmt(&follow, VEC_AT(*probes, i, struct probe *)->body);
		VEC_FOREACH(t.reached, i) {
			t.fn = VEC_AT(t.reached, i, struct funcdecl *);
			ast_walk_stmt(&follow, t.fn->body);
		}
	}
	struct ast_visitor check = {.expr_post = check_expr, .ctx = &t};
	VEC_FOREACH(*probes, i)
		if (in_kernel(VEC_AT(*probes, i, struct probe *)))
			ast_walk_stmt(&check, VEC_AT(*probes, i, struct probe *)->body);
	VEC_FOREACH(t.reached, i)
		ast_walk_stmt(&check, VEC_AT(t.reached, i, struct funcdecl *)->body);
}
