/* Pass 3: the translation unit as a whole. Places probes (runner or
 * kernel context, from their providers' attach descriptions), lays out
 * globals, maps and frames, walks the call graph (which half needs which
 * function, recursion), emits every body once and puts the pieces
 * together with the runtime's own (emit_runtime.h: its prelude, maps and
 * probe entry points) and the runner's descriptor. Expressions,
 * statements and printing are in emit_expr.c, emit_stmt.c and
 * emit_print.c. */
#include "emit_internal.h"

#include "runtime/hist.h"
#include "translator/paths.h"
#include "translator/tracepoints.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EM_DEFAULT_MSL 128
#define EM_DEFAULT_MAXMAPENTRIES 2048

/* ---- small shared helpers ------------------------------------------------ */

const char *em_loc_text(struct emitter *em, struct loc at)
{
	return arena_printf(em->a, "%s:%d:%d", at.file ? at.file->name : "<input>", at.line, at.col);
}

/* One site per place and operation: probes from one pattern name the same
 * sites, so their bodies come out the same (emit_share.c). */
int em_site(struct emitter *em, struct loc at, const char *what)
{
	for (int i = em->sites.n - 1; i >= 0; i--) {
		const struct em_site *x = VEC_AT(em->sites, i, const struct em_site *);
		if (x->at.file == at.file && x->at.line == at.line && x->at.col == at.col &&
		    strcmp(x->what, what) == 0)
			return i;
	}
	struct em_site *s = arena_alloc(em->a, sizeof(*s));
	s->at = at;
	s->loc = em_loc_text(em, at);
	s->what = arena_strdup(em->a, what);
	vec_push(em->a, &em->sites, s);
	return em->sites.n - 1;
}

struct em_global *em_global_of(struct emitter *em, const struct vardecl *v)
{
	VEC_FOREACH(em->globals, i) {
		struct em_global *g = VEC_AT(em->globals, i, struct em_global *);
		if (g->v == v)
			return g;
	}
	return NULL;
}

struct em_func *em_func_of(struct emitter *em, const struct funcdecl *f)
{
	VEC_FOREACH(em->funcs, i) {
		struct em_func *x = VEC_AT(em->funcs, i, struct em_func *);
		if (x->f == f)
			return x;
	}
	return NULL;
}

void em_line(struct em_fn *f, const char *fmt, ...)
{
	for (int i = 0; i < f->indent; i++)
		sb_putc(f->out, '\t');
	va_list ap;
	va_start(ap, fmt);
	sb_vprintf(f->out, fmt, ap);
	va_end(ap);
	sb_putc(f->out, '\n');
}

static void put_file_name(struct strbuf *b, const struct src_file *file)
{
	const char *n = file ? file->name : "<input>";
	em_c_string(b, n, strlen(n));
}

void em_linedir(struct em_fn *f, struct loc at)
{
	if (at.line <= 0)
		return;
	sb_printf(f->out, "#line %d ", at.line);
	put_file_name(f->out, at.file);
	sb_putc(f->out, '\n');
}

/* BFS_<tag><index>: the bytes of a frame plus the deepest chain of frames
 * its calls stack above it in the probe's scratch map value. Enum
 * constants, one step per callee: a macro nesting BTAP_MAX0 over the
 * callees would double at each level (2^n copies of the text; 18 callees
 * made 51 MB that clang took 40 s to read). */
static void frame_size(struct strbuf *b, char tag, int index, const char *frame, const struct vec *callees)
{
	sb_printf(b, "enum { BFS_%c%d_0 = 0", tag, index);
	VEC_FOREACH(*callees, k)
		sb_printf(b, ", BFS_%c%d_%d = BTAP_MAX0(BFS_F%d, BFS_%c%d_%d)", tag, index, k + 1,
			  VEC_AT(*callees, k, struct em_func *)->index, tag, index, k);
	sb_printf(b, ", BFS_%c%d = (int)sizeof(%s) + BFS_%c%d_%d };\n", tag, index, frame, tag, index, callees->n);
}

/* A kernel function's constant after those of the functions it calls. */
static void function_frame_size(struct emitter *em, struct strbuf *b, struct em_func *f, bool *done)
{
	if (done[f->index])
		return;
	done[f->index] = true;
	VEC_FOREACH(f->callees, k)
		function_frame_size(em, b, VEC_AT(f->callees, k, struct em_func *), done);
	frame_size(b, 'F', f->index, f->frame, &f->callees);
}

/* -D NAME=VALUE's value, the last one given. */
static bool define_value(struct session *s, const char *name, int64_t *out)
{
	size_t n = strlen(name);
	bool found = false;
	VEC_FOREACH(s->defines, i) {
		const char *d = VEC_AT(s->defines, i, const char *);
		if (strncmp(d, name, n) == 0 && d[n] == '=') {
			*out = strtoll(d + n + 1, NULL, 0);
			found = true;
		}
	}
	return found;
}

/* Where kernel functions recurse (a runtime with kernel_recursion), a
 * chain of calls has no static height: it is bounded at run time by
 * MAXNESTING (btap_nest_enter), so a function on a cycle gets room for
 * MAXNESTING + 2 of the largest frame (its callees' frames are written
 * before the depth is checked, and an embedded-C leaf counts no depth).
 * These come first: the other functions' sizes add them up. */
static void recursive_frame_sizes(struct emitter *em, struct strbuf *b, bool *done)
{
	bool any = false;
	VEC_FOREACH(em->funcs, i)
		any |= VEC_AT(em->funcs, i, struct em_func *)->recursive;
	if (!any)
		return;
	/* A call level takes 50 to 250 bytes of kernel stack (measured on
	 * 6.1's modules): 32 levels stay well inside an interrupt's. */
	int64_t nest;
	if (define_value(em->s, "MAXNESTING", &nest) && (nest < 1 || nest > EM_KERNEL_MAXNESTING))
		diag_plain_error("-D MAXNESTING=%lld: recursive functions in kernel-context probes (%s) take 1 to %d "
				 "(each call level uses kernel stack)", (long long)nest, em->rt->name,
				 EM_KERNEL_MAXNESTING);
	int k = 0;
	sb_puts(b, "enum { BFS_FMAX0 = 0");
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if (f->where & EM_CTX_KERNEL) {
			sb_printf(b, ", BFS_FMAX%d = BTAP_MAX0(BFS_FMAX%d, (int)sizeof(%s))", k + 1, k, f->frame);
			k++;
		}
	}
	sb_puts(b, " };\n");
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if (f->recursive && (f->where & EM_CTX_KERNEL)) {
			sb_printf(b, "enum { BFS_F%d = (MAXNESTING + 2) * BFS_FMAX%d };\n", f->index, k);
			done[f->index] = true;
		}
	}
}

/* The calls below f, a cycle counted once (stap's measure). */
static int static_depth(struct em_func *f)
{
	if (f->visiting)
		return 0;
	f->visiting = true;
	int d = 0;
	VEC_FOREACH(f->callees, i) {
		int c = static_depth(VEC_AT(f->callees, i, struct em_func *));
		if (c > d)
			d = c;
	}
	f->visiting = false;
	return d + 1;
}

/* MAXNESTING's default for kernel code that may recurse, as stap sets
 * it: the deepest chain of calls from a probe (each cycle once), plus
 * one, plus 10 where functions recurse. */
int em_kernel_nesting(struct emitter *em)
{
	int deepest = 0;
	bool recursive = false;
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where != EM_CTX_KERNEL)
			continue;
		VEC_FOREACH(p->callees, k) {
			int d = static_depth(VEC_AT(p->callees, k, struct em_func *));
			if (d > deepest)
				deepest = d;
		}
	}
	VEC_FOREACH(em->funcs, i)
		recursive |= VEC_AT(em->funcs, i, struct em_func *)->recursive;
	return deepest + 1 + (recursive ? 10 : 0);
}

/* BFS_F<i> and BFS_P<i>: the frame sizes of the kernel half's functions
 * and probes, for the runtime's scratch space. */
void em_frame_sizes(struct emitter *em, struct strbuf *b)
{
	int n = 0;
	VEC_FOREACH(em->funcs, i)
		if (VEC_AT(em->funcs, i, struct em_func *)->index >= n)
			n = VEC_AT(em->funcs, i, struct em_func *)->index + 1;
	bool *done = xcalloc((size_t)(n ? n : 1), sizeof *done);
	recursive_frame_sizes(em, b, done);
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if (f->where & EM_CTX_KERNEL)
			function_frame_size(em, b, f, done);
	}
	free(done);
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL && !p->rep)
			frame_size(b, 'P', p->index, p->frame, &p->callees);
	}
}

/* A kprobe's or kretprobe's registers (x86-64's struct pt_regs at ctx) as
 * the argument slots an fentry or fexit program would get: six in
 * registers, the rest on the stack above the return address; a kretprobe
 * has only the result (the parameters were saved at the entry:
 * elab_entry.c). Every kernel runtime that lowers kernel functions to
 * kprobes writes this before the body. */
void em_kprobe_slots(const struct attach *at, struct strbuf *out)
{
	static const char *const regs[] = {"di", "si", "dx", "cx", "r8", "r9"};
	int n = at->kprobe.ret ? at->kprobe.ret_slot + 1 : at->kprobe.nslots;
	sb_printf(out, "\tuint64_t slots[%d] = {0};\n", n > 0 ? n : 1);
	if (at->kprobe.ret) {
		sb_printf(out, "\tslots[%d] = ((struct pt_regs *)ctx)->ax;\n", at->kprobe.ret_slot);
		return;
	}
	for (int i = 0; i < n; i++) {
		if (i < 6)
			sb_printf(out, "\tslots[%d] = ((struct pt_regs *)ctx)->%s;\n", i, regs[i]);
		else
			sb_printf(out, "\tBTAP_MEM_READ(&slots[%d], ((struct pt_regs *)ctx)->sp + %d, 8, 0);\n", i,
				  8 * (i - 5));
	}
}

