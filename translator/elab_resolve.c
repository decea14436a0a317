/* Symbol resolution in probe and function bodies: locals, globals,
 * functions (by name and arity, the script before the tapset, private
 * names only within their file), target variables through the probe's
 * provider, @defined folding, and the context rules (break/continue in
 * loops, return in functions, guru-only constructs). */
#include "elab_internal.h"
#include "tracepoints.h"

#include <string.h>

enum { ACC_READ = 1, ACC_WRITE = 2 };

struct scope {
	struct elab *x;
	struct probe *probe;     /* derived probe, or NULL in a function */
	struct funcdecl *func;   /* or NULL in a probe */
	struct vec *locals;
	bool in_cond;            /* probe condition: globals only */
	int loops;
	int value_returns;
};

static void resolve_expr(struct scope *sc, struct expr *e, int acc);
static void resolve_stmt(struct scope *sc, struct stmt *s);

static const char *const print_builtins[] = {
	"print", "println", "printf", "printd", "printdln",
	"sprint", "sprintln", "sprintf", "sprintd", "sprintdln", NULL,
};

bool elab_is_print_builtin(const char *name)
{
	for (int i = 0; name && print_builtins[i]; i++)
		if (strcmp(name, print_builtins[i]) == 0)
			return true;
	return false;
}

static bool guru_ok(struct scope *sc, struct loc at)
{
	return sc->x->s->guru || (at.file && at.file->is_tapset);
}

/* "$x", whether or not the parser kept the '$'. */
const char *elab_target_name(struct arena *a, const struct expr *e)
{
	const char *n = e->str ? e->str : (e->op ? e->op : "");
	if (e->kind == E_TARGET_VARS && e->op)
		n = e->op;
	if (n[0] == '$' || n[0] == '@')
		return n;
	return arena_printf(a, "$%s", n);
}

/* The array expression of an E_INDEX / E_IN (the parser's field). */
struct expr *elab_index_base(const struct expr *e)
{
	return e->left ? e->left : e->operand;
}

static const char *array_name(const struct expr *e)
{
	const struct expr *b = elab_index_base(e);
	if (b && b->kind == E_VAR)
		return b->str;
	if (b && b->kind == E_INDEX)
		return array_name(b);
	return e->str;
}

/* ---- variables ------------------------------------------------------ */

static struct vardecl *find_in(struct vec *vars, const char *name)
{
	if (!vars)
		return NULL;
	VEC_FOREACH(*vars, i) {
		struct vardecl *v = VEC_AT(*vars, i, struct vardecl *);
		if (v->name && strcmp(v->name, name) == 0)
			return v;
	}
	return NULL;
}

static struct vardecl *find_local(struct scope *sc, const char *name)
{
	struct vardecl *v = NULL;
	if (sc->func)
		v = find_in(&sc->func->params, name);
	return v ? v : find_in(sc->locals, name);
}

/* A global visible from `from`: the same file's first, then in file order
 * (the user's script before the tapset; tapset code sees only tapset
 * globals). Marks it and its file used. */
static struct vardecl *find_global(struct elab *x, const char *name, const struct src_file *from)
{
	struct symtab_entry *best = NULL;
	for (struct symtab_entry *e = elab_global_first(x, name); e; e = elab_symtab_next(e)) {
		struct vardecl *v = e->decl;
		if (v->is_private && e->file->src != from)
			continue;
		/* Library code never sees the user's globals: a script's
		 * `global n` must not capture an alias body's local `n`. */
		if (from && from->is_tapset && !e->file->is_tapset && !v->generated)
			continue;
		if (e->file->src == from) {
			best = e;
			break;
		}
		if (!best)
			best = e;
	}
	if (!best)
		return NULL;
	struct vardecl *v = best->decl;
	v->used = true;
	elab_use_file(x, best->file);
	return v;
}

static struct vardecl *new_local(struct scope *sc, const char *name, struct loc at)
{
	struct vardecl *v = arena_alloc(sc->x->a, sizeof(*v));
	v->name = name;
	v->loc = at;
	v->file = at.file;
	v->arity = 0;
	vec_push(sc->x->a, sc->locals, v);
	return v;
}

static void mark(struct vardecl *v, int acc)
{
	v->used = true;
	if (acc & ACC_READ)
		v->read = true;
	if (acc & ACC_WRITE)
		v->written = true;
}

/* In the user's script a global the script declares wins over a local that
 * library code (an alias body expanded into the same probe) created under
 * that name; only a function's parameters shadow it. */
static bool user_global_wins(struct scope *sc, const char *name, const struct src_file *from)
{
	if (!from || from->is_tapset || (sc->func && find_in(&sc->func->params, name)))
		return false;
	for (struct symtab_entry *e = elab_symtab_first(&sc->x->globals, name); e; e = elab_symtab_next(e))
		if (!e->file->is_tapset)
			return true;
	return false;
}

static void resolve_var(struct scope *sc, struct expr *e, int acc)
{
	if (!e->str)
		return;
	struct vardecl *v = sc->in_cond || user_global_wins(sc, e->str, e->loc.file) ? NULL
										  : find_local(sc, e->str);
	if (!v)
		v = find_global(sc->x, e->str, e->loc.file);
	if (!v && sc->in_cond) {
		elab_error(sc->x, e->loc,
			   "semantic error: probe condition may only use global variables, '%s' is not one", e->str);
		return;
	}
	if (!v)
		v = new_local(sc, e->str, e->loc);
	e->var = v;
	mark(v, acc);
}

