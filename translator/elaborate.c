/* Pass 2 driver: index the declarations, derive the concrete probes of the
 * script (pulling in the tapset pieces it uses), resolve symbols, drop dead
 * locals, infer types and keep only what the program uses. */
#include "elaborate.h"
#include "elab_internal.h"
#include "tapset_load.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- diagnostics ---------------------------------------------------- */

static void elab_vdiag(struct elab *x, enum diag_level lvl, struct loc at, const char *fmt, va_list ap)
{
	if (lvl == DIAG_ERROR)
		x->nerrors++;
	if (x->quiet)
		return;
	struct strbuf b;
	sb_init(&b);
	sb_vprintf(&b, fmt, ap);
	if (lvl == DIAG_ERROR)
		diag_error(at, "%s", b.s);
	else if (lvl == DIAG_WARNING)
		diag_warning(at, "%s", b.s);
	else
		diag_note(at, "%s", b.s);
	sb_free(&b);
}

void elab_error(struct elab *x, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	elab_vdiag(x, DIAG_ERROR, at, fmt, ap);
	va_end(ap);
}

void elab_warning(struct elab *x, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	elab_vdiag(x, DIAG_WARNING, at, fmt, ap);
	va_end(ap);
}

void elab_note(struct elab *x, struct loc at, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	elab_vdiag(x, DIAG_NOTE, at, fmt, ap);
	va_end(ap);
}

/* ---- symbol tables -------------------------------------------------- */

static unsigned name_hash(const char *s)
{
	unsigned h = 2166136261u;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 16777619u;
	return h;
}

static void symtab_init(struct elab *x, struct symtab *t)
{
	t->nbuckets = 1024;
	t->buckets = arena_alloc(x->a, sizeof(*t->buckets) * (size_t)t->nbuckets);
}

/* Entries keep insertion order so that the user file wins lookups. */
void elab_symtab_add(struct elab *x, struct symtab *t, const char *name, void *decl, struct stapfile *f)
{
	struct symtab_entry *e = arena_alloc(x->a, sizeof(*e));
	e->name = name;
	e->decl = decl;
	e->file = f;
	struct symtab_entry **p = &t->buckets[name_hash(name) % (unsigned)t->nbuckets];
	while (*p)
		p = &(*p)->next;
	*p = e;
}