/* Does kernel-context code use a native? (The stack maps exist only then.) */
bool em_kernel_uses(struct emitter *em, const char *native)
{
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if ((f->where & EM_CTX_KERNEL) && f->f->embedded && strstr(f->f->embedded, native))
			return true;
	}
	return false;
}

const char *em_sysargs_line(struct emitter *em, struct em_probe *p)
{
	if (p->at.kind != ATTACH_TRACEPOINT || !em_kernel_uses(em, "btap_sysarg("))
		return "";
	struct tp_event *ev = tp_probe_event(em->s, p->p);
	if (!ev || !tp_event_load_fields(em->a, ev))
		return "";
	int n = 0, sign = 1;
	/* at a return, the arguments are in the task's saved user registers
	 * (as many as the call's entry record holds): negative */
	if (strcmp(ev->group, "syscalls") == 0 && strncmp(ev->name, "sys_exit_", 9) == 0) {
		ev = tp_event_load(em->a, "syscalls", arena_printf(em->a, "sys_enter_%s", ev->name + 9));
		if (!ev || !tp_event_load_fields(em->a, ev))
			return "";
		sign = -1;
	} else if (strcmp(ev->group, "raw_syscalls") == 0 && strcmp(ev->name, "sys_exit") == 0) {
		return "\tc.sysargs = -6;\n";
	}
	if (strcmp(ev->group, "raw_syscalls") == 0 && strcmp(ev->name, "sys_enter") == 0)
		n = 6; /* long id, unsigned long args[6] */
	else if (strcmp(ev->group, "syscalls") == 0 && strncmp(ev->name, "sys_enter_", 10) == 0)
		for (int i = 0; i < ev->nfields; i++) /* after __syscall_nr, one u64 each */
			n += !ev->fields[i].is_common && strcmp(ev->fields[i].name, "__syscall_nr") != 0;
	return n ? arena_printf(em->a, "\tc.sysargs = %d;\n", sign * (n > 6 ? 6 : n)) : "";
}

/* Does a function of either side call the native? */
static bool em_any_uses(struct emitter *em, const char *native)
{
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if (f->f->embedded && strstr(f->f->embedded, native))
			return true;
	}
	return false;
}

bool em_kernel_code_calls(struct emitter *em, const char *name)
{
	return (em->kernel.s && strstr(em->kernel.s, name)) || (em->common.s && strstr(em->common.s, name)) ||
	       em_kernel_uses(em, name);
}

/* The guard that sifts a raw tracepoint's events (its arguments at ctx) and
 * returns the task the body describes (NULL: skip the event), in the
 * natives each kernel runtime defines. */
const char *em_task_guard(struct emitter *em, const struct attach *at, int index)
{
	const char *g;
	switch (at->filter) {
	case ATTACH_FILTER_PROCESS_BEGIN: g = "btap_proc_begin_task"; break;
	case ATTACH_FILTER_PROCESS_END: g = "btap_proc_end_task"; break;
	case ATTACH_FILTER_PROCESS_EXEC: g = "btap_proc_exec_task"; break;
	case ATTACH_FILTER_THREAD_BEGIN: g = "btap_thread_begin_task"; break;
	case ATTACH_FILTER_THREAD_END: g = "btap_thread_end_task"; break;
	case ATTACH_FILTER_CURRENT: g = "btap_proc_exec_task"; break; /* the current task */
	case ATTACH_FILTER_PROCESS_RUNNING: /* the runner listed them by path or pid */
		return arena_printf(em->a, "btap_proc_running_task(ctx, %d)", index);
	default: return NULL;
	}
	if (at->pid)
		return arena_printf(em->a, "btap_task_is(%s(ctx), %" PRId64 ")", g, at->pid);
	if (!at->exe_path)
		return arena_printf(em->a, "%s(ctx)", g);
	return arena_printf(em->a, "btap_task_runs(%s(ctx), %d)", g, index);
}

void em_unsupported(struct em_fn *f, struct loc at, const char *what)
{
	diag_error(at, "%s is not supported yet by the %s backend", what, f->em->rt->name);
}

void em_unsupported_kernel(struct em_fn *f, struct loc at, const char *what)
{
	diag_error(at, "%s is not supported yet in kernel-context probes (%s)", what, f->em->rt->name);
}

void em_need_kernel_type(struct emitter *em, const char *name)
{
	VEC_FOREACH(em->kernel_types, i)
		if (strcmp(VEC_AT(em->kernel_types, i, const char *), name) == 0)
			return;
	vec_push(em->a, &em->kernel_types, (void *)name);
}

void em_c_string(struct strbuf *b, const char *s, size_t n)
{
	sb_putc(b, '"');
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == '"' || ch == '\\')
			sb_printf(b, "\\%c", ch);
		else if (ch == '\n')
			sb_puts(b, "\\n");
		else if (ch == '\t')
			sb_puts(b, "\\t");
		else if (ch == '?')
			sb_puts(b, "\\?"); /* no trigraphs */
		else if (ch < 0x20 || ch >= 0x7f)
			sb_printf(b, "\\%03o", ch);
		else
			sb_putc(b, (char)ch);
	}
	sb_putc(b, '"');
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

char *em_decode_str(struct arena *a, const char *raw, size_t *len)
{
	size_t n = raw ? strlen(raw) : 0, o = 0;
	char *out = arena_alloc(a, n + 1);
	for (size_t i = 0; i < n; i++) {
		char ch = raw[i];
		if (ch != '\\' || i + 1 >= n) {
			out[o++] = ch;
			continue;
		}
		ch = raw[++i];
		switch (ch) {
		case 'n': out[o++] = '\n'; break;
		case 't': out[o++] = '\t'; break;
		case 'r': out[o++] = '\r'; break;
		case 'a': out[o++] = '\a'; break;
		case 'b': out[o++] = '\b'; break;
		case 'f': out[o++] = '\f'; break;
		case 'v': out[o++] = '\v'; break;
		case 'x': {
			int v = 0, k = 0;
			while (k < 2 && i + 1 < n && hexval(raw[i + 1]) >= 0) {
				v = v * 16 + hexval(raw[++i]);
				k++;
			}
			out[o++] = k ? (char)v : 'x';
			break;
		}
		default:
			if (ch >= '0' && ch <= '7') {
				int v = ch - '0', k = 1;
				while (k < 3 && i + 1 < n && raw[i + 1] >= '0' && raw[i + 1] <= '7') {
					v = v * 8 + (raw[++i] - '0');
					k++;
				}
				out[o++] = (char)v;
			} else {
				out[o++] = ch; /* \\ \" \' and unknown escapes */
			}
			break;
		}
	}
	out[o] = 0;
	*len = o;
	return out;
}

/* A C identifier made of the script name (already an identifier, but
 * '@' and other characters of generated names are replaced). */