/* The global array an index, `in`, foreach or <<< names. */
static struct vardecl *resolve_array(struct scope *sc, const char *name, struct loc at, int acc,
				     const char *what)
{
	if (!name)
		return NULL;
	struct vardecl *v = NULL;
	if (!sc->in_cond && !user_global_wins(sc, name, at.file) && find_local(sc, name)) {
		elab_error(sc->x, at, "semantic error: %s '%s' must be a global (missing global declaration?)",
			   what, name);
		return NULL;
	}
	v = find_global(sc->x, name, at.file);
	if (!v) {
		elab_error(sc->x, at, "semantic error: %s '%s' must be a global (missing global declaration?)",
			   what, name);
		return NULL;
	}
	mark(v, acc);
	return v;
}

static void resolve_args(struct scope *sc, struct vec *args)
{
	VEC_FOREACH(*args, i) {
		struct expr *a = VEC_AT(*args, i, struct expr *);
		if (a && a->kind != E_STAR)
			resolve_expr(sc, a, ACC_READ);
	}
}

static void resolve_indexed(struct scope *sc, struct expr *e, int acc)
{
	struct expr *b = elab_index_base(e);
	if (b && b->kind == E_HIST) {
		/* @hist_log(s)[bucket]: a read of one bucket's count. */
		if (acc & ACC_WRITE)
			elab_error(sc->x, e->loc, "semantic error: a histogram bucket cannot be assigned");
		resolve_expr(sc, b, ACC_READ);
		resolve_args(sc, &e->args);
		return;
	}
	if (b && b->kind == E_INDEX) {
		resolve_indexed(sc, b, acc);
		e->var = b->var;
	} else {
		e->var = resolve_array(sc, array_name(e), b ? b->loc : e->loc, acc, "array");
		if (b && b->kind == E_VAR)
			b->var = e->var;
	}
	resolve_args(sc, &e->args);
}

/* ---- functions ------------------------------------------------------ */

static bool func_visible(const struct funcdecl *f, const struct symtab_entry *e, const struct src_file *from)
{
	return !f->is_private || e->file->src == from;
}

static void use_function(struct elab *x, struct funcdecl *f, struct stapfile *file)
{
	elab_use_file(x, file);
	if (f->used)
		return;
	f->used = true;
	vec_push(x->a, &x->func_queue, f);
	vec_push(x->a, &x->used_funcs, f);
}

/* kernel_string($comm) (or of an @cast member) and the like, where the target is already a string
 * (a char array or __data_loc field): stap reads it through its address;
 * here the string is at hand, so the call becomes the target itself, or
 * string_quoted / substr of it. False when e is no such call. */
static const char *const string_readers[] = {"kernel_string", "kernel_string2", "user_string", "user_string2",
					      "user_string_nofault", "user_string_warn", NULL};

bool elab_is_string_reader(const char *name)
{
	for (int i = 0; name && string_readers[i]; i++)
		if (strcmp(name, string_readers[i]) == 0)
			return true;
	return false;
}

static bool string_of_string_target(struct elab *x, struct expr *e)
{
	const char *const *plain = string_readers;
	static const char *const quoted[] = {"kernel_string_quoted", "user_string_quoted", NULL};
	static const char *const counted[] = {"kernel_string_n", "user_string_n", "user_string_n2",
					      "user_string_n_nofault", "user_string_n_warn", NULL};
	struct expr *a = e->args.n ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (!e->str || !a || (a->kind != E_TARGET && a->kind != E_TARGET_VARS && a->kind != E_CAST) ||
	    a->type != TY_STRING)
		return false;
	enum { PLAIN, QUOTED, COUNTED, NONE } kind = NONE;
	for (int i = 0; plain[i] && kind == NONE; i++)
		kind = strcmp(e->str, plain[i]) == 0 ? PLAIN : NONE;
	for (int i = 0; quoted[i] && kind == NONE; i++)
		kind = strcmp(e->str, quoted[i]) == 0 ? QUOTED : NONE;
	for (int i = 0; counted[i] && kind == NONE; i++)
		kind = strcmp(e->str, counted[i]) == 0 && e->args.n >= 2 ? COUNTED : NONE;
	if (kind == NONE)
		return false;
	if (kind == PLAIN) {
		struct loc at = e->loc;
		*e = *a;
		e->loc = at;
		return true;
	}
	struct vec args = {0};
	vec_push(x->a, &args, a);
	if (kind == COUNTED) {
		struct expr *zero = expr_new(x->a, E_NUM, e->loc);
		zero->num = 0;
		vec_push(x->a, &args, zero);
		vec_push(x->a, &args, VEC_AT(e->args, 1, struct expr *));
	}
	e->str = kind == QUOTED ? "string_quoted" : "substr";
	e->args = args;
	return false; /* resolve the new call */
}

/* @const("NAME") (guru mode, or the library): an enum constant of the
 * kernel's BTF, become a number. */