static struct symtab_entry *same_name_from(struct symtab_entry *e, const char *name)
{
	for (; e; e = e->next)
		if (strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

struct symtab_entry *elab_symtab_first(const struct symtab *t, const char *name)
{
	if (!t->buckets || !name)
		return NULL;
	return same_name_from(t->buckets[name_hash(name) % (unsigned)t->nbuckets], name);
}

/* The library files that declare NAME, parsed and indexed now if they
 * were not (tapset_load_index: pass 1 parses no library file). */
void elab_tapset_need(struct elab *x, enum tapset_kind k, const char *name)
{
	struct vec got = {0};
	tapset_need(x->s, k, name, &got);
	VEC_FOREACH(got, i)
		elab_index_file(x, VEC_AT(got, i, struct stapfile *));
}

struct symtab_entry *elab_global_first(struct elab *x, const char *name)
{
	elab_tapset_need(x, TAPSET_GLOBAL, name);
	return elab_symtab_first(&x->globals, name);
}

struct symtab_entry *elab_function_first(struct elab *x, const char *name)
{
	elab_tapset_need(x, TAPSET_FUNCTION, name);
	return elab_symtab_first(&x->functions, name);
}

struct symtab_entry *elab_symtab_next(struct symtab_entry *e)
{
	return same_name_from(e->next, e->name);
}

/* ---- setup ---------------------------------------------------------- */

void elab_init(struct elab *x, struct session *s, bool quiet)
{
	memset(x, 0, sizeof(*x));
	x->s = s;
	x->a = &s->arena;
	x->quiet = quiet;
	symtab_init(x, &x->globals);
	symtab_init(x, &x->functions);
	symtab_init(x, &x->alias_heads);
	symtab_init(x, &x->alias_heads2);
}

void elab_use_file(struct elab *x, struct stapfile *f)
{
	if (!f || f->used)
		return;
	f->used = true;
	vec_push(x->a, &x->file_queue, f);
}

static void literal_type(struct vardecl *v)
{
	if (!v->init)
		return;
	if (v->init->kind == E_STR)
		v->type = TY_STRING;
	else
		v->type = TY_LONG;
	v->init->type = v->type;
}

/* Where f goes among the files, by its order (see struct stapfile). */
static int file_slot(const struct vec *files, const struct stapfile *f)
{
	int at = files->n;
	while (at > 0 && VEC_AT(*files, at - 1, const struct stapfile *)->order > f->order)
		at--;
	return at;
}

void elab_index_file(struct elab *x, struct stapfile *f)
{
	if (f->is_tapset && !f->order) /* generated (elab_syscalls.c): after the library */
		f->order = 1 << 20 | x->files.n;
	vec_insert(x->a, &x->files, file_slot(&x->files, f), f);
	VEC_FOREACH(f->globals, i) {
		struct vardecl *v = VEC_AT(f->globals, i, struct vardecl *);
		v->is_global = true;
		if (!v->file)
			v->file = f->src;
		/* Arrays declared with a size are arrays; otherwise use decides. */
		v->arity = v->init ? 0 : -1;
		literal_type(v);
		elab_symtab_add(x, &x->globals, v->name, v, f);
	}
	VEC_FOREACH(f->functions, i) {
		struct funcdecl *fn = VEC_AT(f->functions, i, struct funcdecl *);
		if (!fn->file)
			fn->file = f->src;
		elab_symtab_add(x, &x->functions, fn->name, fn, f);
	}
	elab_register_aliases(x, f);
}

/* Index the user file and the tapset: every declaration, used or not. */
void elab_index_session(struct elab *x)
{
	struct session *s = x->s;
	if (s->user_file)
		elab_index_file(x, s->user_file);
	VEC_FOREACH(s->tapset_files, i)
		elab_index_file(x, VEC_AT(s->tapset_files, i, struct stapfile *));
}

/* ---- deriving and resolving ----------------------------------------- */

/* Work until no newly used file or function is pending. */
void elab_run_queues(struct elab *x, struct vec *derived)
{
	int fi = 0, fni = 0;
	while (fi < x->file_queue.n || fni < x->func_queue.n) {
		if (fi < x->file_queue.n) {
			struct stapfile *f = VEC_AT(x->file_queue, fi++, struct stapfile *);
			VEC_FOREACH(f->probes, i) {
				struct vec out = {0};
				elab_derive_probe(x, VEC_AT(f->probes, i, struct probe *), &out);
				int derived_here = out.n;
				for (int j = 0; j < derived_here; j++) {
					elab_procfs_rewrite(x, VEC_AT(out, j, struct probe *));
					elab_verdict_rewrite(x, VEC_AT(out, j, struct probe *));
					elab_entry_rewrite(x, VEC_AT(out, j, struct probe *), &out);
				}
				/* @entry's companion probes (after derived_here) first:
				 * a return probe's saved values take their types */
				for (int j = derived_here; j < out.n; j++)
					elab_resolve_probe(x, VEC_AT(out, j, struct probe *));
				for (int j = 0; j < derived_here; j++)
					elab_resolve_probe(x, VEC_AT(out, j, struct probe *));
				VEC_FOREACH(out, j)
					vec_push(x->a, derived, VEC_AT(out, j, struct probe *));
			}
			continue;
		}
		elab_resolve_function(x, VEC_AT(x->func_queue, fni++, struct funcdecl *));
	}
}

static bool from_user(const struct loc *l)
{
	return l->file && !l->file->is_tapset;
}

static void warn_locals(struct elab *x, struct vec *locals)
{
	VEC_FOREACH(*locals, i) {
		struct vardecl *v = VEC_AT(*locals, i, struct vardecl *);
		if (v->read && !v->written && !v->is_param && from_user(&v->loc))
			elab_warning(x, v->loc, "never-assigned local variable '%s'", v->name);
	}
}

static void number_vars(struct vec *vars)
{
	VEC_FOREACH(*vars, i)
		VEC_AT(*vars, i, struct vardecl *)->index = i;
}

/* s->prog: the derived probes, and the used functions, globals and
 * embedded blocks, each in declaration order. */
static void build_program(struct elab *x, struct vec *derived)
{
	struct program *prog = &x->s->prog;
	memset(prog, 0, sizeof(*prog));
	prog->probes = *derived;
	VEC_FOREACH(x->files, i) {
		struct stapfile *f = VEC_AT(x->files, i, struct stapfile *);
		VEC_FOREACH(f->globals, j) {
			struct vardecl *v = VEC_AT(f->globals, j, struct vardecl *);
			if (v->used)
				vec_push(x->a, &prog->globals, v);
			else if (!f->is_tapset && !v->generated)
				elab_warning(x, v->loc, "eliding unused variable '%s'", v->name);
		}
		VEC_FOREACH(f->functions, j) {
			struct funcdecl *fn = VEC_AT(f->functions, j, struct funcdecl *);
			if (fn->used)
				vec_push(x->a, &prog->functions, fn);
		}
		if (f->used)
			VEC_FOREACH(f->embeds, j)
				vec_push(x->a, &prog->embeds, VEC_AT(f->embeds, j, void *));
	}
	number_vars(&prog->globals);
	VEC_FOREACH(prog->probes, i)
		number_vars(&VEC_AT(prog->probes, i, struct probe *)->locals);
	VEC_FOREACH(prog->functions, i) {
		struct funcdecl *fn = VEC_AT(prog->functions, i, struct funcdecl *);
		number_vars(&fn->params);
		number_vars(&fn->locals);
	}
}

bool elaborate(struct session *s)
{
	if (!s->user_file) {
		diag_plain_error("no script to elaborate");
		return false;
	}
	struct elab x;
	elab_init(&x, s, false);
	int errors_before = diag_error_count();
	elab_index_session(&x);

	struct vec derived = {0};
	if (!perf_counters_declare(s))
		x.nerrors++;
	elab_use_file(&x, s->user_file);
	elab_run_queues(&x, &derived);

	/* Types are checked on everything the script pulled in before dead
	 * code is dropped, so an unused but ill-typed statement still fails
	 * (as in stap). */
	if (x.nerrors == 0)
		elab_infer_types(&x, &derived, &x.used_funcs);
	if (x.nerrors == 0)
		elab_check_foreach_writes(&x, &derived, &x.used_funcs);
	VEC_FOREACH(derived, i) {
		elab_elide_unread_locals(&x, VEC_AT(derived, i, struct probe *));
		elab_sink_prologues(&x, VEC_AT(derived, i, struct probe *));
	}
	if (x.nerrors == 0)
		elab_mark_used(&x, &derived);
	if (x.nerrors == 0)
		elab_check_tokens(&x, &derived);
	if (x.nerrors == 0)
		elab_display_unread_globals(&x, &derived);
	VEC_FOREACH(derived, i)
		warn_locals(&x, &VEC_AT(derived, i, struct probe *)->locals);
	VEC_FOREACH(x.used_funcs, i)
		warn_locals(&x, &VEC_AT(x.used_funcs, i, struct funcdecl *)->locals);

	build_program(&x, &derived);

	if (derived.n == 0 && x.nerrors == 0 && diag_error_count() == errors_before) {
		struct loc at = {0};
		elab_error(&x, at, "semantic error: no probes found");
	}
	return x.nerrors == 0 && diag_error_count() == errors_before;
}