static const char *ident(struct arena *a, const char *name)
{
	char *s = arena_strdup(a, name ? name : "x");
	for (char *p = s; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_')
			*p = '_';
	return s;
}

/* ---- walking the program ------------------------------------------------- */

typedef void (*expr_fn)(struct expr *e, void *ctx);

/* Every expression, before its children, in ast.h's order. */
struct expr_walk {
	expr_fn fn;
	void *ctx;
};

static enum ast_step each_expr(struct expr *e, void *ctx)
{
	struct expr_walk *w = ctx;
	w->fn(e, w->ctx);
	return AST_DESCEND;
}

static void walk_stmt(struct stmt *s, expr_fn fn, void *ctx)
{
	struct expr_walk w = {fn, ctx};
	ast_walk_stmt(&(struct ast_visitor){.expr_pre = each_expr, .ctx = &w}, s);
}

static void walk_expr(struct expr *e, expr_fn fn, void *ctx)
{
	struct expr_walk w = {fn, ctx};
	ast_walk_expr(&(struct ast_visitor){.expr_pre = each_expr, .ctx = &w}, e);
}

void em_walk_stmt(struct stmt *s, void (*fn)(struct expr *e, void *ctx), void *ctx)
{
	walk_stmt(s, fn, ctx);
}

void em_walk_expr(struct expr *e, void (*fn)(struct expr *e, void *ctx), void *ctx)
{
	walk_expr(e, fn, ctx);
}

struct stmt_walk {
	void (*fn)(struct stmt *s, void *ctx);
	void *ctx;
};

static enum ast_step each_stmt(struct stmt *s, void *ctx)
{
	struct stmt_walk *w = ctx;
	w->fn(s, w->ctx);
	return AST_DESCEND;
}

void em_each_stmt(struct stmt *s, void (*fn)(struct stmt *s, void *ctx), void *ctx)
{
	struct stmt_walk w = {fn, ctx};
	ast_walk_stmt(&(struct ast_visitor){.stmt_pre = each_stmt, .ctx = &w}, s);
}

/* ---- globals and maps ------------------------------------------------------ */

static void layout_globals(struct emitter *em)
{
	VEC_FOREACH(em->s->prog.globals, i) {
		struct vardecl *v = VEC_AT(em->s->prog.globals, i, struct vardecl *);
		struct em_global *g = arena_alloc(em->a, sizeof(*g));
		g->v = v;
		vec_push(em->a, &em->globals, g);
		if (v->arity <= 0 && v->type != TY_STATS) {
			g->cname = arena_printf(em->a, "g%d_%s", i, ident(em->a, v->name));
			continue;
		}
		struct em_map *m = arena_alloc(em->a, sizeof(*m));
		m->v = v;
		m->id = em->maps.n;
		m->sym = arena_printf(em->a, "bm%d_%s", m->id, ident(em->a, v->name));
		m->key_type = arena_printf(em->a, "struct bk%d", m->id);
		m->nkeys = v->arity > 0 ? v->arity : 0;
		m->stats = v->type == TY_STATS;
		m->max_entries = v->has_size && v->maxsize > 0 ? v->maxsize : em->maxmapentries;
		if (m->nkeys == 0) {
			m->kind = EM_MAP_SCALAR_STATS;
			m->max_entries = 1;
		} else if (m->stats) {
			m->kind = EM_MAP_STATS;
		} else {
			m->kind = v->wrap ? EM_MAP_WRAP : EM_MAP_ARRAY;
		}
		g->map = m;
		vec_push(em->a, &em->maps, m);
	}
}

struct em_map *em_stats_map_of(struct em_fn *f, struct expr *operand, const char **key)
{
	struct expr *base = operand;
	if (operand && operand->kind == E_INDEX)
		base = em_index_base(operand);
	if (!base || base->kind != E_VAR || !base->var)
		return NULL;
	struct em_global *g = em_global_of(f->em, base->var);
	if (!g || !g->map || !g->map->stats)
		return NULL;
	if (key)
		*key = em_index_key(f, g->map, operand->kind == E_INDEX ? &operand->args : NULL,
				    operand->loc);
	return g->map;
}

/* Histogram kinds and @variance shifts, one per statistic. */
static void note_stats_use(struct expr *e, void *ctx)
{
	struct emitter *em = ctx;
	if (e->kind != E_HIST && !(e->kind == E_STAT_OP && e->op && strcmp(e->op, "variance") == 0))
		return;
	struct expr *base = e->operand;
	if (base && base->kind == E_INDEX)
		base = em_index_base(base);
	if (!base || base->kind != E_VAR || !base->var)
		return;
	struct em_global *g = em_global_of(em, base->var);
	if (!g || !g->map)
		return;
	struct em_map *m = g->map;
	if (e->kind == E_STAT_OP) {
		int64_t shift = 0;
		if (e->args.n) {
			struct expr *a = VEC_AT(e->args, 0, struct expr *);
			if (a->kind != E_NUM || a->num < 0 || a->num > 62) {
				diag_error(a->loc, "@variance bit shift must be a number between 0 and 62");
				return;
			}
			shift = a->num;
		}
		if (m->shift_seen && m->bit_shift != shift) {
			diag_error(e->loc, "@variance of '%s' used with different bit shifts", m->v->name);
			return;
		}
		m->shift_seen = true;
		m->bit_shift = (int)shift;
		return;
	}
	int kind = e->op && strcmp(e->op, "hist_linear") == 0 ? 2 : 1;
	int64_t p[3] = {0, 0, 0};
	if (kind == 2) {
		for (int i = 0; i < 3; i++) {
			struct expr *a = i < e->args.n ? VEC_AT(e->args, i, struct expr *) : NULL;
			if (!a || a->kind != E_NUM) {
				diag_error(a ? a->loc : e->loc, "@hist_linear needs three literal numbers");
				return;
			}
			p[i] = a->num;
		}
	}
	if (m->hist_seen && (m->hist_kind != kind || m->hist_start != p[0] || m->hist_stop != p[1] ||
			     m->hist_interval != p[2])) {
		diag_error(e->loc, "'%s' is used with two different histograms", m->v->name);
		return;
	}
	struct rt_hist_desc h;
	if (kind == 1) {
		rt_hist_init_log(&h);
	} else {
		const char *msg = NULL;
		if (rt_hist_init_linear(&h, p[0], p[1], p[2], &msg) != 0) {
			diag_error(e->loc, "%s", msg ? msg : "bad histogram parameters");
			return;
		}
	}
	m->hist_seen = true;
	m->hist_kind = kind;
	m->hist_start = p[0];
	m->hist_stop = p[1];
	m->hist_interval = p[2];
	m->nbuckets = h.nbuckets;
}

int em_stats_value_size(const struct em_map *m)
{
	return 7 * 8 + 8 * m->nbuckets;
}

/* ---- probes ------------------------------------------------------------------- */

/* The descriptor's kind of a probe that attaches so. */
static enum btap_probe_kind descriptor_kind(const struct attach *at)
{
	switch (at->kind) {
	case ATTACH_RUNNER:
		return at->runner.event == ATTACH_BEGIN ? BTAP_PROBE_BEGIN
		     : at->runner.event == ATTACH_END   ? BTAP_PROBE_END
							 : BTAP_PROBE_ERROR;
	case ATTACH_TIMER: return BTAP_PROBE_TIMER;
	case ATTACH_TRACEPOINT: return BTAP_PROBE_TRACEPOINT;
	case ATTACH_RAW_TRACEPOINT: return BTAP_PROBE_RAW_TP;
	case ATTACH_KPROBE: return BTAP_PROBE_KFUNC;
	case ATTACH_UPROBE: return BTAP_PROBE_UPROBE;
	case ATTACH_PROCFS: return at->procfs.write ? BTAP_PROBE_PROCFS_WRITE : BTAP_PROBE_PROCFS_READ;
	case ATTACH_PERF_EVENT: return BTAP_PROBE_PERF;
	case ATTACH_NETFILTER: return BTAP_PROBE_NETFILTER;
	default: return 0;
	}
}

/* Where the probe runs and how it attaches, as its provider says; false
 * (reported) when the runtime cannot attach it yet; *skip for probes that
 * never run. */
static bool place_probe(struct emitter *em, struct em_probe *ep, bool *skip)
{
	struct probe *p = ep->p;
	const struct probe_point *pp = p->resolved_point;
	const struct provider *prov = p->provider;
	*skip = false;
	if (!pp || !prov) {
		diag_error(p->loc, "probe has no resolved probe point");
		return false;
	}
	if (prov->attach && !prov->attach(em->s, p, &ep->at))
		return false;
	if (prov->attach && ep->at.kind == ATTACH_NONE) {
		*skip = true;
		return true;
	}
	bool kernel = prov->kernel_context;
	if (ep->at.kind == ATTACH_KPROBE && ep->at.kprobe.lsm && !em->rt->lsm_hooks) {
		diag_error(pp->loc, "LSM hooks are BPF LSM programs: the %s backend cannot attach them (--runtime=bpf)",
			   em->rt->name);
		return false;
	}
	if (kernel && ep->at.filter != ATTACH_FILTER_NONE && !em->rt->task_filters) {
		diag_error(pp->loc, "probe point family '%s' (events sifted by task) is not supported yet by the %s backend",
			   prov->name, em->rt->name);
		return false;
	}
	if (kernel && (ep->at.exe_path || ep->at.filter == ATTACH_FILTER_PROCESS_RUNNING) && !em->rt->exe_filters) {
		diag_error(pp->loc, "probes on an executable's processes (process(\"PATH\") and processes running "
			   "at the start) are not supported yet by the %s backend", em->rt->name);
		return false;
	}
	if (!prov->attach || (kernel && !(em->rt->attach_kinds & (1u << ep->at.kind)))) {
		diag_error(pp->loc, "probe point family '%s' is not supported yet by the %s backend", prov->name,
			   em->rt->name);
		return false;
	}
	if (ep->at.kind == ATTACH_PERF_EVENT && ep->at.perf.bp_type && !em->rt->hw_breakpoints) {
		diag_error(pp->loc, "kernel.data (hardware breakpoints) is not supported yet by the %s backend",
			   em->rt->name);
		return false;
	}
	if (ep->at.kind == ATTACH_PROCFS && !(em->rt->attach_kinds & (1u << ATTACH_PROCFS))) {
		diag_error(pp->loc, "procfs probes are not supported yet by the %s backend", em->rt->name);
		return false;
	}
	if (kernel != attach_in_kernel(ep->at.kind)) {
		diag_error(pp->loc, "a bug in btap: provider '%s' attaches out of its context", prov->name);
		return false;
	}
	ep->where = kernel ? EM_CTX_KERNEL : EM_CTX_RUNNER;
	ep->kind = descriptor_kind(&ep->at);
	if (ep->at.filter != ATTACH_FILTER_NONE)
		em->task_override = true;
	return true;
}

static void collect_probes(struct emitter *em)
{
	VEC_FOREACH(em->s->prog.probes, i) {
		struct probe *p = VEC_AT(em->s->prog.probes, i, struct probe *);
		struct em_probe *ep = arena_alloc(em->a, sizeof(*ep));
		ep->p = p;
		bool skip;
		if (!place_probe(em, ep, &skip) || skip)
			continue;
		ep->index = em->probes.n;
		struct strbuf b;
		sb_init(&b);
		pp_format(&b, p->resolved_point);
		ep->pp = arena_strdup(em->a, b.s ? b.s : "");
		sb_free(&b);
		sb_init(&b);
		pp_format(&b, p->script_point ? p->script_point : p->resolved_point);
		ep->pn = arena_strdup(em->a, b.s ? b.s : "");
		sb_free(&b);
		ep->origin = em_loc_text(em, p->origin ? p->origin->loc : p->loc);
		ep->frame = arena_printf(em->a, "struct bfp%d", ep->index);
		if (ep->where == EM_CTX_KERNEL)
			em->has_kernel = true;
		vec_push(em->a, &em->probes, ep);
	}
}

/* ---- the call graph ---------------------------------------------------------- */

struct callee_walk {
	struct emitter *em;
	struct vec *out;
};

static void note_call(struct expr *e, void *ctx)
{
	struct callee_walk *w = ctx;
	if (e->kind != E_CALL || !e->func)
		return;
	struct em_func *f = em_func_of(w->em, e->func);
	if (!f)
		return;
	f->call_sites++;
	VEC_FOREACH(*w->out, i)
		if (VEC_AT(*w->out, i, struct em_func *) == f)
			return;
	vec_push(w->em->a, w->out, f);
}

static void collect_functions(struct emitter *em)
{
	VEC_FOREACH(em->s->prog.functions, i) {
		struct funcdecl *fd = VEC_AT(em->s->prog.functions, i, struct funcdecl *);
		struct em_func *f = arena_alloc(em->a, sizeof(*f));
		f->f = fd;
		f->index = i;
		f->cname = arena_printf(em->a, "bf%d_%s", i, ident(em->a, fd->name));
		f->frame = arena_printf(em->a, "struct bff%d", i);
		vec_push(em->a, &em->funcs, f);
	}
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		struct callee_walk w = {em, &f->callees};
		walk_stmt(f->f->body, note_call, &w);
	}
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		struct callee_walk w = {em, &p->callees};
		if (p->p->resolved_point)
			walk_expr(p->p->resolved_point->cond, note_call, &w);
		walk_stmt(p->p->body, note_call, &w);
	}
}