static bool resolve_const(struct scope *sc, struct expr *e)
{
	if (!e->str || strcmp(e->str, "@const") != 0)
		return false;
	const struct expr *a = e->args.n == 1 ? VEC_AT(e->args, 0, const struct expr *) : NULL;
	int64_t v;
	if (!a || a->kind != E_STR) {
		elab_error(sc->x, e->loc, "semantic error: @const takes a constant's name in quotes");
		return true;
	}
	bool known = kernel_enum_constant(a->str, &v);
	if (!known && sc->x->s->runtime == RT_KMOD) {
		/* in a kernel module, as stap: the C expression itself (a macro,
		 * current->pid ...), compiled against the kernel's headers */
		e->kind = E_EMBEDDED;
		e->str = a->str;
		e->kernel_c = true;
	} else if (!known) {
		elab_error(sc->x, a->loc, "semantic error: @const(\"%s\"): no enumerator of that name in the kernel's "
			   "BTF (btap knows a kernel's enum constants; a macro's value is not in BTF, and the kmod runtime "
			   "takes it as C: --runtime=kmod)", a->str);
		return true;
	} else {
		e->kind = E_NUM;
		e->num = v;
	}
	e->args = (struct vec){0};
	e->type = TY_LONG;
	return true;
}

/* A library function marked in its C body: "/ * guru * /" needs -g, and
 * "/ * kmod-only: WHAT * /" a kernel module (set_kernel_*(): BPF programs
 * cannot write kernel memory). */
static bool callable_here(struct elab *x, const struct expr *call, const struct funcdecl *f)
{
	const char *body = f->embedded;
	if (!body)
		return true;
	if (strstr(body, "/* guru */") && !x->s->guru) {
		elab_error(x, call->loc, "semantic error: '%s' is for guru mode only (-g)", call->str);
		return false;
	}
	const char *kmod = strstr(body, "/* kmod-only: ");
	if (kmod && x->s->runtime != RT_KMOD) {
		const char *what = kmod + strlen("/* kmod-only: "), *end = strstr(what, " */");
		elab_error(x, call->loc,
			   "semantic error: '%s' %.*s, which a BPF program cannot: it needs the kernel-module runtime "
			   "(--runtime=kmod)",
			   call->str, end ? (int)(end - what) : (int)strlen(what), what);
		return false;
	}
	return true;
}

/* @perf("NAME"): the running thread's count of a counter the script
 * declares, as a call of the tapset's reader with the counter's index. */
static bool resolve_perf_read(struct scope *sc, struct expr *e)
{
	struct session *s = sc->x->s;
	struct expr *arg = e->args.n == 1 ? VEC_AT(e->args, 0, struct expr *) : NULL;
	if (!arg || arg->kind != E_STR) {
		elab_error(sc->x, arg ? arg->loc : e->loc, "semantic error: @perf takes a counter's name, a string "
			   "literal, as in @perf(\"insns\")");
		return false;
	}
	const struct provider *prov = sc->probe ? sc->probe->provider : NULL;
	if (prov && !prov->kernel_context) {
		elab_error(sc->x, e->loc, "semantic error: @perf reads the perf counters of the thread a probe runs "
			   "in, which a '%s' probe has not: it runs in btap's own process", prov->name);
		return false;
	}
	VEC_FOREACH(s->perf_counters, k) {
		const struct perf_counter *pc = VEC_AT(s->perf_counters, k, const struct perf_counter *);
		if (strcmp(pc->name, arg->str) != 0)
			continue;
		struct expr *num = expr_new(sc->x->a, E_NUM, arg->loc);
		num->num = k;
		num->type = TY_LONG;
		e->args.v[0] = num;
		e->str = "__btap_perf_read";
		return true;
	}
	elab_error(sc->x, arg->loc, "semantic error: no perf counter named '%s' (declare it with probe "
		   "perf.EVENT.process(\"PATH\").counter(\"%s\") {})", arg->str, arg->str);
	return false;
}

/* @kregister(n)/@uregister(n), a register by its DWARF number, and
 * @kderef(size, addr)/@uderef(size, addr), an unsigned integer of 1, 2, 4
 * or 8 bytes: calls of the tapset's functions for them (registers.stp,
 * conversions.stp). The size is a literal, as stap takes it. */
static bool resolve_target_op(struct scope *sc, struct expr *e)
{
	static const struct {
		const char *op, *func;
	} ops[] = {{"@kregister", "__btap_kregister"},
		   {"@uregister", "__btap_uregister"},
		   {"@kderef", "__btap_kderef"},
		   {"@uderef", "__btap_uderef"}};
	if (strcmp(e->str, "@probewrite") == 0) { /* alias expansion replaced the others */
		elab_error(sc->x, e->loc, "semantic error: @probewrite is only meaningful in a probe alias's own code "
			   "(a prologue or an epilogue)");
		return false;
	}
	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strcmp(e->str, ops[i].op) != 0)
			continue;
		struct expr *size = e->args.n == 2 ? VEC_AT(e->args, 0, struct expr *) : NULL;
		if (size && (size->kind != E_NUM || (size->num != 1 && size->num != 2 && size->num != 4 && size->num != 8))) {
			elab_error(sc->x, size->loc, "semantic error: %s takes a size of 1, 2, 4 or 8 bytes, as a number",
				   e->str);
			return false;
		}
		e->str = ops[i].func;
		return true;
	}
	return true;
}

