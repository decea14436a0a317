/* String widths: how many bytes (with the NUL) a string value can need.
 *
 * Every string lives in a MAXSTRINGLEN buffer, but an array's string key
 * need only be as wide as the strings used as that key: hashing and
 * comparing a 16-byte key for execname() costs a fraction of a 128-byte
 * one, and keys are hashed on every event. The analysis is a fixpoint over
 * the whole program: widths only grow, and are capped at MAXSTRINGLEN, so
 * it ends. Anything it does not understand is MAXSTRINGLEN wide, which is
 * what every key was before. */
#include <stdlib.h>
#include <string.h>

#include "emit_internal.h"
#include "translator/tracepoints.h"

struct width_walk {
	struct emitter *em;
	struct funcdecl *fn; /* the function being walked, NULL in a probe */
	bool changed;
};

static int cap(const struct emitter *em, int64_t w)
{
	return w < 1 ? 1 : w > em->msl ? em->msl : (int)w;
}

static void grow(struct width_walk *w, int *slot, int width)
{
	width = cap(w->em, width);
	if (width > *slot) {
		*slot = width;
		w->changed = true;
	}
}

/* The widest a string result of an embedded function can be: our tapset
 * marks bounded ones with a strmax pragma (the longest strlen). */
static int embedded_width(const struct emitter *em, const char *code)
{
	const char *p = code ? strstr(code, "/* strmax:") : NULL;
	if (!p)
		return em->msl;
	return cap(em, strtol(p + 10, NULL, 10) + 1);
}

static int target_width(const struct emitter *em, const struct expr *e)
{
	const struct tp_field *fl = e->target_info;
	if (e->kind != E_TARGET || !fl || e->user_target || e->components.n || e->operand || e->addressof)
		return em->msl;
	if (fl->kind != TP_FIELD_CHAR_ARRAY)
		return em->msl;
	int len = fl->array_len > 0 ? fl->array_len : fl->size;
	return cap(em, (int64_t)len + 1);
}

int em_str_width(struct emitter *em, const struct expr *e)
{
	if (!e || e->type != TY_STRING)
		return em->msl;
	switch (e->kind) {
	case E_STR: {
		size_t n = 0;
		em_decode_str(em->a, e->str, &n);
		return cap(em, (int64_t)n + 1);
	}
	case E_VAR:
		return e->var && e->var->arity <= 0 && !e->var->is_param ? cap(em, e->var->str_width) : em->msl;
	case E_CONCAT:
		return cap(em, (int64_t)em_str_width(em, e->left) + em_str_width(em, e->right) - 1);
	case E_TERNARY: {
		int a = em_str_width(em, e->left), b = em_str_width(em, e->right);
		return a > b ? a : b;
	}
	case E_ASSIGN:
		return em_str_width(em, e->left);
	case E_CALL:
		return e->func ? cap(em, e->func->ret_width) : em->msl;
	case E_TARGET:
		return target_width(em, e);
	default:
		return em->msl;
	}
}

static struct em_map *map_of(struct emitter *em, const struct expr *base)
{
	if (!base || base->kind != E_VAR || !base->var)
		return NULL;
	struct em_global *g = em_global_of(em, base->var);
	return g ? g->map : NULL;
}

/* The keys used with m widen its key fields. */
static void widen_keys(struct width_walk *w, struct em_map *m, struct vec *args)
{
	if (!m)
		return;
	VEC_FOREACH(*args, i) {
		struct expr *a = VEC_AT(*args, i, struct expr *);
		if (i < MAX_ARRAY_KEYS && a->kind != E_STAR && a->type == TY_STRING)
			grow(w, &m->key_width[i], em_str_width(w->em, a));
	}
}

static void on_expr(struct expr *e, void *ctx)
{
	struct width_walk *w = ctx;
	switch (e->kind) {
	case E_INDEX:
	case E_IN:
		widen_keys(w, map_of(w->em, em_index_base(e)), &e->args);
		break;
	case E_ASSIGN: {
		struct vardecl *v = e->left && e->left->kind == E_VAR ? e->left->var : NULL;
		if (!v || v->arity > 0 || e->left->type != TY_STRING)
			break;
		int rhs = em_str_width(w->em, e->right);
		if (e->op && !strcmp(e->op, ".="))
			rhs += cap(w->em, v->str_width) - 1;
		grow(w, &v->str_width, rhs);
		break;
	}
	default:
		break;
	}
}

static void on_stmt(struct stmt *s, void *ctx)
{
	struct width_walk *w = ctx;
	if (s->kind == S_RETURN && w->fn && s->expr)
		grow(w, &w->fn->ret_width, em_str_width(w->em, s->expr));
	if (s->kind == S_TRY && s->catch_var && s->catch_var->var)
		grow(w, &s->catch_var->var->str_width, w->em->msl);
	if (s->kind != S_FOREACH || !s->fe_array)
		return;
	struct expr *arr = s->fe_array;
	bool slice = arr->kind == E_INDEX;
	struct em_map *m = map_of(w->em, slice ? em_index_base(arr) : arr);
	if (!m)
		return;
	if (slice)
		widen_keys(w, m, &arr->args);
	/* key variables hold what the keys hold; a value variable anything */
	VEC_FOREACH(s->fe_keys, i) {
		struct expr *k = VEC_AT(s->fe_keys, i, struct expr *);
		if (i < MAX_ARRAY_KEYS && k->var && k->type == TY_STRING)
			grow(w, &k->var->str_width, m->key_width[i]);
	}
	if (s->fe_value && s->fe_value->var && s->fe_value->type == TY_STRING)
		grow(w, &s->fe_value->var->str_width, w->em->msl);
}

static void walk_body(struct width_walk *w, struct funcdecl *fn, struct stmt *body)
{
	w->fn = fn;
	em_walk_stmt(body, on_expr, w);
	em_each_stmt(body, on_stmt, w);
}

void em_compute_widths(struct emitter *em)
{
	struct program *prog = &em->s->prog;
	/* global scalars may be set from outside the script (stap's -G),
	 * parameters get whatever callers pass: both as wide as any string */
	VEC_FOREACH(prog->globals, i)
		VEC_AT(prog->globals, i, struct vardecl *)->str_width = em->msl;
	VEC_FOREACH(prog->functions, i) {
		struct funcdecl *fd = VEC_AT(prog->functions, i, struct funcdecl *);
		fd->ret_width = fd->embedded ? embedded_width(em, fd->embedded) : 1;
		VEC_FOREACH(fd->params, k)
			VEC_AT(fd->params, k, struct vardecl *)->str_width = em->msl;
	}
	struct width_walk w = {em, NULL, true};
	for (int round = 0; w.changed && round < 4 * em->msl; round++) {
		w.changed = false;
		VEC_FOREACH(prog->probes, i) {
			struct probe *p = VEC_AT(prog->probes, i, struct probe *);
			if (p->resolved_point && p->resolved_point->cond)
				em_walk_expr(p->resolved_point->cond, on_expr, &w);
			walk_body(&w, NULL, p->body);
		}
		VEC_FOREACH(prog->functions, i) {
			struct funcdecl *fd = VEC_AT(prog->functions, i, struct funcdecl *);
			if (fd->body)
				walk_body(&w, fd, fd->body);
		}
	}
	if (w.changed) /* cannot happen (widths grow to a cap); be safe */
		VEC_FOREACH(em->maps, i)
			for (int k = 0; k < MAX_ARRAY_KEYS; k++)
				VEC_AT(em->maps, i, struct em_map *)->key_width[k] = em->msl;
}