/* Mark what a half needs, and in kernel context a function that a cycle
 * of calls comes back to (every cycle has one): a located error where the
 * runtime has no recursion there. */
static void mark_reachable(struct emitter *em, struct em_func *f, enum em_ctx where)
{
	if (f->where & where) {
		if (where == EM_CTX_KERNEL && f->visiting && !f->recursive) {
			f->recursive = true;
			if (!em->rt->kernel_recursion)
				diag_error(f->f->loc, "recursive function '%s' cannot be called from a kernel-context "
					   "probe (%s has no recursion; --runtime=kmod has it)", f->f->name, em->rt->name);
		}
		return;
	}
	f->where |= where;
	f->visiting = true;
	VEC_FOREACH(f->callees, i)
		mark_reachable(em, VEC_AT(f->callees, i, struct em_func *), where);
	f->visiting = false;
}

/* Does the code reach a script's own embedded C (a function's body, or
 * %{ %} in a probe or function body), which is the kernel's C? */
struct script_c_walk {
	struct emitter *em;
	struct vec seen;            /* struct em_func* walked */
	bool found;
};

static bool reaches_script_c(struct script_c_walk *w, struct stmt *body, const struct vec *callees);

static enum ast_step script_c_stmt(struct stmt *s, void *ctx)
{
	struct script_c_walk *w = ctx;
	if (s->kind == S_EMBEDDED)
		w->found = true;
	return w->found ? AST_STOP : AST_DESCEND;
}

static enum ast_step script_c_expr(struct expr *e, void *ctx)
{
	struct script_c_walk *w = ctx;
	if (e->kind == E_EMBEDDED)
		w->found = true;
	return w->found ? AST_STOP : AST_DESCEND;
}

static bool reaches_script_c(struct script_c_walk *w, struct stmt *body, const struct vec *callees)
{
	struct ast_visitor v = {.stmt_pre = script_c_stmt, .expr_pre = script_c_expr, .ctx = w};
	ast_walk_stmt(&v, body);
	VEC_FOREACH(*callees, i) {
		struct em_func *f = VEC_AT(*callees, i, struct em_func *);
		if (w->found)
			break;
		bool seen = false;
		VEC_FOREACH(w->seen, k)
			seen = seen || VEC_AT(w->seen, k, struct em_func *) == f;
		if (seen || (f->f->file && f->f->file->is_tapset))
			continue;
		vec_push(w->em->a, &w->seen, f);
		if (f->f->embedded)
			w->found = true;
		else
			reaches_script_c(w, f->f->body, &f->callees);
	}
	return w->found;
}

/* A begin, end or error probe that reaches a script's embedded C runs in
 * the kernel where the runtime can call it there (invoked_probes): the C
 * is the kernel's, as in stap. Each such probe's place among the kernel
 * probes (the module's table) is its runner stub's argument; whether a
 * probe left in the runner (a timer) still reaches the script's C decides
 * where the top-level %{ %} blocks go. */
static void place_invoked_probes(struct emitter *em)
{
	if (!em->rt->invoked_probes || !em->s->guru)
		return;
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where != EM_CTX_RUNNER)
			continue;
		struct script_c_walk w = {.em = em};
		if (!reaches_script_c(&w, p->p->body, &p->callees))
			continue;
		if (p->at.kind != ATTACH_RUNNER) {
			em->runner_script_c = true;
			continue;
		}
		p->where = EM_CTX_KERNEL;
		p->invoked = true;
		em->has_kernel = true;
	}
	int slot = 0;
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		if (p->where == EM_CTX_KERNEL)
			p->kernel_slot = slot++;
	}
}

static void mark_halves(struct emitter *em)
{
	VEC_FOREACH(em->probes, i) {
		struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
		VEC_FOREACH(p->callees, k)
			mark_reachable(em, VEC_AT(p->callees, k, struct em_func *), p->where);
	}
}

/* ---- bodies --------------------------------------------------------------------- */

static void fn_init(struct em_fn *f, struct emitter *em)
{
	memset(f, 0, sizeof(*f));
	f->em = em;
	sb_init(&f->body);
	sb_init(&f->decls);
	sb_init(&f->frame);
	sb_init(&f->cbs);
	f->out = &f->body;
	f->indent = 1;
	f->errlabel = "out";
	f->rv = "rv";
}

static void fn_free(struct em_fn *f)
{
	sb_free(&f->body);
	sb_free(&f->decls);
	sb_free(&f->frame);
	sb_free(&f->cbs);
}

/* A kernel body with loops keeps its longs in the frame where loops are
 * callbacks (see em_fn). */
static void use_frame_for_loops(struct em_fn *f, const struct stmt *body)
{
	f->in_frame = em_in_kernel(f) && f->em->rt->loop_callbacks && em_has_loop(body);
}

/* The frame struct: variables, then temporaries. */
static void emit_frame_struct(struct em_fn *f, const char *name, struct strbuf *t)
{
	sb_printf(t, "%s {\n\tint64_t pad_;\n", name);
	VEC_FOREACH(f->locals, i) {
		struct vardecl *v = VEC_AT(f->locals, i, struct vardecl *);
		if (v->type == TY_STRING)
			sb_printf(t, "\tchar l_%s[MAXSTRINGLEN];\n", v->name);
		else if (f->in_frame)
			sb_printf(t, "\tint64_t l_%s;\n", v->name);
	}
	for (int i = 0; i < f->nforeach; i++)
		sb_printf(t, "\tvoid *fk%d;\n\tint64_t fn%d, fi%d;\n", i, i, i);
	if (f->frame.len)
		sb_putn(t, f->frame.s, f->frame.len);
	for (int i = 0; i < f->nstr_max; i++)
		sb_printf(t, "\tchar s%d[MAXSTRINGLEN];\n", i);
	for (int i = 0; i < f->ndbl_max; i++)
		sb_printf(t, "\tchar d%d[2 * MAXSTRINGLEN];\n", i);
	sb_puts(t, "};\n");
}

/* Zero the variables: stap's locals start as 0 and "". */
static void emit_locals_init(struct em_fn *f, int skip_params)
{
	VEC_FOREACH(f->locals, i) {
		struct vardecl *v = VEC_AT(f->locals, i, struct vardecl *);
		if (i < skip_params)
			continue;
		if (v->type == TY_STRING)
			em_line(f, "fr->l_%s[0] = 0;", v->name);
		else if (f->in_frame)
			em_line(f, "fr->l_%s = 0;", v->name);
		else
			sb_printf(&f->decls, "\tint64_t l_%s = 0;\n\t(void)l_%s;\n", v->name, v->name);
	}
}

static void emit_out_label(struct em_fn *f)
{
	sb_puts(f->out, "BTAP_UNUSED_LABEL(out)\n");
	for (int i = 0; i < f->nforeach; i++)
		em_line(f, "btap_foreach_free(fr->fk%d);", i);
}

static void push_locals(struct em_fn *f, struct vec *vars)
{
	VEC_FOREACH(*vars, i) {
		struct vardecl *v = VEC_AT(*vars, i, struct vardecl *);
		bool dup = false;
		VEC_FOREACH(f->locals, k)
			if (VEC_AT(f->locals, k, struct vardecl *) == v)
				dup = true;
		if (!dup)
			vec_push(f->em->a, &f->locals, v);
	}
}

static enum type func_ret(const struct funcdecl *fd)
{
	if (fd->ret == TY_UNKNOWN)
		return fd->embedded ? TY_VOID : TY_LONG;
	return fd->ret;
}

/* 1 + the longest chain of calls below f (a cycle counts as 64 deep). */
static int func_height(struct em_func *f, int depth)
{
	if (f->height || depth > 64)
		return f->height ? f->height : 64;
	int h = 0;
	VEC_FOREACH(f->callees, i) {
		int ch = func_height(VEC_AT(f->callees, i, struct em_func *), depth + 1);
		if (ch > h)
			h = ch;
	}
	f->height = h + 1;
	return f->height;
}

/* A call of its own rather than inlined (see em_runtime.call_max_params):
 * one copy of the code however many places call it, so a tapset helper
 * called twenty times is compiled once. A function called from one place
 * only stays inlined: nothing to share, and no call on the hot path. */