static void resolve_call(struct scope *sc, struct expr *e)
{
	if (e->str && strcmp(e->str, "@perf") == 0 && !resolve_perf_read(sc, e))
		return;
	if (e->str && e->str[0] == '@' && !resolve_target_op(sc, e))
		return;
	resolve_args(sc, &e->args);
	if (elab_is_print_builtin(e->str) || resolve_const(sc, e))
		return;
	if (string_of_string_target(sc->x, e))
		return;
	struct elab *x = sc->x;
	const struct src_file *from = e->loc.file;
	struct symtab_entry *pick = NULL, *any = NULL;
	/* The calling file's own function first (its private one always),
	 * then file order: a function the user's script defines replaces the
	 * library's of that name everywhere, as tcpmib_filter_key() does in
	 * stap's MIB tapsets. */
	bool user_defines = false;
	for (struct symtab_entry *en = elab_function_first(x, e->str); en; en = elab_symtab_next(en))
		user_defines |= !en->file->is_tapset;
	for (int pass = 0; pass < 2 && !pick; pass++)
		for (struct symtab_entry *en = elab_symtab_first(&x->functions, e->str); en;
		     en = elab_symtab_next(en)) {
			struct funcdecl *f = en->decl;
			if (!func_visible(f, en, from) ||
			    (pass == 0 && (en->file->src != from || (user_defines && !f->is_private))))
				continue;
			if (!any)
				any = en;
			if (f->params.n == e->args.n) {
				pick = en;
				break;
			}
		}
	if (!pick) {
		if (any) {
			struct funcdecl *f = any->decl;
			elab_error(x, e->loc, "semantic error: function '%s' takes %d argument%s, called with %d",
				   e->str, f->params.n, f->params.n == 1 ? "" : "s", e->args.n);
			elab_note(x, f->loc, "'%s' is declared here", e->str);
		} else {
			elab_error(x, e->loc, "semantic error: unresolved function '%s'", e->str ? e->str : "");
		}
		return;
	}
	e->func = pick->decl;
	if (!callable_here(x, e, pick->decl))
		return;
	use_function(x, pick->decl, pick->file);
}

/* ---- target variables ----------------------------------------------- */

static void resolve_components(struct scope *sc, struct expr *e)
{
	VEC_FOREACH(e->components, i) {
		struct component *c = VEC_AT(e->components, i, struct component *);
		if (c->index)
			resolve_expr(sc, c->index, ACC_READ);
	}
}

/* A kernel pointer type a value carries (autocast): a place in BTF, or
 * only the C text an embedded tapset function declares for its result,
 * looked up when something reads through it (typing task_current()'s
 * result costs no BTF unless a script dereferences it). */
struct ktype {
	const char *text;
	struct tplace place;
	bool has_place;
};

/* An embedded function's declared result: a comment
 * "returns: struct task_struct *" in its C body; NULL if none. */
static const char *embedded_result_type(struct arena *a, const struct funcdecl *f)
{
	const char *at = f->embedded ? strstr(f->embedded, "/* returns: ") : NULL;
	if (!at)
		return NULL;
	at += strlen("/* returns: ");
	const char *end = strstr(at, " */");
	return end ? arena_printf(a, "%.*s", (int)(end - at), at) : NULL;
}

static bool ktype_place(struct ktype *k, struct tplace *out)
{
	if (!k->has_place) {
		if (!k->text || !tplace_from_text(type_source_kernel(), k->text, &k->place))
			return false;
		k->has_place = true;
	}
	*out = k->place;
	return true;
}

/* A type's C text without its qualifiers ("const struct file *" and a
 * pointer type of BTF's both read as "struct file *"). */
static const char *ktype_text(struct arena *a, struct ktype *k)
{
	struct tplace p;
	const char *t = k->has_place || !k->text ? (ktype_place(k, &p) ? tplace_type_name(a, p) : "") : k->text;
	char words[8][64];
	int stars, n = type_text_words(t, words, 8, &stars);
	struct strbuf b;
	sb_init(&b);
	for (int i = 0; i < n; i++)
		sb_printf(&b, "%s ", words[i]);
	for (int i = 0; i < stars; i++)
		sb_puts(&b, "*");
	const char *out = arena_strdup(a, b.s ? b.s : "");
	sb_free(&b);
	return out;
}

/* Do two values read alike? The same C type by name, whichever BTF (the
 * kernel's, a module's) or declaration gave it. */
static bool ktype_same(struct arena *a, struct ktype *k1, struct ktype *k2)
{
	return strcmp(ktype_text(a, k1), ktype_text(a, k2)) == 0;
}

static bool value_ktype(struct elab *x, const struct expr *e, struct ktype *out);

/* A function's typed result, resolving the function first when it has
 * not been (a call inside its own body finds it under way: untyped). */
static bool call_ktype(struct elab *x, const struct expr *e, struct ktype *out)
{
	struct funcdecl *f = e->func;
	if (!f || !f->used)
		return false;
	if (f->embedded) {
		const char *text = embedded_result_type(x->a, f);
		*out = (struct ktype){.text = text};
		return text != NULL;
	}
	if (f->resolve_state == 0) {
		/* its own errors are its own, even when the call sits in @defined */
		bool quiet = x->s->quiet_targets;
		x->s->quiet_targets = false;
		elab_resolve_function(x, f);
		x->s->quiet_targets = quiet;
	}
	return f->resolve_state == 2 && f->typed_ret && !f->typed_ret_mixed && (*out = *f->typed_ret, true);
}

/* The kernel type of a pointer value, where the value says it: a
 * target value or @cast chain typed through BTF (or a kernel's DWARF
 * chain, which types it the same way), a local assigned only such
 * values of one type, a call of a function that returns only such
 * values, @entry of one, or a choice between two of the same type.
 * False for anything else (numbers, user-space values). */