static bool func_is_call(struct emitter *em, struct em_func *f)
{
	int params = 2 + (func_ret(f->f) == TY_STRING) + f->f->params.n;
	return em->rt->call_max_params && f->call_sites > 1 && params <= em->rt->call_max_params &&
	       func_height(f, 0) <= em->rt->call_max_height;
}

static enum ast_step reads_kernel_types(struct expr *e, void *ctx)
{
	(void)ctx;
	/* (the '@' built-ins read registers and kernel constants) */
	bool typed = e->kind == E_TARGET || e->kind == E_TARGET_VARS || e->kind == E_CAST ||
		     e->kind == E_ATVAR || e->kind == E_ENTRY || e->kind == E_EMBEDDED ||
		     (e->kind == E_CALL && e->str && e->str[0] == '@');
	return typed ? AST_STOP : AST_DESCEND;
}

/* A tapset function in the script language that touches no kernel type
 * itself. Kernel types carry preserve_access_index, and clang refuses a
 * CO-RE access in a function without debug info; embedded C may hide one
 * in a runtime macro. */
static bool lib_func_without_types(const struct em_func *f)
{
	return f->f->file && f->f->file->is_tapset && !f->f->embedded &&
	       ast_walk_stmt(&(struct ast_visitor){.expr_pre = reads_kernel_types}, f->f->body);
}

static void func_signature(struct strbuf *b, struct emitter *em, struct em_func *f)
{
	enum type rt = func_ret(f->f);
	/* an inlined tapset function carries no debug info of its own: its
	 * code takes the line of the statement that called it (a verifier
	 * rejection names the script's line), and clang spends less on a
	 * syscall alias's argstr */
	const char *storage = func_is_call(em, f)	 ? "BTAP_FUNC_CALL"
			    : lib_func_without_types(f) ? "BTAP_LIB_FUNC"
							: "BTAP_FUNC";
	sb_printf(b, "%s %s %s(struct btap_ctx *c, char *sp", storage,
		  rt == TY_LONG ? "int64_t" : "void", f->cname);
	if (rt == TY_STRING)
		sb_puts(b, ", char *rs");
	VEC_FOREACH(f->f->params, i) {
		struct vardecl *v = VEC_AT(f->f->params, i, struct vardecl *);
		sb_printf(b, ", %s a_%s", v->type == TY_STRING ? "const char *" : "int64_t", v->name);
	}
	sb_puts(b, ")");
}

static struct strbuf *section_of(struct emitter *em, unsigned where)
{
	return where == (EM_CTX_KERNEL | EM_CTX_RUNNER) ? &em->common
	     : where == EM_CTX_KERNEL			 ? &em->kernel
							 : &em->runner;
}

static struct strbuf *protos_of(struct emitter *em, unsigned where)
{
	return where == (EM_CTX_KERNEL | EM_CTX_RUNNER) ? &em->common_protos
	     : where == EM_CTX_KERNEL			 ? &em->kernel_protos
							 : &em->runner_protos;
}

/* stap's version macros, which embedded C tests to pick the spelling of
 * its version (STAP_ARG_x, or THIS->x before 1.8): the stap version
 * --compatible names, 4.8 by default. */
static void emit_stap_version(struct emitter *em, struct strbuf *out)
{
	if (!em->s->guru)
		return;
	int major = 4, minor = 8;
	if (em->s->compatible) {
		/* "--compatible=4" means 4.0, as stap reads it. */
		int n = sscanf(em->s->compatible, "%d.%d", &major, &minor);
		if (n < 1)
			major = 4, minor = 8;
		else if (n == 1)
			minor = 0;
	}
	sb_printf(out, "#define STAP_VERSION(a, b) (((a) << 8) + (b))\n#define STAP_COMPAT_VERSION STAP_VERSION(%d, %d)\n\n",
		  major, minor);
}

/* Top-level %{ %} blocks (guru mode), verbatim in both halves: they may
 * test the runtime's build macros to say where they belong. Where the
 * runtime runs all of the script's C in the kernel (kmod, unless a timer
 * probe calls some), only in the kernel half: they are the kernel's C
 * (#include <linux/...>), as in stap. */
static void emit_toplevel_embeds(struct emitter *em, struct strbuf *out)
{
	bool kernel_only = em->s->prog.embeds.n && em->rt->invoked_probes && !em->runner_script_c;
	if (kernel_only)
		sb_printf(out, "#ifdef %s\n", em->rt->kernel_build);
	VEC_FOREACH(em->s->prog.embeds, i) {
		const struct embedded_block *eb = VEC_AT(em->s->prog.embeds, i, const struct embedded_block *);
		struct em_fn tmp;
		fn_init(&tmp, em);
		tmp.out = out;
		em_linedir(&tmp, eb->loc);
		fn_free(&tmp);
		sb_printf(out, "%s\n#line __BTAP_LINE__\n", eb->code ? eb->code : "");
	}
	if (kernel_only)
		sb_puts(out, "#endif\n");
}

static void emit_embedded_function(struct emitter *em, struct em_func *f, struct strbuf *out)
{
	enum type rt = func_ret(f->f);
	func_signature(out, em, f);
	sb_puts(out, "\n{\n");
	VEC_FOREACH(f->f->params, i) {
		struct vardecl *v = VEC_AT(f->f->params, i, struct vardecl *);
		sb_printf(out, "#define STAP_ARG_%s (a_%s)\n", v->name, v->name);
	}
	/* STAP_RETURN*() is the tapset's spelling; STAP_RETVALUE, assigned
	 * (or filled, for strings) by the body, the one scripts' embedded C uses */
	/* a result the tapset bounds (strmax) is copied a word at a time */
	int words = (f->f->ret_width + 7) / 8 * 8;
	if (rt == TY_STRING && f->f->ret_width > 0 && words <= 64 && words <= em->msl)
		sb_printf(out, "#define STAP_RETURN_STR(s_) do { btap_str_words(rs, (s_), %d); return; } while (0)\n"
			       "#define STAP_RETVALUE rs\n", words);
	else if (rt == TY_STRING)
		sb_puts(out, "#define STAP_RETURN_STR(s_) do { btap_str_copy(rs, (s_)); return; } while (0)\n"
			     "#define STAP_RETVALUE rs\n");
	else if (rt == TY_LONG)
		sb_puts(out, "#define STAP_RETURN(v_) return (v_)\n#define STAP_RETVALUE btap_retval\n"
			     "\tint64_t btap_retval = 0;\n");
	sb_puts(out, "\t(void)sp;\n");
	if (rt == TY_STRING)
		sb_puts(out, "\trs[0] = 0;\n");
	struct em_fn tmp;
	fn_init(&tmp, em);
	tmp.out = out;
	em_linedir(&tmp, f->f->loc);
	fn_free(&tmp);
	sb_printf(out, "\t%s\n", f->f->embedded);
	sb_puts(out, "#line __BTAP_LINE__\n");
	if (rt == TY_LONG)
		sb_puts(out, "\treturn btap_retval;\n");
	VEC_FOREACH(f->f->params, i) {
		struct vardecl *v = VEC_AT(f->f->params, i, struct vardecl *);
		sb_printf(out, "#undef STAP_ARG_%s\n", v->name);
	}
	sb_puts(out, rt == TY_STRING ? "#undef STAP_RETURN_STR\n#undef STAP_RETVALUE\n"
		     : rt == TY_LONG ? "#undef STAP_RETURN\n#undef STAP_RETVALUE\n" : "");
	sb_puts(out, "}\n\n");
}

static void emit_script_function(struct emitter *em, struct em_func *f, struct strbuf *out)
{
	struct em_fn fn;
	fn_init(&fn, em);
	fn.func = f;
	fn.where = f->where;
	push_locals(&fn, &f->f->params);
	push_locals(&fn, &f->f->locals);
	use_frame_for_loops(&fn, f->f->body);
	enum type rt = func_ret(f->f);
	if (fn.in_frame && rt == TY_LONG) {
		fn.rv = "fr->rv_";
		sb_puts(&fn.frame, "\tint64_t rv_;\n");
		em_line(&fn, "fr->rv_ = 0;");
	}
	int site = em_site(em, f->f->loc, arena_printf(em->a, "identifier '%s'", f->f->name));
	if (rt == TY_STRING)
		em_line(&fn, "rs[0] = 0;");
	VEC_FOREACH(f->f->params, i) {
		struct vardecl *v = VEC_AT(f->f->params, i, struct vardecl *);
		if (v->type == TY_STRING)
			em_line(&fn, "btap_str_copy(fr->l_%s, a_%s);", v->name, v->name);
		else if (fn.in_frame)
			em_line(&fn, "fr->l_%s = a_%s;", v->name, v->name);
		else
			sb_printf(&fn.decls, "\tint64_t l_%s = a_%s;\n\t(void)l_%s;\n", v->name, v->name, v->name);
	}
	emit_locals_init(&fn, f->f->params.n);
	em_line(&fn, "if (!btap_nest_enter(c, %d))", site);
	em_line(&fn, "\tgoto out;");
	em_stmt(&fn, f->f->body);
	emit_out_label(&fn);
	em_line(&fn, "btap_nest_leave(c);");
	if (rt == TY_LONG)
		em_line(&fn, "return %s;", fn.rv);

	emit_frame_struct(&fn, f->frame, &em->types);
	sb_putn(out, fn.cbs.s ? fn.cbs.s : "", fn.cbs.len);
	func_signature(out, em, f);
	sb_puts(out, "\n{\n");
	struct em_fn hdr;
	fn_init(&hdr, em);
	hdr.out = out;
	em_linedir(&hdr, f->f->loc);
	fn_free(&hdr);
	sb_printf(out, "\tBTAP_FRAME(%s)\n", f->frame);
	if (rt == TY_LONG && !fn.in_frame)
		sb_puts(out, "\tint64_t rv = 0;\n");
	sb_putn(out, fn.decls.s ? fn.decls.s : "", fn.decls.len);
	sb_putn(out, fn.body.s ? fn.body.s : "", fn.body.len);
	sb_puts(out, "}\n#line __BTAP_LINE__\n\n");
	fn_free(&fn);
}

static void emit_functions(struct emitter *em)
{
	VEC_FOREACH(em->funcs, i) {
		struct em_func *f = VEC_AT(em->funcs, i, struct em_func *);
		if (!f->where)
			continue;
		struct strbuf *protos = protos_of(em, f->where);
		func_signature(protos, em, f);
		sb_puts(protos, ";\n");
		struct strbuf *out = section_of(em, f->where);
		if (f->f->embedded)
			emit_embedded_function(em, f, out);
		else
			emit_script_function(em, f, out);
		if (f->f->embedded)
			sb_printf(&em->types, "%s {\n\tint64_t pad_;\n};\n", f->frame);
	}
}

/* A probe's frame struct and code, its own names tagged (emit_share.c),
 * kept until every body is known. */
static void emit_probe_body(struct emitter *em, struct em_probe *ep)
{
	const char *frame = ep->frame;
	ep->frame = "struct bfp" EM_PROBE_TAG;
	struct em_fn fn;
	fn_init(&fn, em);
	fn.probe = ep;
	fn.where = ep->where;
	push_locals(&fn, &ep->p->locals);
	use_frame_for_loops(&fn, ep->p->body);
	emit_locals_init(&fn, 0);
	struct expr *cond = ep->p->resolved_point ? ep->p->resolved_point->cond : NULL;
	if (cond) {
		em_linedir(&fn, cond->loc);
		const char *v = em_to_long(&fn, cond);
		em_line(&fn, "if (!(%s))", v);
		em_line(&fn, "\tgoto out;");
		fn.nstr = fn.ndbl = 0;
	}
	em_stmt(&fn, ep->p->body);
	emit_out_label(&fn);

	struct strbuf t;
	sb_init(&t);
	emit_frame_struct(&fn, ep->frame, &t);
	ep->types_text = arena_strdup(em->a, t.s ? t.s : "");
	sb_free(&t);
	struct strbuf *out = &t;
	sb_init(out);
	sb_putn(out, fn.cbs.s ? fn.cbs.s : "", fn.cbs.len);
	sb_puts(out, "BTAP_FUNC void bb" EM_PROBE_TAG "(struct btap_ctx *c, char *sp)\n{\n");
	struct em_fn hdr;
	fn_init(&hdr, em);
	hdr.out = out;
	em_linedir(&hdr, ep->p->loc);
	fn_free(&hdr);
	sb_printf(out, "\tBTAP_FRAME(%s)\n", ep->frame);
	sb_putn(out, fn.decls.s ? fn.decls.s : "", fn.decls.len);
	sb_putn(out, fn.body.s ? fn.body.s : "", fn.body.len);
	sb_puts(out, "}\n#line __BTAP_LINE__\n\n");
	ep->code_text = arena_strdup(em->a, out->s);
	sb_free(out);
	fn_free(&fn);
	ep->frame = frame;
}

/* The probe's code with its names, then its entry; a probe that runs
 * another's program has neither. */
static void write_probe(struct emitter *em, struct em_probe *ep)
{
	struct strbuf *out = section_of(em, ep->where);
	if (ep->rep) {
		sb_printf(out, "/* %s at %s: runs bp%d */\n\n", ep->pp, ep->origin, ep->rep->index);
		return;
	}
	em_put_tagged(&em->types, ep->types_text, ep->index);
	sb_printf(out, "/* %s at %s */\n", ep->pp, ep->origin);
	em_put_tagged(out, ep->code_text, ep->index);
	if (ep->where == EM_CTX_KERNEL) {
		em->rt->probe_entry(em, ep, out);
	}
	if (ep->invoked) {
		/* the runner's turn for it: the kernel half's point of the same
		 * place among the kernel probes (the module's table) */
		sb_printf(section_of(em, EM_CTX_RUNNER), "static void br%d(void) { btap_run_in_kernel(%d); }\n\n",
			  ep->index, ep->kernel_slot);
	} else if (ep->where != EM_CTX_KERNEL) {
		sb_printf(out, "static void br%d(void)\n{\n", ep->index);
		sb_puts(out, "\tstruct btap_ctx c;\n");
		bool interruptible = ep->kind == BTAP_PROBE_BEGIN || ep->kind == BTAP_PROBE_END || ep->kind == BTAP_PROBE_ERROR;
		sb_printf(out, "\tbtap_user_enter(&c, %d, %d);\n", ep->index, interruptible);
		sb_printf(out, "\tbb%d(&c, 0);\n", ep->index);
		sb_puts(out, "\tbtap_user_leave(&c);\n}\n\n");
	}
}

/* ---- the pieces around the bodies --------------------------------------------- */

static void emit_globals_struct(struct emitter *em, struct strbuf *b)
{
	sb_puts(b, "struct bg_globals {\n\tstruct btap_globals_hdr hdr;\n");
	VEC_FOREACH(em->globals, i) {
		struct em_global *g = VEC_AT(em->globals, i, struct em_global *);
		if (!g->cname)
			continue;
		if (g->v->type == TY_STRING)
			sb_printf(b, "\tchar %s[MAXSTRINGLEN];\n", g->cname);
		else
			sb_printf(b, "\tint64_t %s;\n", g->cname);
	}
	sb_puts(b, "};\n#define BG(c) ((struct bg_globals *)(c)->globals)\n\n");
}

static void emit_key_structs(struct emitter *em, struct strbuf *b)
{
	VEC_FOREACH(em->maps, i) {
		struct em_map *m = VEC_AT(em->maps, i, struct em_map *);
		sb_printf(b, "%s {\n", m->key_type);
		if (m->nkeys == 0)
			sb_puts(b, "\tuint32_t k0;\n");
		for (int k = 0; k < m->nkeys; k++) {
			if (m->v->key_types[k] == TY_STRING)
				sb_printf(b, "\tchar k%d[%d] __attribute__((aligned(8)));\n", k,
					  m->key_width[k] > 0 ? (m->key_width[k] + 7) / 8 * 8 : 8);
			else
				sb_printf(b, "\tint64_t k%d;\n", k);
		}
		sb_puts(b, "};\n");
	}
	sb_puts(b, "\n");
}

/* probe_type(): stap's name for the kind of handler a probe runs in, by
 * the point (the handlers themselves may differ: a kernel function on
 * fentry is still "kprobe", a timer in the runner still "hrtimer"). */
static const char *probe_type_name(const struct em_probe *ep)
{
	const struct attach *at = &ep->at;
	switch (at->kind) {
	case ATTACH_RUNNER: return "begin_end";
	case ATTACH_TIMER: return !strncmp(ep->pp, "timer.jiffies", 13) ? "timer" : "hrtimer";
	case ATTACH_TRACEPOINT:
	case ATTACH_RAW_TRACEPOINT: return at->filter != ATTACH_FILTER_NONE ? "utrace" : "kernel_tracepoint";
	case ATTACH_PERF_EVENT:
		return at->perf.bp_type ? "hardware_data_breakpoint"
		       : !strncmp(ep->pp, "timer.profile", 13) ? "profile_timer" : "perf_event";
	case ATTACH_KPROBE: return at->kprobe.ret ? "kretprobe" : "kprobe";
	case ATTACH_UPROBE: return at->uprobe.ret ? "uretprobe" : "uprobe";
	case ATTACH_PROCFS: return "procfs";
	case ATTACH_NETFILTER: return "netfilter";
	default: return "";
	}
}

/* btap_pp() and btap_pn(): the running probe's point, resolved and as the
 * script names it; btap_probe_type(), its kind. */
static void emit_pp_function(struct emitter *em, struct strbuf *b)
{
	const char **pp = arena_alloc(em->a, sizeof(*pp) * (size_t)(em->probes.n ? em->probes.n : 1));
	const char **pn = arena_alloc(em->a, sizeof(*pn) * (size_t)(em->probes.n ? em->probes.n : 1));
	VEC_FOREACH(em->probes, i) {
		pp[i] = VEC_AT(em->probes, i, struct em_probe *)->pp;
		pn[i] = VEC_AT(em->probes, i, struct em_probe *)->pn;
	}
	em_probe_table(em, b, "btap_pp", pp);
	sb_puts(b, "static BTAP_INLINE char *btap_pp_(struct btap_ctx *c)\n{\n\treturn btap_pp_tab_(c, c->tmp);\n}\n\n");
	em_probe_table(em, b, "btap_pn", pn);
	sb_puts(b, "static BTAP_INLINE char *btap_pn_(struct btap_ctx *c)\n{\n\treturn btap_pn_tab_(c, c->tmp);\n}\n\n");
	if (em_any_uses(em, "btap_probe_type(")) {
		const char **ty = arena_alloc(em->a, sizeof(*ty) * (size_t)(em->probes.n ? em->probes.n : 1));
		VEC_FOREACH(em->probes, i)
			ty[i] = probe_type_name(VEC_AT(em->probes, i, struct em_probe *));
		em_probe_table(em, b, "btap_probe_type", ty);
		sb_puts(b, "static BTAP_INLINE char *btap_probe_type_(struct btap_ctx *c)\n{\n"
			   "\treturn btap_probe_type_tab_(c, c->tmp);\n}\n\n");
	}
}