static bool value_ktype(struct elab *x, const struct expr *e, struct ktype *out)
{
	if (!e)
		return false;
	if (e->kind == E_VAR)
		return e->var && !e->var->is_global && e->var->typed && !e->var->typed_mixed &&
		       (*out = *e->var->typed, true);
	if (e->kind == E_CALL)
		return call_ktype(x, e, out);
	if (e->kind == E_INDEX) /* @entry(X)'s saved X */
		return e->var && e->var->generated && e->var->typed && !e->var->typed_mixed &&
		       (*out = *e->var->typed, true);
	if (e->kind == E_ASSIGN && e->op && !strcmp(e->op, "=")) /* (p = value)->member */
		return value_ktype(x, e->right, out);
	if (e->kind == E_TERNARY) {
		struct ktype other;
		return value_ktype(x, e->left, out) && value_ktype(x, e->right, &other) && ktype_same(x->a, out, &other);
	}
	if (e->kind == E_BINARY && e->target_info) { /* &@cast(p, "T")->member, as p + offset */
		struct tplace t = ((const struct tp_access *)e->target_info)->place;
		t.ptr_depth++;
		if (!tplace_known(t))
			return false;
		*out = (struct ktype){.place = t, .has_place = true};
		return true;
	}
	if ((e->kind != E_TARGET && e->kind != E_CAST && e->kind != E_ATVAR) || !e->target_info ||
	    e->user_target || e->type != TY_LONG)
		return false;
	struct tplace t;
	if (e->kind == E_TARGET && !e->components.n && !e->operand) /* a bare $x: its field */
		t = ((const struct tp_field *)e->target_info)->type;
	else
		t = ((const struct tp_access *)e->target_info)->place;
	/* &@cast(p, "T") is p itself: the struct's address, typed T * */
	if (e->addressof && !(e->kind == E_CAST && !e->components.n))
		t.ptr_depth++;
	if (!tplace_known(t) || tplace_class(t) != TPLACE_POINTER)
		return false;
	*out = (struct ktype){.place = t, .has_place = true};
	return true;
}

static bool typed_kernel_pointer(struct elab *x, const struct expr *e, struct tplace *out)
{
	struct ktype k;
	return value_ktype(x, e, &k) && ktype_place(&k, out) && tplace_known(*out) &&
	       tplace_class(*out) == TPLACE_POINTER;
}

/* One more value of a local or of a function's result: the type it keeps
 * while every value agrees (an untyped value after a typed one mixes). */
static void note_typed(struct elab *x, struct ktype **typed, bool *mixed, const struct expr *value)
{
	if (*mixed)
		return;
	struct ktype k;
	if (!value_ktype(x, value, &k)) {
		*mixed = *typed != NULL;
		return;
	}
	if (*typed && !ktype_same(x->a, *typed, &k)) {
		*mixed = true;
		return;
	}
	if (!*typed) {
		*typed = arena_alloc(x->a, sizeof **typed);
		**typed = k;
	}
}

/* local = value: the local keeps the value's kernel type (autocast), and
 * so does the array @entry's companion probe saves a value in (the
 * return probe reads it back: elab_entry.c). */
static void note_typed_local(struct scope *sc, struct expr *assign)
{
	const struct expr *l = assign->left;
	struct vardecl *v = l && (l->kind == E_VAR || l->kind == E_INDEX) ? l->var : NULL;
	if (v && (l->kind == E_VAR ? !v->is_global : v->generated))
		note_typed(sc->x, &v->typed, &v->typed_mixed, assign->right);
}

/* value->member, value[i] on a value that is not a target variable, in
 * a probe that runs in the kernel (autocast) */
static bool is_autocast(const struct expr *e)
{
	return e->kind == E_TARGET && e->operand && !e->str && e->operand->kind != E_ENTRY;
}

/* Read an autocast through the value's kernel type, as @cast would.
 * False, with nothing reported, when s->quiet_targets and it does not
 * resolve (@defined). */
static bool resolve_autocast(struct scope *sc, struct expr *e)
{
	struct session *s = sc->x->s;
	struct tplace t;
	e->type = TY_LONG;
	if (!typed_kernel_pointer(sc->x, e->operand, &t)) {
		if (s->quiet_targets)
			return false;
		const struct expr *o = e->operand;
		const char *why =
			o->kind == E_VAR && o->var && o->var->typed_mixed
				? "it is assigned values of different types or untyped values"
			: o->kind == E_CALL && o->func && o->func->typed_ret_mixed
				? arena_printf(sc->x->a, "'%s' returns values of different types or untyped values",
					       o->func->name)
				: "its type is not known (only kernel target values, @cast chains, "
				  "and locals and functions' results that are always one of them carry one)";
		elab_error(sc->x, e->loc, "semantic error: cannot dereference this value: %s; "
			   "name its type with @cast(VALUE, \"TYPE\"[, \"MODULE\"])", why);
		return true;
	}
	struct tp_access *acc = arena_alloc(sc->x->a, sizeof *acc);
	acc->start = t;
	e->kind = E_CAST;
	e->str = tplace_type_name(sc->x->a, t);
	e->target_info = acc;
	const char *head = e->operand->kind == E_VAR && e->operand->str ? e->operand->str : "(value)";
	return tp_type_chain(s, acc, head, e) || !s->quiet_targets;
}