/* The perf counters @perf reads, when the program reads any: the
 * runtime opens each on every CPU (btap_perf_counter(k)). */
bool em_perf_counters(struct emitter *em)
{
	return em->s->perf_counters.n > 0 && em_any_uses(em, "btap_perf_counter(");
}

static int emit_perf_counter_table(struct emitter *em, struct strbuf *b)
{
	if (!em_perf_counters(em))
		return 0;
	sb_puts(b, "static const struct btap_perf_counter_desc btap_perf_counter_descs[] = {\n");
	VEC_FOREACH(em->s->perf_counters, i) {
		const struct perf_counter *pc = VEC_AT(em->s->perf_counters, i, const struct perf_counter *);
		const char *origin = em_loc_text(em, pc->loc);
		sb_puts(b, "\t{.name = ");
		em_c_string(b, pc->name, strlen(pc->name));
		sb_puts(b, ", .origin = ");
		em_c_string(b, origin, strlen(origin));
		sb_printf(b, ", .type = %" PRIu32 ", .config = %" PRIu64 "ull, .declared = %d},\n", pc->type,
			  pc->config, pc->expanded ? 1 : 0);
	}
	sb_puts(b, "};\n");
	return em->s->perf_counters.n;
}

static void emit_init_globals(struct emitter *em, struct strbuf *b)
{
	sb_puts(b, "static void btap_init_globals(void *gp)\n{\n\tstruct bg_globals *g = gp;\n\t(void)g;\n");
	VEC_FOREACH(em->globals, i) {
		struct em_global *g = VEC_AT(em->globals, i, struct em_global *);
		struct expr *init = g->v->init;
		if (!g->cname || !init)
			continue;
		if (init->kind == E_STR) {
			size_t n;
			char *txt = em_decode_str(em->a, init->str, &n);
			if (n > (size_t)em->msl - 1)
				n = (size_t)em->msl - 1;
			sb_printf(b, "\tsnprintf(g->%s, MAXSTRINGLEN, \"%%s\", ", g->cname);
			em_c_string(b, txt, n);
			sb_puts(b, ");\n");
		} else if (init->kind == E_NUM) {
			sb_printf(b, "\tg->%s = (int64_t)%" PRIu64 "ull;\n", g->cname, (uint64_t)init->num);
		} else if (init->kind == E_UNARY && init->operand && init->operand->kind == E_NUM) {
			int64_t v = init->op && init->op[0] == '-' ? -init->operand->num : init->operand->num;
			sb_printf(b, "\tg->%s = (int64_t)%" PRIu64 "ull;\n", g->cname, (uint64_t)v);
		} else {
			diag_error(init->loc, "global initializer must be a literal");
		}
	}
	sb_puts(b, "}\n\n");
}

static const char *btap_type(enum type t)
{
	return t == TY_STRING ? "BTAP_T_STRING" : t == TY_STATS ? "BTAP_T_STATS" : "BTAP_T_LONG";
}

/* The user's globals, for the runner's readers (JSON dump, metrics). */
static int emit_global_table(struct emitter *em, struct strbuf *b)
{
	const struct stapfile *uf = em->s->user_file;
	int n = 0;
	VEC_FOREACH(em->globals, i) {
		struct em_global *g = VEC_AT(em->globals, i, struct em_global *);
		bool library = !uf || g->v->file != uf->src;
		/* a tapset's map stays out: -G sets scalars only */
		if (library && (g->map || !g->v->file))
			continue;
		sb_puts(b, n++ ? "\t{" : "static const struct btap_global_desc btap_globals_desc[] = {\n\t{");
		em_c_string(b, g->v->name, strlen(g->v->name));
		sb_printf(b, ", %s, ", btap_type(g->v->type));
		if (g->map)
			sb_printf(b, "%d, 0", g->map->id);
		else
			sb_printf(b, "-1, offsetof(struct bg_globals, %s)", g->cname);
		sb_printf(b, ", %d, %d},\n", g->v->displayed && !library ? 1 : 0, library ? 1 : 0);
	}
	if (n)
		sb_puts(b, "};\n");
	return n;
}

static void emit_descriptor(struct emitter *em, struct strbuf *b)
{
	if (em->formats.n) {
		sb_puts(b, "static const char *const btap_formats[] = {\n");
		VEC_FOREACH(em->formats, i) {
			const char *f = VEC_AT(em->formats, i, const char *);
			sb_puts(b, "\t");
			em_c_string(b, f, strlen(f));
			sb_puts(b, ",\n");
		}
		sb_puts(b, "};\n");
	}
	if (em->sites.n) {
		sb_puts(b, "static const struct btap_error_site btap_sites[] = {\n");
		VEC_FOREACH(em->sites, i) {
			struct em_site *s = VEC_AT(em->sites, i, struct em_site *);
			sb_puts(b, "\t{");
			em_c_string(b, s->loc, strlen(s->loc));
			sb_puts(b, ", ");
			em_c_string(b, s->what, strlen(s->what));
			sb_puts(b, "},\n");
		}
		sb_puts(b, "};\n");
	}
	if (em->maps.n) {
		sb_puts(b, "static const struct btap_map_desc btap_maps[] = {\n");
		VEC_FOREACH(em->maps, i) {
			struct em_map *m = VEC_AT(em->maps, i, struct em_map *);
			sb_puts(b, "\t{.name = ");
			em_c_string(b, m->v->name, strlen(m->v->name));
			sb_printf(b, ", .nkeys = %d,\n\t .key_types = {", m->nkeys);
			for (int k = 0; k < m->nkeys; k++)
				sb_printf(b, "%s%s", k ? ", " : "", btap_type(m->v->key_types[k]));
			sb_puts(b, "},\n\t .key_offsets = {");
			for (int k = 0; k < m->nkeys; k++)
				sb_printf(b, "%soffsetof(%s, k%d)", k ? ", " : "", m->key_type, k);
			sb_printf(b, "},\n\t .key_size = sizeof(%s), .value_type = %s, .value_size = %d,\n",
				  m->key_type, btap_type(m->v->type),
				  m->stats ? em_stats_value_size(m) : m->v->type == TY_STRING ? em->msl : 8);
			sb_printf(b, "\t .max_entries = %" PRId64 ", .wrap = %d, .percpu = %d, .hist_kind = %d,\n",
				  m->max_entries, m->v->wrap ? 1 : 0, m->stats ? 1 : 0, m->hist_kind);
			sb_printf(b, "\t .hist_start = %" PRId64 ", .hist_stop = %" PRId64
				  ", .hist_interval = %" PRId64 ", .bit_shift = %d",
				  m->hist_start, m->hist_stop, m->hist_interval, m->bit_shift);
			em->rt->describe_map(em, m, b);
			sb_puts(b, "},\n");
		}
		sb_puts(b, "};\n");
	}
	static const char *const kinds[] = {"", "BTAP_PROBE_BEGIN", "BTAP_PROBE_END", "BTAP_PROBE_ERROR",
					    "BTAP_PROBE_TIMER", "BTAP_PROBE_TRACEPOINT", "BTAP_PROBE_PERF",
					    "BTAP_PROBE_RAW_TP", "BTAP_PROBE_KFUNC", "BTAP_PROBE_UPROBE",
					    "BTAP_PROBE_PROCFS_READ", "BTAP_PROBE_PROCFS_WRITE",
					    "BTAP_PROBE_NETFILTER"};
	if (em->probes.n) {
		sb_puts(b, "static const struct btap_probe_desc btap_probes[] = {\n");
		VEC_FOREACH(em->probes, i) {
			struct em_probe *p = VEC_AT(em->probes, i, struct em_probe *);
			sb_printf(b, "\t{.kind = %s, .pp = ", kinds[p->kind]);
			em_c_string(b, p->pp, strlen(p->pp));
			sb_puts(b, ", .origin = ");
			em_c_string(b, p->origin, strlen(p->origin));
			sb_printf(b, ", .priority = %" PRId64 ",\n\t ", p->at.runner.priority);
			if (p->where == EM_CTX_KERNEL && !p->invoked) {
				em->rt->describe_probe(em, p, b);
				/* the tasks it sifts by, which the runner finds */
				if (p->at.filter == ATTACH_FILTER_PROCESS_RUNNING)
					sb_printf(b, ", .running = 1, .running_pid = %" PRId64, p->at.pid);
				if (p->at.exe_path) {
					sb_puts(b, ", .exe_path = ");
					em_c_string(b, p->at.exe_path, strlen(p->at.exe_path));
				}
			} else
				sb_printf(b, ".run = br%d, .period_ns = %" PRIu64 ", .randomize_ns = %" PRIu64,
					  p->index, p->at.timer.period_ns, p->at.timer.randomize_ns);
			if (p->at.kind == ATTACH_NETFILTER)
				sb_printf(b, ", .nf_pf = %d, .nf_hook = %d, .nf_priority = %d", p->at.netfilter.pf,
					  p->at.netfilter.hook, p->at.netfilter.priority);
			if (p->at.kind == ATTACH_PROCFS) {
				sb_puts(b, ", .procfs_name = ");
				em_c_string(b, p->at.procfs.name, strlen(p->at.procfs.name));
				sb_printf(b, ", .procfs_maxsize = %" PRIu64, p->at.procfs.maxsize);
			}
			const struct probe *src = p->p->origin ? p->p->origin : p->p;
			if (src->displays)
				sb_puts(b, ", .display = 1");
			sb_puts(b, "},\n");
		}
		sb_puts(b, "};\n");
	}
	int nglobals = emit_global_table(em, b);
	int ncounters = emit_perf_counter_table(em, b);
	emit_init_globals(em, b);
	sb_puts(b, "static void btap_bind(const struct btap_runner_ops *ops)\n{\n\tbtap_ops = ops;\n}\n\n");
	sb_puts(b, "BTAP_EXPORT const struct btap_program btap_program = {\n");
	sb_puts(b, "\t.abi = BTAP_ABI_VERSION,\n\t.maxstringlen = MAXSTRINGLEN,\n");
	sb_printf(b, "\t.maxmapentries = %" PRId64 ",\n", em->maxmapentries);
	sb_printf(b, "\t.probes = %s, .nprobes = %d,\n", em->probes.n ? "btap_probes" : "0", em->probes.n);
	sb_printf(b, "\t.formats = %s, .nformats = %d,\n", em->formats.n ? "btap_formats" : "0",
		  em->formats.n);
	sb_printf(b, "\t.maps = %s, .nmaps = %d,\n", em->maps.n ? "btap_maps" : "0", em->maps.n);
	sb_printf(b, "\t.error_sites = %s, .nerror_sites = %d,\n", em->sites.n ? "btap_sites" : "0",
		  em->sites.n);
	sb_puts(b, "\t.globals_size = sizeof(struct bg_globals),\n");
	sb_puts(b, "\t.init_globals = btap_init_globals,\n\t.bind = btap_bind,\n");
	sb_printf(b, "\t.globals = %s, .nglobals = %d,\n", nglobals ? "btap_globals_desc" : "0",
		  nglobals);
	if (em->s->module_name) /* module_name_ok(): letters, digits and '_' */
		sb_printf(b, "\t.module_name = \"%s\",\n", em->s->module_name);
	if (ncounters)
		sb_printf(b, "\t.perf_counters = btap_perf_counter_descs, .nperf_counters = %d,\n", ncounters);
	em->rt->describe_program(em, b);
	sb_puts(b, "};\n");
}