static bool try_target(struct scope *sc, struct expr *e)
{
	if (is_autocast(e))
		return resolve_autocast(sc, e);
	if (e->kind == E_CAST)
		return tp_resolve_cast(sc->x->s, sc->probe, e);
	const struct provider *p = sc->probe ? sc->probe->provider : NULL;
	if (p && p->resolve_target && p->resolve_target(sc->x->s, sc->probe, e))
		return true;
	/* @var of the kernel, where the provider has none of its own */
	if (e->kind == E_ATVAR && !(p && strncmp(p->name, "process(", 8) == 0))
		return tp_resolve_kernel_atvar(sc->x->s, sc->probe, e);
	return false;
}

static const char *target_desc(struct scope *sc, const struct expr *e)
{
	if (e->kind == E_CAST)
		return arena_printf(sc->x->a, "@cast(..., \"%s\")", e->str ? e->str : "");
	if (e->kind == E_ATVAR)
		return arena_printf(sc->x->a, "@var(\"%s\")", e->str ? e->str : "");
	return elab_target_name(sc->x->a, e);
}

static void resolve_target(struct scope *sc, struct expr *e, int acc)
{
	struct elab *x = sc->x;
	if (e->operand)
		resolve_expr(sc, e->operand, ACC_READ);
	resolve_components(sc, e);
	if (is_autocast(e) && !sc->in_cond) {
		if ((acc & ACC_WRITE) && !x->s->guru)
			elab_error(x, e->loc, "semantic error: writing through a pointer requires guru mode (-g)");
		else
			resolve_autocast(sc, e);
		return;
	}
	/* @cast and the kernel's @var read memory, not the probe's context */
	bool in_function = !sc->probe && (e->kind == E_CAST || (e->kind == E_ATVAR && !e->module));
	if ((!sc->probe && !in_function) || sc->in_cond) {
		elab_error(x, e->loc, "semantic error: target variable '%s' may only be used in a probe handler",
			   target_desc(sc, e));
		return;
	}
	if ((acc & ACC_WRITE) && !x->s->guru) {
		elab_error(x, e->loc, "semantic error: writing to target variable '%s' requires guru mode (-g)",
			   target_desc(sc, e));
		return;
	}
	if (x->s->skip_badvars && !(acc & ACC_WRITE)) {
		/* --skip-badvars: what does not resolve reads as 0 */
		bool quiet = x->s->quiet_targets;
		x->s->quiet_targets = true;
		bool found = try_target(sc, e);
		x->s->quiet_targets = quiet;
		if (!found) {
			if (x->s->verbose)
				diag_note(e->loc, "'%s' does not resolve: it reads as 0 (--skip-badvars)",
					  target_desc(sc, e));
			e->kind = E_NUM;
			e->num = 0;
			e->operand = NULL;
			e->components = (struct vec){0};
			e->type = TY_LONG;
		}
		return;
	}
	if (try_target(sc, e))
		return;
	elab_error(x, e->loc, "semantic error: unable to find target variable '%s'", target_desc(sc, e));
	const struct provider *p = sc->probe->provider;
	if (p && p->describe_vars) {
		struct strbuf b;
		sb_init(&b);
		p->describe_vars(x->s, sc->probe->resolved_point, &b);
		if (b.len)
			elab_note(x, e->loc, "available at this probe point: %s", b.s);
		sb_free(&b);
	}
}

static bool is_targetish(const struct expr *e)
{
	return e && (e->kind == E_TARGET || e->kind == E_TARGET_VARS || e->kind == E_CAST ||
		     e->kind == E_ATVAR);
}

/* @defined(x) becomes 1 or 0 now; folded conditions then cut dead code
 * before it is checked. The node keeps op "@defined" to mark the fold. */
static void fold_defined(struct scope *sc, struct expr *e)
{
	struct expr *op = e->operand;
	/* @defined(@entry(x)): whether x exists (the entry's parameters are
	 * the return probe's) */
	while (op && op->kind == E_ENTRY)
		op = op->operand;
	bool defined = true;
	if (is_targetish(op)) {
		if (op->operand)
			resolve_expr(sc, op->operand, ACC_READ);
		resolve_components(sc, op);
		bool quiet = sc->x->s->quiet_targets;
		sc->x->s->quiet_targets = true;
		defined = (sc->probe || op->kind == E_CAST) && !sc->in_cond && try_target(sc, op);
		sc->x->s->quiet_targets = quiet;
	}
	e->kind = E_NUM;
	e->num = defined ? 1 : 0;
	e->op = "@defined";
	e->operand = NULL;
	e->type = TY_LONG;
}

/* A condition known at elaboration time: only what @defined produced. */
static bool folded_value(const struct expr *e, bool *value)
{
	if (!e)
		return false;
	if (e->kind == E_NUM && e->op && strcmp(e->op, "@defined") == 0) {
		*value = e->num != 0;
		return true;
	}
	if (e->kind == E_UNARY && e->op && strcmp(e->op, "!") == 0 && folded_value(e->operand, value)) {
		*value = !*value;
		return true;
	}
	return false;
}

static void set_folded(struct expr *e, bool value)
{
	struct loc at = e->loc;
	memset(e, 0, sizeof(*e));
	e->kind = E_NUM;
	e->loc = at;
	e->num = value;
	e->op = "@defined";
	e->type = TY_LONG;
}

static bool ends_with_return(const struct probe_point *pp)
{
	const char *last = pp ? pp_comp_name(pp, pp->comps.n - 1) : NULL;
	return last && strcmp(last, "return") == 0;
}

static bool is_lvalue(const struct expr *e)
{
	return e && (e->kind == E_VAR || e->kind == E_INDEX || e->kind == E_TARGET ||
		     e->kind == E_CAST || e->kind == E_ATVAR);
}

static void resolve_lvalue(struct scope *sc, struct expr *e, int acc, const char *op)
{
	if (!is_lvalue(e)) {
		elab_error(sc->x, e ? e->loc : (struct loc){0},
			   "semantic error: the left operand of '%s' is not assignable", op ? op : "=");
		if (e)
			resolve_expr(sc, e, ACC_READ);
		return;
	}
	resolve_expr(sc, e, acc);
}

static void resolve_stats_target(struct scope *sc, struct expr *e)
{
	if (e && e->kind == E_VAR) {
		struct vardecl *v = resolve_array(sc, e->str, e->loc, ACC_WRITE, "statistics variable");
		e->var = v;
		return;
	}
	if (e && e->kind == E_INDEX) {
		resolve_indexed(sc, e, ACC_WRITE);
		return;
	}
	if (e) {
		elab_error(sc->x, e->loc, "semantic error: the left operand of '<<<' must be a global variable or array element");
		resolve_expr(sc, e, ACC_READ);
	}
}

static void resolve_expr(struct scope *sc, struct expr *e, int acc)
{
	if (!e)
		return;
	struct elab *x = sc->x;
	switch (e->kind) {
	case E_NUM:
	case E_STR:
	case E_STAR:
		break;
	case E_VAR:
		resolve_var(sc, e, acc);
		break;
	case E_TARGET:
	case E_TARGET_VARS:
	case E_CAST:
	case E_ATVAR:
		resolve_target(sc, e, acc);
		break;
	case E_DEFINED:
		fold_defined(sc, e);
		break;
	case E_ENTRY:
		if (!sc->probe || !ends_with_return(sc->probe->resolved_point))
			elab_error(x, e->loc, "semantic error: @entry may only be used in a .return probe");
		resolve_expr(sc, e->operand, ACC_READ);
		break;
	case E_UNARY:
		resolve_expr(sc, e->operand, ACC_READ);
		break;
	case E_INCDEC:
		resolve_lvalue(sc, e->operand, ACC_READ | ACC_WRITE, e->op);
		break;
	case E_LOGICAL: {
		resolve_expr(sc, e->left, ACC_READ);
		bool v;
		bool is_and = e->op && strcmp(e->op, "&&") == 0;
		if (folded_value(e->left, &v) && (is_and ? !v : v)) {
			set_folded(e, v);
			break;
		}
		resolve_expr(sc, e->right, ACC_READ);
		break;
	}
	case E_BINARY:
	case E_COMPARE:
	case E_CONCAT:
		resolve_expr(sc, e->left, ACC_READ);
		resolve_expr(sc, e->right, ACC_READ);
		break;
	case E_TERNARY: {
		resolve_expr(sc, e->cond, ACC_READ);
		bool v;
		if (folded_value(e->cond, &v)) {
			struct expr *live = v ? e->left : e->right;
			resolve_expr(sc, live, ACC_READ);
			if (live)
				*e = *live;
			break;
		}
		resolve_expr(sc, e->left, ACC_READ);
		resolve_expr(sc, e->right, ACC_READ);
		break;
	}
	case E_ASSIGN: {
		bool plain = e->op && strcmp(e->op, "=") == 0;
		resolve_expr(sc, e->right, ACC_READ);
		resolve_lvalue(sc, e->left, ACC_WRITE | (plain ? 0 : ACC_READ), e->op);
		if (plain)
			note_typed_local(sc, e);
		break;
	}
	case E_STATS_ADD:
		resolve_expr(sc, e->right, ACC_READ);
		resolve_stats_target(sc, e->left);
		break;
	case E_INDEX:
		resolve_indexed(sc, e, acc);
		break;
	case E_IN: {
		struct expr *b = elab_index_base(e);
		if (b && b->kind == E_INDEX) {
			resolve_indexed(sc, b, ACC_READ);
			e->var = b->var;
		} else {
			e->var = resolve_array(sc, array_name(e), b ? b->loc : e->loc, ACC_READ, "array");
			if (b && b->kind == E_VAR)
				b->var = e->var;
		}
		resolve_args(sc, &e->args);
		break;
	}
	case E_CALL:
		resolve_call(sc, e);
		break;
	case E_STAT_OP:
	case E_HIST:
		resolve_expr(sc, e->operand, ACC_READ);
		resolve_args(sc, &e->args);
		break;
	case E_EMBEDDED:
		if (!guru_ok(sc, e->loc))
			elab_error(x, e->loc, "semantic error: embedded code requires guru mode (-g)");
		break;
	}
}

/* ---- statements ----------------------------------------------------- */

/* foreach (b in @hist_log(s)): one key, the bucket number. */
static void resolve_hist_foreach(struct scope *sc, struct stmt *s)
{
	resolve_expr(sc, s->fe_array, ACC_READ);
	if (s->fe_keys.n != 1)
		elab_error(sc->x, s->loc, "semantic error: foreach over a histogram takes exactly one key (the bucket), not %d",
			   s->fe_keys.n);
}