/* #line __BTAP_LINE__ -> the line that follows, in the generated file. */
static void fix_line_resets(struct strbuf *c, const char *gen_name)
{
	struct strbuf out;
	sb_init(&out);
	int line = 1;
	const char *p = c->s;
	const char *marker = "#line __BTAP_LINE__\n";
	size_t mlen = strlen(marker);
	while (p && *p) {
		const char *nl = strchr(p, '\n');
		size_t n = nl ? (size_t)(nl - p + 1) : strlen(p);
		if (n == mlen && strncmp(p, marker, mlen) == 0)
			sb_printf(&out, "#line %d \"%s\"\n", line + 1, gen_name);
		else
			sb_putn(&out, p, n);
		line++;
		p += n;
	}
	sb_free(c);
	*c = out;
}

static void emit_defines(struct emitter *em, struct strbuf *b)
{
	bool has_msl = false;
	VEC_FOREACH(em->s->defines, i) {
		const char *d = VEC_AT(em->s->defines, i, const char *);
		const char *eq = strchr(d, '=');
		size_t n = eq ? (size_t)(eq - d) : strlen(d);
		bool ok = n > 0 && !isdigit((unsigned char)d[0]);
		for (size_t k = 0; k < n; k++)
			if (!isalnum((unsigned char)d[k]) && d[k] != '_')
				ok = false;
		if (!ok) {
			diag_plain_error("invalid -D definition '%s'", d);
			continue;
		}
		if (n == 12 && strncmp(d, "MAXSTRINGLEN", 12) == 0)
			has_msl = true;
		sb_printf(b, "#define %.*s %s\n", (int)n, d, eq ? eq + 1 : "1");
	}
	if (!has_msl)
		sb_printf(b, "#define MAXSTRINGLEN %d\n", em->msl);
	if (em_perf_counters(em))
		sb_printf(b, "#define BTAP_PERF_COUNTERS %d\n", em->s->perf_counters.n);
}

static bool emitter_setup(struct emitter *em, struct session *s, const struct em_runtime *rt)
{
	memset(em, 0, sizeof(*em));
	em->s = s;
	em->rt = rt;
	em->a = &s->arena;
	int64_t v;
	em->msl = EM_DEFAULT_MSL;
	if (define_value(s, "MAXSTRINGLEN", &v)) {
		if (v < 16 || v > 4096) {
			diag_plain_error("MAXSTRINGLEN must be between 16 and 4096");
			return false;
		}
		em->msl = (int)v;
	}
	em->maxmapentries = EM_DEFAULT_MAXMAPENTRIES;
	if (define_value(s, "MAXMAPENTRIES", &v) && v > 0)
		em->maxmapentries = v;
	sb_init(&em->types);
	sb_init(&em->common);
	sb_init(&em->kernel);
	sb_init(&em->runner);
	sb_init(&em->kernel_protos);
	sb_init(&em->runner_protos);
	sb_init(&em->common_protos);
	return true;
}

static void emitter_free(struct emitter *em)
{
	sb_free(&em->types);
	sb_free(&em->common);
	sb_free(&em->kernel);
	sb_free(&em->runner);
	sb_free(&em->kernel_protos);
	sb_free(&em->runner_protos);
	sb_free(&em->common_protos);
}

static void put(struct strbuf *b, const struct strbuf *x)
{
	if (x->len)
		sb_putn(b, x->s, x->len);
}

bool emit_program(struct session *s, const struct em_runtime *rt, struct emit_result *out)
{
	memset(out, 0, sizeof(*out));
	sb_init(&out->c);
	out->runtime_dir = paths_runtime_dir();
	out->src_name = s->script_path ? s->script_path : "<input>";

	int errors0 = diag_error_count();
	struct emitter em;
	if (!emitter_setup(&em, s, rt))
		return false;
	layout_globals(&em);
	em_compute_widths(&em);
	VEC_FOREACH(s->prog.probes, i) {
		struct probe *p = VEC_AT(s->prog.probes, i, struct probe *);
		walk_stmt(p->body, note_stats_use, &em);
	}
	VEC_FOREACH(s->prog.functions, i)
		walk_stmt(VEC_AT(s->prog.functions, i, struct funcdecl *)->body, note_stats_use, &em);
	collect_probes(&em);
	collect_functions(&em);
	place_invoked_probes(&em);
	mark_halves(&em);
	em_regex_check_kernel(&em);
	VEC_FOREACH(em.maps, i) {
		struct em_map *m = VEC_AT(em.maps, i, struct em_map *);
		int size = m->stats ? em_stats_value_size(m) : 0;
		int key = 8;
		for (int k = 0; k < m->nkeys; k++)
			key += m->v->key_types[k] == TY_STRING ? (m->key_width[k] + 7) / 8 * 8 : 8;
		if (size > em.stat_zero_size)
			em.stat_zero_size = size;
		if (key > em.stat_zero_size)
			em.stat_zero_size = key;
	}
	emit_functions(&em);
	VEC_FOREACH(em.probes, i)
		emit_probe_body(&em, VEC_AT(em.probes, i, struct em_probe *));
	em_share_programs(&em);
	VEC_FOREACH(em.probes, i)
		write_probe(&em, VEC_AT(em.probes, i, struct em_probe *));

	/* The runtime's prelude (kernel types and headers) only for a unit
	 * that is otherwise right. */
	struct strbuf prelude;
	sb_init(&prelude);
	if (diag_error_count() != errors0 || !rt->prelude(&em, &prelude)) {
		sb_free(&prelude);
		emitter_free(&em);
		return false;
	}

	struct strbuf *b = &out->c;
	const char *gen = "btap-generated.c";
	sb_printf(b, "/* Generated by btap from %s. Build with %s. */\n", out->src_name, rt->build_note);
	emit_defines(&em, b);
	rt->defines(&em, b);
	sb_printf(b, "#define BTAP_ZERO_SIZE %d\n", em.stat_zero_size > 8 ? em.stat_zero_size : 8);
	int mask = 1;
	while (mask < em.msl + 8)
		mask <<= 1;
	sb_printf(b, "#define BTAP_STRMASK %d\n", mask - 1);
	sb_printf(b, "#ifdef %s\n", rt->kernel_build);
	put(b, &prelude);
	sb_free(&prelude);
	sb_puts(b, "#else\n#include \"user/btap_user.h\"\n#endif\n\n");
	sb_puts(b, "#define BTAP_MAX0(a, b) ((a) > (b) ? (a) : (b))\n\n");
	emit_stap_version(&em, b);
	emit_toplevel_embeds(&em, b);
	emit_globals_struct(&em, b);
	emit_key_structs(&em, b);
	put(b, &em.types);
	sb_puts(b, "\n");
	/* Maps come before any code: functions shared by both halves use
	 * them too. */
	sb_printf(b, "#ifdef %s\n", rt->kernel_build);
	rt->declare_maps(&em, b);
	sb_puts(b, "#endif\n");
	emit_pp_function(&em, b);
	em_probe_str_functions(&em, b);
	em_regex_tables(&em, b);
	em_task_layout(&em, b);
	put(b, &em.common_protos);
	sb_puts(b, "\n");
	put(b, &em.common);
	sb_printf(b, "#ifdef %s\n", rt->kernel_build);
	put(b, &em.kernel_protos);
	put(b, &em.kernel);
	sb_printf(b, "#else /* %s */\n", rt->runner_build);
	put(b, &em.runner_protos);
	put(b, &em.runner);
	emit_descriptor(&em, b);
	sb_puts(b, "#endif\n");
	fix_line_resets(b, gen);

	out->has_kernel = em.has_kernel;
	out->runner_kernel_layout = em.runner_kernel_layout;
	out->nprobes = em.probes.n;
	emitter_free(&em);
	return diag_error_count() == errors0;
}

void emit_result_free(struct emit_result *out)
{
	sb_free(&out->c);
}