static void resolve_foreach(struct scope *sc, struct stmt *s)
{
	struct expr *arr = s->fe_array;
	if (arr && arr->kind == E_HIST) {
		resolve_hist_foreach(sc, s);
	} else if (arr && arr->kind == E_INDEX) {
		resolve_indexed(sc, arr, ACC_READ);
	} else if (arr && arr->kind == E_VAR) {
		arr->var = resolve_array(sc, arr->str, arr->loc, ACC_READ, "foreach array");
	} else if (arr) {
		elab_error(sc->x, arr->loc, "semantic error: foreach needs a global array");
	}
	VEC_FOREACH(s->fe_keys, i)
		resolve_lvalue(sc, VEC_AT(s->fe_keys, i, struct expr *), ACC_WRITE, "foreach");
	if (s->fe_value)
		resolve_lvalue(sc, s->fe_value, ACC_WRITE, "foreach");
	resolve_expr(sc, s->fe_limit, ACC_READ);
	if (s->fe_sort_key > s->fe_keys.n)
		elab_error(sc->x, s->loc, "semantic error: foreach sorts by key %d but has only %d key%s",
			   s->fe_sort_key, s->fe_keys.n, s->fe_keys.n == 1 ? "" : "s");
	sc->loops++;
	resolve_stmt(sc, s->body);
	sc->loops--;
}

static void resolve_if(struct scope *sc, struct stmt *s)
{
	resolve_expr(sc, s->cond, ACC_READ);
	bool v;
	if (folded_value(s->cond, &v)) {
		struct stmt *live = v ? s->then : s->els;
		resolve_stmt(sc, live);
		struct loc at = s->loc;
		if (live) {
			*s = *live;
		} else {
			memset(s, 0, sizeof(*s));
			s->kind = S_NULL;
			s->loc = at;
		}
		return;
	}
	resolve_stmt(sc, s->then);
	resolve_stmt(sc, s->els);
}

static void resolve_stmt(struct scope *sc, struct stmt *s)
{
	if (!s)
		return;
	struct elab *x = sc->x;
	switch (s->kind) {
	case S_BLOCK:
		VEC_FOREACH(s->stmts, i)
			resolve_stmt(sc, VEC_AT(s->stmts, i, struct stmt *));
		break;
	case S_EXPR:
		resolve_expr(sc, s->expr, ACC_READ);
		break;
	case S_IF:
		resolve_if(sc, s);
		break;
	case S_WHILE:
	case S_FOR:
		resolve_expr(sc, s->init, ACC_READ);
		resolve_expr(sc, s->cond, ACC_READ);
		resolve_expr(sc, s->incr, ACC_READ);
		sc->loops++;
		resolve_stmt(sc, s->body);
		sc->loops--;
		break;
	case S_FOREACH:
		resolve_foreach(sc, s);
		break;
	case S_BREAK:
	case S_CONTINUE:
		if (sc->loops == 0)
			elab_error(x, s->loc, "semantic error: '%s' outside of a loop",
				   s->kind == S_BREAK ? "break" : "continue");
		break;
	case S_NEXT:
		break;
	case S_RETURN:
		if (!sc->func) {
			elab_error(x, s->loc, "semantic error: 'return' outside of a function");
			break;
		}
		if (s->expr) {
			sc->value_returns++;
			resolve_expr(sc, s->expr, ACC_READ);
			note_typed(x, &sc->func->typed_ret, &sc->func->typed_ret_mixed, s->expr);
		}
		break;
	case S_DELETE:
		if (s->expr && s->expr->kind == E_INDEX)
			resolve_indexed(sc, s->expr, ACC_WRITE);
		else if (s->expr && s->expr->kind == E_VAR)
			resolve_var(sc, s->expr, ACC_WRITE);
		else if (s->expr)
			elab_error(x, s->expr->loc, "semantic error: delete needs a variable or an array element");
		break;
	case S_TRY:
		resolve_stmt(sc, s->body);
		if (s->catch_var)
			resolve_lvalue(sc, s->catch_var, ACC_WRITE, "catch");
		resolve_stmt(sc, s->catch_body);
		break;
	case S_EMBEDDED:
		if (!guru_ok(sc, s->loc))
			elab_error(x, s->loc, "semantic error: embedded code requires guru mode (-g)");
		break;
	case S_NULL:
		break;
	}
}

void elab_resolve_probe(struct elab *x, struct probe *d)
{
	struct scope sc = {.x = x, .probe = d, .locals = &d->locals};
	if (d->resolved_point && d->resolved_point->cond) {
		sc.in_cond = true;
		resolve_expr(&sc, d->resolved_point->cond, ACC_READ);
		sc.in_cond = false;
	}
	resolve_stmt(&sc, d->body);
}

void elab_resolve_function(struct elab *x, struct funcdecl *f)
{
	if (f->resolve_state)
		return; /* resolved already, for its typed result (call_ktype) */
	f->resolve_state = 1;
	VEC_FOREACH(f->params, i) {
		struct vardecl *p = VEC_AT(f->params, i, struct vardecl *);
		p->is_param = true;
		p->arity = 0;
		p->used = true;
		p->written = true;
		if (!p->file)
			p->file = f->file;
	}
	if (f->embedded) {
		if (!x->s->guru && !(f->file && f->file->is_tapset))
			elab_error(x, f->loc, "semantic error: embedded code in function '%s' requires guru mode (-g)",
				   f->name);
		f->ret = f->ret_decl ? f->ret_decl : TY_VOID;
		f->resolve_state = 2;
		return;
	}
	struct scope sc = {.x = x, .func = f, .locals = &f->locals};
	resolve_stmt(&sc, f->body);
	if (f->ret_decl)
		f->ret = f->ret_decl;
	else if (sc.value_returns == 0)
		f->ret = TY_VOID;
	f->resolve_state = 2;
}
