/* process("PATH") probes on user-space code, through uprobes:
 *   process("PATH").function("NAME[@FILE[:LINE]]")[.call|.return]
 *   process("PATH").function(ADDR)[.return], process("PATH").statement(ADDR)
 *   process("PATH")[.provider("P")].mark("NAME")
 *   process("EXE").library("LIB").function(...) / .mark(...)
 *   process(PID).… (that process only), process.… (the -c or -x target)
 * NAME, P and the mark name take '*' and '?' wildcards. PATH is resolved
 * as stap resolves it (ubin_resolve_path); functions, marks and variables
 * come from the binary's catalog (ubin.h). A concrete point is one site:
 * its usite hangs on the point's function/mark/statement argument. */
#include "provider_uprobe.h"
#include "kernel_dwarf.h"

#include "provider.h"

#include <fnmatch.h>
#include <inttypes.h>
#include <glob.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const struct pp_component *comp_at(const struct probe_point *pp, int i)
{
	return i >= 0 && i < pp->comps.n ? VEC_AT(pp->comps, i, const struct pp_component *) : NULL;
}

static bool named(const struct pp_component *c, const char *name)
{
	return c && c->name && strcmp(c->name, name) == 0;
}

static bool is_site_kind(const struct pp_component *c)
{
	return named(c, "function") || named(c, "statement") || named(c, "mark") || named(c, "plt");
}

/* The parts of a point, in stap's order. */
struct upoint {
	const struct pp_component *proc, *lib, *prov, *kind, *suffix, *extra;
};

static bool split_point(const struct probe_point *pp, struct upoint *u)
{
	memset(u, 0, sizeof(*u));
	int i = 0;
	u->proc = comp_at(pp, i++);
	if (named(comp_at(pp, i), "library"))
		u->lib = comp_at(pp, i++);
	if (named(comp_at(pp, i), "provider"))
		u->prov = comp_at(pp, i++);
	if (!is_site_kind(comp_at(pp, i)))
		return false;
	u->kind = comp_at(pp, i++);
	u->suffix = comp_at(pp, i++);
	u->extra = comp_at(pp, i);
	return true;
}

static bool uprobe_claims(const struct probe_point *pp)
{
	struct upoint u;
	const char *n0 = pp_comp_name(pp, 0), *n1 = pp_comp_name(pp, 1);
	if (n0 && (!strcmp(n0, "kernel") || !strcmp(n0, "module")) && n1 && !strcmp(n1, "statement"))
		return split_point(pp, &u); /* lines of the kernel or a module, from its debuginfo */
	return n0 && pp_glob_match(n0, "process") && split_point(pp, &u);
}

/* kernel.statement(...), module("M").statement(...): a point in the
 * kernel, not in a process */
static bool is_kernel(const struct upoint *u)
{
	return named(u->proc, "kernel") || named(u->proc, "module");
}

/* module("M")'s name, else NULL (the kernel's, or a process's). */
static const char *module_name(const struct upoint *u)
{
	return named(u->proc, "module") && u->proc->arg && u->proc->arg->kind == E_STR ? u->proc->arg->str : NULL;
}

/* A site of u's: where a kprobe goes when u is the kernel's or a module's. */
static void site_of_point(struct usite *site, const struct upoint *u)
{
	site->kernel = is_kernel(u);
	site->kmodule = module_name(u);
}

/* A pass-2 error, unless @defined is only asking. */
static void quiet_error(struct session *s, struct loc at, const char *fmt, const char *a1, const char *a2)
{
	if (!s->quiet_targets)
		diag_error(at, fmt, a1, a2);
}

/* ---- which binary -------------------------------------------------------- */

/* The -c command's program, as the runner will run it. */
static char *command_program(struct session *s, const char **why)
{
	const char *p = s->command;
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strcspn(p, " \t\n;|&<>()$`'\"\\");
	if (!n || (p[n] && strchr(";|&<>()$`'\"\\", p[n]))) {
		*why = "the -c command is not a plain program and arguments";
		return NULL;
	}
	char *word = strndup(p, n);
	char *path = ubin_resolve_path(word, why);
	free(word);
	return path;
}

/* The binary a point's process part names, and which processes it covers:
 * a malloc'd path, or NULL (reported). */
/* An error about the binary, unless the point is optional ('?'): a
 * program that is not there then just adds no probe. */
#define BERR(...) do { if (!quiet) diag_error(__VA_ARGS__); } while (0)

static char *binary_of(struct session *s, const struct upoint *u, int *pid, bool quiet)
{
	const struct pp_component *c = u->proc;
	const char *why = NULL;
	char *path = NULL;
	*pid = USITE_ANY_PID;
	if (!c->arg) {
		*pid = USITE_TARGET_PID;
		if (s->command) {
			path = command_program(s, &why);
		} else if (s->target_pid > 0) {
			char link[64];
			snprintf(link, sizeof link, "/proc/%d/exe", s->target_pid);
			path = realpath(link, NULL);
			why = "it cannot be read from /proc (is the process running?)";
		} else {
			BERR(c->loc, "semantic error: process.%s needs a target process: give -c CMD or -x PID, "
				   "or name the program: process(\"PATH\").%s", u->kind->name, u->kind->name);
			return NULL;
		}
		if (!path) {
			BERR(c->loc, "semantic error: cannot find the target's program: %s", why);
			return NULL;
		}
	} else if (c->arg->kind == E_NUM) {
		if (c->arg->num <= 0 || c->arg->num > INT_MAX) {
			BERR(c->arg->loc, "semantic error: invalid process id");
			return NULL;
		}
		char link[64];
		snprintf(link, sizeof link, "/proc/%d/exe", (int)c->arg->num);
		path = realpath(link, NULL);
		if (!path) {
			BERR(c->arg->loc, "semantic error: cannot find the program of process %s: is it running?",
				   arena_printf(&s->arena, "%" PRId64, c->arg->num));
			return NULL;
		}
		*pid = (int)c->arg->num;
	} else if (c->arg->kind == E_STR) {
		if (strpbrk(c->arg->str, "*?[")) {
			BERR(c->arg->loc, "semantic error: wildcards in process(\"%s\") name files by a path: give "
				   "one with a '/' (as \"/usr/lib*/libfoo*.so\")", c->arg->str);
			return NULL;
		}
		path = ubin_resolve_path(c->arg->str, &why);
		if (!path) {
			BERR(c->arg->loc, "semantic error: cannot find process(\"%s\"): %s", c->arg->str, why);
			return NULL;
		}
	} else {
		BERR(c->arg->loc, "semantic error: process() takes a path or a process id");
		return NULL;
	}
	if (u->lib) {
		const struct expr *la = u->lib->arg;
		if (!la || la->kind != E_STR) {
			free(path);
			BERR(la ? la->loc : u->lib->loc, "semantic error: library() takes a path or a library name");
			return NULL;
		}
		if (strpbrk(la->str, "*?[")) {
			free(path);
			BERR(la->loc, "semantic error: wildcards in library(\"%s\") are not supported yet: name one "
				   "library", la->str);
			return NULL;
		}
		/* the library the program loads by that name */
		char *err = NULL;
		const struct ubin *exe = strchr(la->str, '/') ? NULL : ubin_open(path, &err);
		free(err);
		char *lib = exe ? ubin_find_library(exe, la->str, &why) : ubin_resolve_path(la->str, &why);
		free(path);
		path = lib;
		if (!path) {
			BERR(la->loc, "semantic error: cannot find library(\"%s\"): %s", la->str, why);
			return NULL;
		}
	}
	return path;
}

#undef BERR

/* ---- concrete points ------------------------------------------------------- */

static struct expr *str_arg(struct arena *a, const char *text, struct loc at)
{
	struct expr *e = expr_new(a, E_STR, at);
	e->str = text;
	e->type = TY_STRING;
	return e;
}

static struct expr *num_arg(struct arena *a, int64_t v, bool hex, struct loc at)
{
	struct expr *e = expr_new(a, E_NUM, at);
	e->num = v;
	e->is_hex = hex;
	e->type = TY_LONG;
	return e;
}

/* process("PATH").KIND(arg)[.suffix], the site on arg. */
static void add_point(struct session *s, const struct probe_point *pp, const struct upoint *u, const char *path,
		      struct expr *arg, const char *suffix, struct usite *site, struct vec *out)
{
	struct arena *a = &s->arena;
	struct probe_point *cp = arena_alloc(a, sizeof(*cp));
	cp->loc = pp->loc;
	cp->optional = pp->optional;
	cp->sufficient = pp->sufficient;
	struct expr *parg = module_name(u) ? str_arg(a, module_name(u), u->proc->arg->loc)
			    : is_kernel(u) ? NULL
			    : u->proc->arg && u->proc->arg->kind == E_NUM
				    ? num_arg(a, u->proc->arg->num, false, u->proc->arg->loc)
				    : str_arg(a, arena_strdup(a, path), u->proc->arg ? u->proc->arg->loc : u->proc->loc);
	vec_push(a, &cp->comps, pp_comp_new(a, is_kernel(u) ? u->proc->name : "process", parg, u->proc->loc));
	arg->target_info = site;
	vec_push(a, &cp->comps, pp_comp_new(a, u->kind->name, arg, u->kind->loc));
	if (suffix)
		vec_push(a, &cp->comps, pp_comp_new(a, suffix, NULL, u->suffix ? u->suffix->loc : u->kind->loc));
	vec_push(a, out, cp);
}

static struct usite *new_site(struct session *s, const struct ubin *b, enum usite_kind kind, int pid)
{
	struct usite *site = arena_alloc(&s->arena, sizeof(*site));
	site->kind = kind;
	site->bin = b;
	site->pid = pid;
	return site;
}

/* The function whose symbol a kprobe at addr names: the out-of-line one
 * that holds it (not a copy inlined there), smallest first. */
static const struct ubin_func *outer_func(const struct ubin *b, uint64_t addr)
{
	const struct ubin_func *best = NULL;
	for (int i = 0; i < b->nfuncs; i++) {
		const struct ubin_func *f = &b->funcs[i];
		if (f->frame_die || !f->size || addr < f->addr || addr >= f->addr + f->size)
			continue;
		if (!best || f->size < best->size)
			best = f;
	}
	return best;
}

/* The symbol a kprobe names f by: a compiler's clone of NAME is only in
 * the symbol table as "NAME.isra.0" (or .constprop.N, .part.N). */
static const char *kernel_symbol(const struct ubin_func *f)
{
	size_t n = strlen(f->name);
	for (const char *const *al = f->aliases; al && *al; al++)
		if (strncmp(*al, f->name, n) == 0 && (*al)[n] == '.')
			return *al;
	return f->name;
}

/* Where the site's probe goes: its file offset (a uprobe), or the
 * function a kprobe names and the offset into it (a kernel site); false
 * when no loaded code (no function of the kernel) holds it. */
static bool locate_site(struct usite *site)
{
	if (!site->kernel)
		return ubin_file_offset(site->bin, site->addr, &site->offset);
	const struct ubin_func *f = outer_func(site->bin, site->addr);
	if (!f)
		return false;
	site->kfunc = kernel_symbol(f);
	site->offset = site->addr - f->addr;
	return true;
}

/* locate_site, or a located error. */
static bool place_site(struct session *s, struct usite *site, struct loc at)
{
	if (locate_site(site))
		return true;
	if (site->kernel) {
		diag_error(at, "semantic error: address 0x%s is in no function of the kernel's debuginfo",
			   arena_printf(&s->arena, "%" PRIx64, site->addr));
		return false;
	}
	diag_error(at, "semantic error: address 0x%s is not in a loaded part of %s",
		   arena_printf(&s->arena, "%" PRIx64, site->addr), site->bin->path);
	return false;
}

/* "name@file:line" for a function with DWARF, as stap names it. */
static const char *func_text(struct arena *a, const struct ubin_func *f)
{
	if (f->file && *f->file)
		return arena_printf(a, "%s@%s:%d", f->name, f->file, f->line);
	return f->name;
}

/* Does a function match NAME[@FILE[:LINE[-LAST]]]? FILE matches the
 * whole declaring path or its tail ("target.c", "src/x*.c"); the function
 * is declared on LINE, or from LINE to LAST. */
static bool func_matches(const struct ubin_func *f, const char *name, const char *file, int line, int last)
{
	bool hit = fnmatch(name, f->name, 0) == 0;
	for (const char *const *al = f->aliases; !hit && al && *al; al++)
		hit = fnmatch(name, *al, 0) == 0;
	if (!hit)
		return false;
	if (file) {
		if (!f->file || !*f->file)
			return false;
		char tail[PATH_MAX + 2];
		snprintf(tail, sizeof tail, "*/%s", file);
		if (fnmatch(file, f->file, 0) != 0 && fnmatch(tail, f->file, 0) != 0)
			return false;
	}
	return !line || (f->line >= line && f->line <= (last ? last : line));
}

/* process("PATH").function("NAME").label("L") / kernel.function(...).label(...):
 * a site at each label of f whose name matches. */
static void add_labels(struct session *s, const struct probe_point *pp, const struct upoint *u,
		       const struct ubin *b, int pid, const struct ubin_func *f, const struct expr *farg,
		       struct vec *out)
{
	struct ubin_label **labels;
	int n = ubin_labels(&s->arena, b, f, u->suffix->arg->str, &labels);
	for (int i = 0; i < n; i++) {
		struct usite *site = new_site(s, b, USITE_STMT, pid);
		site->func = f;
		site->addr = labels[i]->addr;
		site_of_point(site, u);
		if (!locate_site(site))
			continue;
		int before = out->n;
		add_point(s, pp, u, b->path, str_arg(&s->arena, func_text(&s->arena, f), farg->loc), NULL, site, out);
		struct probe_point *cp = VEC_AT(*out, before, struct probe_point *);
		vec_push(&s->arena, &cp->comps,
			 pp_comp_new(&s->arena, "label", str_arg(&s->arena, labels[i]->name, u->suffix->arg->loc),
				     u->suffix->loc));
	}
}

/* A function's NAME[@FILE[:LINE[-LAST]]], split. */
struct fmatch {
	const char *name, *file;
	int line, last;
};

/* The inlined copies of the functions m names: each a site at its entry
 * (.inline), or at its labels (.label). */
static void add_inlines(struct session *s, const struct probe_point *pp, const struct upoint *u,
			const struct ubin *b, int pid, const struct fmatch *m, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	bool label = u->suffix && named(u->suffix, "label");
	const struct ubin_func *inlines;
	int n = ubin_inlines(b, &inlines);
	for (int i = 0; i < n; i++) {
		const struct ubin_func *f = &inlines[i];
		if (!func_matches(f, m->name, m->file, m->line, m->last))
			continue;
		if (label) {
			add_labels(s, pp, u, b, pid, f, arg, out);
			continue;
		}
		struct usite *site = new_site(s, b, USITE_FUNC, pid);
		site->func = f;
		site->addr = f->addr;
		site_of_point(site, u);
		if (locate_site(site))
			add_point(s, pp, u, b->path, str_arg(&s->arena, func_text(&s->arena, f), arg->loc), "inline",
				  site, out);
	}
}

static bool expand_functions(struct session *s, const struct probe_point *pp, const struct upoint *u,
			     const struct ubin *b, int pid, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	const char *suffix = u->suffix ? u->suffix->name : NULL;
	bool ret = suffix && strcmp(suffix, "return") == 0;
	bool inl = suffix && strcmp(suffix, "inline") == 0;
	bool label = suffix && strcmp(suffix, "label") == 0;
	bool kernel = is_kernel(u);
	const char *what = kernel ? "kernel.function(...)" : "process(...).function(...)";
	if ((suffix && strcmp(suffix, "call") != 0 && !ret && !inl && !label) || u->extra) {
		const struct pp_component *c = u->extra ? u->extra : u->suffix;
		diag_error(c->loc, "semantic error: unexpected '.%s' after %s (expected .call, .inline, .label(\"NAME\") "
			   "or .return)", c->name, what);
		return false;
	}
	if (label && (!u->suffix->arg || u->suffix->arg->kind != E_STR)) {
		diag_error(u->suffix->loc, "semantic error: .label takes the label's name (or a pattern) in quotes");
		return false;
	}
	if (arg->kind == E_NUM && (inl || label)) {
		diag_error(u->suffix->loc, "semantic error: .%s takes a function name, not an address", suffix);
		return false;
	}
	if (arg->kind == E_NUM) {
		const struct ubin_func *f = ubin_func_at(b, (uint64_t)arg->num);
		if (!f) {
			diag_error(arg->loc, "semantic error: no function of %s holds address 0x%s", b->path,
				   arena_printf(&s->arena, "%" PRIx64, (uint64_t)arg->num));
			return false;
		}
		struct usite *site = new_site(s, b, ret ? USITE_RETURN : USITE_FUNC, pid);
		site->func = f;
		site->addr = ret ? f->addr : ubin_probe_addr(b, f);
		site_of_point(site, u);
		if (!place_site(s, site, arg->loc))
			return false;
		add_point(s, pp, u, b->path, num_arg(&s->arena, arg->num, true, arg->loc), suffix, site, out);
		return true;
	}
	/* NAME[@FILE[:LINE[-LAST]]] */
	char *name = arena_strdup(&s->arena, arg->str), *file = strchr(name, '@');
	int line = 0, last = 0;
	if (file) {
		*file++ = 0;
		char *colon = strrchr(file, ':');
		if (colon) {
			*colon = 0;
			char *end;
			line = (int)strtol(colon + 1, &end, 10);
			if (*end == '-')
				last = (int)strtol(end + 1, &end, 10);
			if (*end || line <= 0 || (last && last < line)) {
				diag_error(arg->loc, "semantic error: invalid line number in \"%s\" (expected LINE or a range "
					   "LINE-LAST)", arg->str);
				return false;
			}
		}
	}
	/* as stap: where the binary has DWARF, a wildcard means its DWARF
	 * functions (not _start, _init and the like); a plain name may still
	 * be a symbol */
	bool glob = strpbrk(name, "*?[") != NULL;
	/* as stap: .function is the function and its inlined copies, .call
	 * and .return only the function, .inline only the copies, .label the
	 * labels of both; -l lists copies when .inline asks, or when there is
	 * nothing else to list */
	struct fmatch m = {name, file, line, last};
	int before = out->n;
	if ((!suffix && !s->list_pattern) || inl || label)
		add_inlines(s, pp, u, b, pid, &m, out);
	if (inl)
		return true;
	for (int i = 0; i < b->nfuncs; i++) {
		const struct ubin_func *f = &b->funcs[i];
		if (!func_matches(f, name, file, line, last) || (glob && b->has_dwarf && !f->die))
			continue;
		if (label) {
			add_labels(s, pp, u, b, pid, f, arg, out);
			continue;
		}
		struct usite *site = new_site(s, b, ret ? USITE_RETURN : USITE_FUNC, pid);
		site->func = f;
		/* listing needs no prologue analysis (slow on a large binary) */
		site->addr = ret || s->list_pattern ? f->addr : ubin_probe_addr(b, f);
		site_of_point(site, u);
		if (!locate_site(site))
			continue; /* not loaded code (an absolute symbol, say) */
		add_point(s, pp, u, b->path, str_arg(&s->arena, func_text(&s->arena, f), arg->loc), suffix, site,
			  out);
	}
	if (!suffix && s->list_pattern && out->n == before)
		add_inlines(s, pp, u, b, pid, &m, out);
	return true;
}

/* The lines a statement("FUNC@FILE:SPEC") names: SPEC is a line N, a
 * range N-M, a list of those (N,M-K), or * (every line); lo/hi pairs,
 * how many (0: not a valid SPEC). */
static int parse_line_spec(const char *spec, int *lo, int *hi, int max)
{
	if (strcmp(spec, "*") == 0) {
		lo[0] = 1;
		hi[0] = INT_MAX;
		return 1;
	}
	int n = 0;
	for (const char *p = spec; n < max;) {
		char *end;
		long a = strtol(p, &end, 10), z = a;
		if (end == p || a <= 0 || a > INT_MAX)
			return 0;
		if (*end == '-') {
			p = end + 1;
			z = strtol(p, &end, 10);
			if (end == p || z < a || z > INT_MAX)
				return 0;
		}
		lo[n] = (int)a;
		hi[n++] = (int)z;
		if (!*end)
			return n;
		if (*end != ',')
			return 0;
		p = end + 1;
	}
	return 0;
}

/* Where the lines start in a statement's "FUNC@FILE:SPEC" or
 * "FUNC@FILE+N": the ':' or the '+' (after the file's last '/'), or NULL. */
static const char *line_sep(const char *spec)
{
	const char *at = strchr(spec, '@');
	const char *colon = at ? strrchr(at, ':') : NULL;
	const char *slash = at ? strrchr(at, '/') : NULL;
	return colon ? colon : at ? strrchr(slash ? slash : at, '+') : NULL;
}

/* statement("FUNC@FILE:SPEC") (see parse_line_spec) and "FUNC@FILE+N",
 * the N-th line after FUNC's declaration: where each line starts in each
 * function (FUNC a pattern), from the DWARF line table. */
static bool expand_lines(struct session *s, const struct probe_point *pp, const struct upoint *u,
			 const struct ubin *b, int pid, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	char *func = arena_strdup(&s->arena, arg->str), *file = strchr(func, '@');
	const char *sep = line_sep(arg->str);
	char *colon = sep && *sep == ':' ? func + (sep - arg->str) : NULL;
	char *plus = sep && *sep == '+' ? func + (sep - arg->str) : NULL;
	enum { MAX_RANGES = 32, MAX_SITES = 256 };
	int lo[MAX_RANGES], hi[MAX_RANGES], nr = 0;
	long rel = 0;
	char *end = NULL;
	if (colon)
		nr = parse_line_spec(colon + 1, lo, hi, MAX_RANGES);
	else if (plus && (rel = strtol(plus + 1, &end, 10)) >= 0 && end != plus + 1 && !*end)
		nr = 1;
	if (!file || !nr) {
		diag_error(arg->loc, "semantic error: statement(\"%s\"): expected \"FUNCTION@FILE:LINE\" (FUNCTION may be "
			   "*; LINE a number, a range N-M, a list N,M-K or *) or \"FUNCTION@FILE+N\" (N lines after "
			   "its declaration)", arg->str);
		return false;
	}
	*file++ = 0;
	*(colon ? colon : plus) = 0;
	struct uline lines[MAX_SITES];
	const struct ubin_func *line_func[MAX_SITES];
	int n = 0;
	/* the inlined copies of the functions named: their lines count too,
	 * as stap's (a function the compiler inlined everywhere has no other) */
	struct vec copies = {0};
	const struct ubin_func *inl = NULL;
	int ninl = plus ? 0 : ubin_inlines(b, &inl);
	for (int i = 0; i < ninl; i++)
		if (fnmatch(func, inl[i].name, 0) == 0)
			vec_push(&s->arena, &copies, (void *)&inl[i]);
	/* A few functions named (a name, not a broad pattern): the lines of
	 * their own code, from their units' line tables, instead of every
	 * unit's lines of the file (a kernel has millions). */
	struct vec named = copies;
	for (int i = 0; !plus && i < b->nfuncs && named.n <= 64; i++)
		if (b->funcs[i].die && !b->funcs[i].frame_die && fnmatch(func, b->funcs[i].name, 0) == 0)
			vec_push(&s->arena, &named, (void *)&b->funcs[i]);
	if (!plus && named.n && named.n <= 64) {
		for (int r = 0; r < nr; r++) {
			VEC_FOREACH(named, i) {
				const struct ubin_func *f = VEC_AT(named, i, const struct ubin_func *);
				struct uline found[MAX_SITES];
				int m = ubin_func_lines(b, f, file, lo[r], hi[r], found, MAX_SITES);
				for (int k = 0; k < m && k < MAX_SITES; k++) {
					int j = 0;
					while (j < n && lines[j].addr != found[k].addr)
						j++;
					if (j < n)
						continue; /* named twice */
					if (n == MAX_SITES || m > MAX_SITES) {
						diag_error(arg->loc, "semantic error: statement(\"%s\") names more than %d "
							   "statements (narrow it)", arg->str, MAX_SITES);
						return false;
					}
					line_func[n] = f;
					lines[n++] = found[k];
				}
			}
		}
		nr = 0; /* found */
	}
	for (int r = 0; r < nr; r++) {
		/* +N: the line N after each matching function's own */
		for (int i = 0; (plus ? i < b->nfuncs : i < 1) && n <= MAX_SITES; i++) {
			const struct ubin_func *pf = plus ? &b->funcs[i] : NULL;
			if (pf && (!pf->die || pf->line <= 0 || !func_matches(pf, func, file, 0, 0)))
				continue;
			int l0 = pf ? pf->line + (int)rel : lo[r], l1 = pf ? l0 : hi[r];
			/* every line of the file in range (a big file has
			 * thousands), then those of the function */
			int cap = 4096, m;
			struct uline *found = xcalloc((size_t)cap, sizeof *found);
			while ((m = ubin_line_addrs(b, file, l0, l1, found, cap)) > cap) {
				cap = m;
				found = xrealloc(found, (size_t)cap * sizeof *found);
			}
			if (m < 0) {
				free(found);
				diag_error(arg->loc, "semantic error: statement(\"%s\") needs the line table: %s has no DWARF "
					   "debug information (build it with -g, or install its debug symbols)", arg->str,
					   b->path);
				return false;
			}
			for (int k = 0; k < m; k++) {
				const struct ubin_func *f = ubin_func_at(b, found[k].addr);
				if (f && !pf && fnmatch(func, f->name, 0) != 0)
					f = NULL;
				VEC_FOREACH(copies, c) {
					const struct ubin_func *cf = VEC_AT(copies, c, const struct ubin_func *);
					if (!f && ubin_func_has_pc(b, cf, found[k].addr))
						f = cf;
				}
				if (!f || (pf && f != pf))
					continue;
				int j = 0;
				while (j < n && lines[j].addr != found[k].addr)
					j++;
				if (j < n)
					continue; /* named twice */
				if (n == MAX_SITES) {
					diag_error(arg->loc, "semantic error: statement(\"%s\") names more than %d statements "
						   "(narrow it)", arg->str, MAX_SITES);
					free(found);
					return false;
				}
				line_func[n] = f;
				lines[n++] = found[k];
			}
			free(found);
		}
	}
	for (int i = 0; i < n; i++) {
		const struct ubin_func *f = line_func[i];
		struct usite *site = new_site(s, b, USITE_STMT, pid);
		site->addr = lines[i].addr;
		site->func = f;
		site_of_point(site, u);
		if (!place_site(s, site, arg->loc))
			return false;
		/* named by the line's own file: the function's, or a header's
		 * whose code was inlined there */
		const char *where = f->file && *f->file ? f->file : file;
		if (lines[i].file && !kdwarf_file_matches(where, lines[i].file))
			where = lines[i].file;
		const char *text = arena_printf(&s->arena, "%s@%s:%d", f->name, where, lines[i].line);
		add_point(s, pp, u, b->path, str_arg(&s->arena, text, arg->loc), NULL, site, out);
	}
	return true;
}

/* How far .nearest looks from the line named, either way. */
#define NEAREST_SPAN 100

/* The one line a statement's "FUNC@FILE:N" or "FUNC@FILE+N" names:
 * *line, and the length of what comes before the number; false for a
 * range, a list or *. */
static bool single_line(const char *spec, long *line, int *head)
{
	const char *sep = line_sep(spec);
	const char *num = sep ? sep + 1 : NULL;
	char *end = NULL;
	*line = num ? strtol(num, &end, 10) : -1;
	*head = num ? (int)(num - spec) : 0;
	return num && end != num && !*end && *line >= (*sep == ':' ? 1 : 0);
}

/* The points of line l of the statement u names (its number replaced). */
static bool expand_line_at(struct session *s, const struct probe_point *pp, const struct upoint *u,
			   const struct ubin *b, int pid, int head, long l, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	struct pp_component kind = *u->kind;
	kind.arg = str_arg(&s->arena, arena_printf(&s->arena, "%.*s%ld", head, arg->str, l), arg->loc);
	struct upoint at_line = *u;
	at_line.kind = &kind;
	return expand_lines(s, pp, &at_line, b, pid, out);
}

/* The nearest line within NEAREST_SPAN of line (on the side: +1 after,
 * -1 before) that has code, or -1. */
static long nearest_line(struct session *s, const struct probe_point *pp, const struct upoint *u, const struct ubin *b,
			 int pid, int head, long line, int side)
{
	bool relative = u->kind->arg->str[head - 1] == '+';
	for (long d = 1; d <= NEAREST_SPAN; d++) {
		long l = line + side * d;
		struct vec found = {0};
		if (l < (relative ? 0 : 1))
			return -1;
		if (!expand_line_at(s, pp, u, b, pid, head, l, &found))
			return -1;
		if (found.n)
			return l;
	}
	return -1;
}

/* statement("FUNC@FILE:N").nearest and "FUNC@FILE+N": where line N has no
 * code, the nearest line of the function that has (the later one of two
 * as near: the statement line N leads into), as stap does. */
static bool expand_lines_nearest(struct session *s, const struct probe_point *pp, const struct upoint *u,
				 const struct ubin *b, int pid, struct vec *out)
{
	long line;
	int head;
	if (!single_line(u->kind->arg->str, &line, &head)) {
		diag_error(u->suffix->loc, "semantic error: .nearest takes one line: statement(\"FUNCTION@FILE:N\") or "
			   "statement(\"FUNCTION@FILE+N\")");
		return false;
	}
	int before = out->n;
	if (!expand_lines(s, pp, u, b, pid, out))
		return false;
	if (out->n > before)
		return true;
	long after = nearest_line(s, pp, u, b, pid, head, line, 1);
	long prior = nearest_line(s, pp, u, b, pid, head, line, -1);
	long pick = after < 0 ? prior : prior < 0 || after - line <= line - prior ? after : prior;
	return pick < 0 || expand_line_at(s, pp, u, b, pid, head, pick, out);
}

/* A line with no code (without .nearest): say which lines near it have
 * (true: reported). */
static bool report_codeless_line(struct session *s, const struct probe_point *pp, const struct upoint *u,
				 const struct ubin *b, int pid)
{
	long line;
	int head;
	const struct expr *arg = u->kind->arg;
	if (pp->optional || pp->sufficient || s->list_pattern || !single_line(arg->str, &line, &head))
		return false;
	long after = nearest_line(s, pp, u, b, pid, head, line, 1);
	long prior = nearest_line(s, pp, u, b, pid, head, line, -1);
	if (after < 0 && prior < 0)
		return false; /* no such function or file: the caller's "no match" */
	char near[64];
	if (after >= 0 && prior >= 0)
		snprintf(near, sizeof(near), "the nearest that have are %ld and %ld", prior, after);
	else
		snprintf(near, sizeof(near), "the nearest that has is %ld", after >= 0 ? after : prior);
	diag_error(arg->loc, "semantic error: statement(\"%s\"): that line has no code; %s (add .nearest to probe "
		   "the nearest)", arg->str, near);
	return true;
}

static bool expand_statement(struct session *s, const struct probe_point *pp, const struct upoint *u,
			     const struct ubin *b, int pid, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	if (u->suffix && named(u->suffix, "nearest") && arg->kind == E_STR)
		return expand_lines_nearest(s, pp, u, b, pid, out);
	if (u->suffix) {
		diag_error(u->suffix->loc, "semantic error: unexpected '.%s' after process(...).statement(...)",
			   u->suffix->name);
		return false;
	}
	if (arg->kind != E_NUM) {
		int before = out->n;
		if (!expand_lines(s, pp, u, b, pid, out))
			return false;
		return out->n > before || !report_codeless_line(s, pp, u, b, pid);
	}
	struct usite *site = new_site(s, b, USITE_STMT, pid);
	site->addr = (uint64_t)arg->num;
	site->func = ubin_func_at(b, site->addr);
	if (!place_site(s, site, arg->loc))
		return false;
	add_point(s, pp, u, b->path, num_arg(&s->arena, arg->num, true, arg->loc), NULL, site, out);
	return true;
}

/* plt("NAME"): the PLT stubs through which the binary calls NAME (a
 * pattern); arguments by position (int_arg()...), $$name the callee. */
static bool expand_plt(struct session *s, const struct probe_point *pp, const struct upoint *u,
		       const struct ubin *b, int pid, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	/* .plt.return: a uretprobe at the stub, which is called as the
	 * function is, so it returns to the caller with its result */
	bool ret = u->suffix && named(u->suffix, "return");
	if (u->suffix && !ret) {
		diag_error(u->suffix->loc, "semantic error: unexpected '.%s' after process(...).plt(...) (only .return)",
			   u->suffix->name);
		return false;
	}
	if (!arg || arg->kind != E_STR) {
		diag_error(u->kind->loc, "semantic error: plt() takes a function name");
		return false;
	}
	enum { MAX_PLT = 4096 };
	const char **names = xcalloc(MAX_PLT, sizeof(*names));
	uint64_t *addrs = xcalloc(MAX_PLT, sizeof(*addrs));
	int n = ubin_plt(b, names, addrs, MAX_PLT);
	bool ok = true;
	for (int i = 0; i < n && i < MAX_PLT && ok; i++) {
		if (fnmatch(arg->str, names[i], 0) != 0)
			continue;
		struct usite *site = new_site(s, b, ret ? USITE_RETURN : USITE_STMT, pid);
		site->addr = addrs[i];
		site->plt_name = names[i];
		ok = place_site(s, site, arg->loc);
		if (ok)
			add_point(s, pp, u, b->path, str_arg(&s->arena, names[i], arg->loc), ret ? "return" : NULL,
				  site, out);
	}
	free(names);
	free(addrs);
	return ok;
}

static bool expand_marks(struct session *s, const struct probe_point *pp, const struct upoint *u,
			 const struct ubin *b, int pid, struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	if (u->suffix) {
		diag_error(u->suffix->loc, "semantic error: unexpected '.%s' after process(...).mark(...)",
			   u->suffix->name);
		return false;
	}
	if (arg->kind != E_STR) {
		diag_error(arg->loc, "semantic error: mark() takes the mark's name");
		return false;
	}
	const char *prov = NULL;
	if (u->prov) {
		if (!u->prov->arg || u->prov->arg->kind != E_STR) {
			diag_error(u->prov->loc, "semantic error: provider() takes the provider's name");
			return false;
		}
		prov = u->prov->arg->str;
	}
	for (int i = 0; i < b->nmarks; i++) {
		const struct ubin_mark *m = &b->marks[i];
		if (fnmatch(arg->str, m->name, 0) != 0 || (prov && fnmatch(prov, m->provider, 0) != 0))
			continue;
		struct usite *site = new_site(s, b, USITE_MARK, pid);
		site->mark = m;
		site->addr = m->addr;
		if (!place_site(s, site, arg->loc))
			return false;
		if (m->semaphore && !ubin_file_offset(b, m->semaphore, &site->sema_offset)) {
			diag_error(arg->loc, "semantic error: the semaphore of mark '%s' is not in a loaded part of %s",
				   m->name, b->path);
			return false;
		}
		add_point(s, pp, u, b->path, str_arg(&s->arena, m->name, arg->loc), NULL, site, out);
	}
	return true;
}

static bool uprobe_expand(struct session *s, const struct probe_point *pp, struct vec *out);

/* The points of every file pattern names now that was not seen before
 * (realpath), each a program of its own (one that is not an ELF binary,
 * or lacks what the rest of the point asks for, adds nothing); glob's
 * result. */
static int expand_pattern(struct session *s, const struct probe_point *pp, const struct upoint *u,
			  const char *pattern, struct vec *seen, struct vec *out)
{
	const struct expr *arg = u->proc->arg;
	glob_t g;
	int rc = glob(pattern, 0, NULL, &g);
	int before = out->n;
	for (size_t i = 0; rc == 0 && i < g.gl_pathc; i++) {
		char *real = realpath(g.gl_pathv[i], NULL);
		bool dup = !real;
		VEC_FOREACH(*seen, k)
			dup = dup || strcmp(VEC_AT(*seen, k, const char *), real) == 0;
		if (!dup) {
			vec_push(&s->arena, seen, arena_strdup(&s->arena, real));
			struct probe_point *cp = arena_alloc(&s->arena, sizeof(*cp));
			*cp = *pp;
			cp->optional = true;
			cp->comps = (struct vec){0};
			struct expr *path = expr_new(&s->arena, E_STR, arg->loc);
			path->str = arena_strdup(&s->arena, real);
			vec_push(&s->arena, &cp->comps, pp_comp_new(&s->arena, u->proc->name, path, u->proc->loc));
			for (int k = 1; k < pp->comps.n; k++)
				vec_push(&s->arena, &cp->comps, VEC_AT(pp->comps, k, struct pp_component *));
			uprobe_expand(s, cp, out);
			for (int k = before; k < out->n; k++) /* back as the point asked */
				VEC_AT(*out, k, struct probe_point *)->optional = pp->optional;
		}
		free(real);
	}
	if (rc == 0)
		globfree(&g);
	return rc;
}

/* process("/usr/lib*\/libfoo*.so") as stap: every file the pattern names
 * now; no point at all from any of them is the error. A library pattern
 * written for another layout ("/lib64/libc.so.6", or "/lib*\/libc.so.6",
 * which here names only the 32-bit one) that gives nothing is tried in
 * this system's multiarch directory, with a warning saying so. */
static bool expand_glob(struct session *s, const struct probe_point *pp, const struct upoint *u, struct vec *out)
{
	const struct expr *arg = u->proc->arg;
	int before = out->n;
	struct vec seen = {0};
	int rc = expand_pattern(s, pp, u, arg->str, &seen, out);
	char *alt = out->n > before ? NULL : ubin_multiarch_path(arg->str);
	if (alt) {
		int rc_alt = expand_pattern(s, pp, u, alt, &seen, out);
		if (out->n > before)
			diag_warning(arg->loc, "process(\"%s\"): this system keeps its libraries in another "
				     "directory: probing %s", arg->str, alt);
		else if (rc)
			rc = rc_alt;
		free(alt);
	}
	if (out->n > before || pp->optional || pp->sufficient)
		return true;
	diag_error(arg->loc, "semantic error: no match for process(\"%s\"): %s", arg->str,
		   rc == 0 ? "none of the files it names has that probe point" : "no file matches it");
	return false;
}

/* library("PATTERN") with wildcards: every library the program loads (its
 * DT_NEEDED and theirs, found as the dynamic linker finds them) whose
 * file name (or path, when the pattern has a '/') matches, each a point
 * of its own; no point from any of them is the error. */
#define MAX_LIBRARIES 64
static bool expand_libraries(struct session *s, const struct probe_point *pp, const struct upoint *u, struct vec *out)
{
	struct upoint exe_only = *u;
	exe_only.lib = NULL;
	int pid, before = out->n;
	bool quiet = pp->optional || pp->sufficient;
	char *exe = binary_of(s, &exe_only, &pid, quiet);
	if (!exe)
		return quiet;
	const struct expr *la = u->lib->arg;
	char *err = NULL, *libs[MAX_LIBRARIES];
	const struct ubin *queue[MAX_LIBRARIES + 1];
	int nlibs = 0, head = 0, tail = 0;
	if ((queue[tail] = ubin_open(exe, &err)))
		tail++;
	free(err);
	while (head < tail) {
		const struct ubin *cur = queue[head++];
		const char *needed[128];
		int n = ubin_needed(cur, needed, 128);
		for (int i = 0; i < n && i < 128 && nlibs < MAX_LIBRARIES; i++) {
			const char *why;
			char *lib = ubin_find_library(cur, needed[i], &why);
			bool dup = !lib;
			for (int k = 0; k < nlibs && !dup; k++)
				dup = strcmp(libs[k], lib) == 0;
			if (dup) {
				free(lib);
				continue;
			}
			libs[nlibs++] = lib;
			err = NULL;
			if ((queue[tail] = ubin_open(lib, &err)))
				tail++;
			free(err);
		}
	}
	for (int k = 0; k < nlibs; k++) {
		const char *base = strrchr(libs[k], '/');
		if (fnmatch(la->str, strchr(la->str, '/') ? libs[k] : base ? base + 1 : libs[k], 0) == 0) {
			struct probe_point *cp = arena_alloc(&s->arena, sizeof(*cp));
			*cp = *pp;
			cp->optional = true;
			cp->comps = (struct vec){0};
			VEC_FOREACH(pp->comps, i) {
				struct pp_component *c = VEC_AT(pp->comps, i, struct pp_component *);
				if (c == u->lib) {
					struct expr *path = expr_new(&s->arena, E_STR, la->loc);
					path->str = arena_strdup(&s->arena, libs[k]);
					c = pp_comp_new(&s->arena, c->name, path, c->loc);
				}
				vec_push(&s->arena, &cp->comps, c);
			}
			int first = out->n;
			uprobe_expand(s, cp, out);
			for (int i = first; i < out->n; i++) /* back as the point asked */
				VEC_AT(*out, i, struct probe_point *)->optional = pp->optional;
		}
		free(libs[k]);
	}
	if (out->n > before || quiet) {
		free(exe);
		return true;
	}
	diag_error(la->loc, "semantic error: no match for library(\"%s\"): none of the %d libraries %s loads "
		   "matches it and has that probe point", la->str, nlibs, exe);
	free(exe);
	return false;
}

/* kernel.statement("FUNC@FILE:LINE") (and the other line forms of
 * process(...).statement): the lines of the kernel's debuginfo, each a
 * kprobe inside its function. */
static bool expand_kernel_statement(struct session *s, const struct probe_point *pp, const struct upoint *u,
				    struct vec *out)
{
	const struct expr *arg = u->kind->arg;
	if (!arg || arg->kind != E_STR) {
		diag_error(arg ? arg->loc : u->kind->loc, "semantic error: kernel.statement takes \"FUNCTION@FILE:LINE\" "
			   "(kernel.statement(ADDRESS)[.absolute] is not supported yet)");
		return false;
	}
	if (u->suffix && !named(u->suffix, "nearest")) {
		diag_error(u->suffix->loc, "semantic error: unexpected '.%s' after kernel.statement(...)", u->suffix->name);
		return false;
	}
	const char *why = NULL, *module = module_name(u);
	if (named(u->proc, "module") && (!module || strpbrk(module, "*?["))) {
		diag_error(u->proc->loc, "semantic error: module(...).statement takes one module's name in quotes "
			   "(a pattern is not supported yet)");
		return false;
	}
	const char *path = module ? kdwarf_module_path(s, module, &why) : kdwarf_kernel_path(s, &why);
	char *err = NULL;
	const struct ubin *b = path ? ubin_open(path, &err) : NULL;
	if (!b) {
		if (!pp->optional && !pp->sufficient)
			diag_error(arg->loc, "semantic error: %s.statement(\"%s\") needs the %s's debuginfo: %s",
				   module ? arena_printf(&s->arena, "module(\"%s\")", module) : "kernel", arg->str,
				   module ? "module" : "kernel", err ? err : why);
		free(err);
		return pp->optional || pp->sufficient;
	}
	s->reads_user_binaries = true; /* the debuginfo's catalog: not a script-index hit */
	if (u->suffix)
		return expand_lines_nearest(s, pp, u, b, USITE_ANY_PID, out);
	int before = out->n;
	if (!expand_lines(s, pp, u, b, USITE_ANY_PID, out))
		return false;
	return out->n > before || !report_codeless_line(s, pp, u, b, USITE_ANY_PID);
}

bool uprobe_kernel_functions(struct session *s, const struct probe_point *pp, struct vec *out, const char **why)
{
	struct upoint u;
	split_point(pp, &u);
	const char *path = kdwarf_kernel_path(s, why);
	char *err = NULL;
	const struct ubin *b = path ? ubin_open(path, &err) : NULL;
	if (!b) {
		if (err)
			*why = arena_strdup(&s->arena, err);
		free(err);
		return false;
	}
	s->reads_user_binaries = true; /* the debuginfo's catalog: not a script-index hit */
	return expand_functions(s, pp, &u, b, USITE_ANY_PID, out);
}

static bool uprobe_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	struct upoint u;
	split_point(pp, &u);
	if (is_kernel(&u))
		return expand_kernel_statement(s, pp, &u, out);
	if (u.proc->arg && u.proc->arg->kind == E_STR && strchr(u.proc->arg->str, '/') &&
	    strpbrk(u.proc->arg->str, "*?["))
		return expand_glob(s, pp, &u, out);
	if (u.lib && u.lib->arg && u.lib->arg->kind == E_STR && strpbrk(u.lib->arg->str, "*?["))
		return expand_libraries(s, pp, &u, out);
	if (u.proc->arg && u.proc->arg->kind == E_STR && u.proc->arg->str[0] == '/' &&
	    access(u.proc->arg->str, F_OK) != 0) {
		char *alt = ubin_multiarch_path(u.proc->arg->str);
		bool other_layout = alt && access(alt, F_OK) == 0;
		free(alt);
		if (other_layout)
			return expand_glob(s, pp, &u, out);
	}
	if (u.extra) {
		diag_error(u.extra->loc, "semantic error: unexpected '.%s' in a process(...) probe point", u.extra->name);
		return false;
	}
	/* .plt alone is every PLT entry, as .plt("*") */
	struct pp_component every_plt;
	if (!u.kind->arg && named(u.kind, "plt")) {
		every_plt = *u.kind;
		every_plt.arg = expr_new(&s->arena, E_STR, u.kind->loc);
		every_plt.arg->str = "*";
		u.kind = &every_plt;
	}
	if (!u.kind->arg || (u.kind->arg->kind != E_STR && u.kind->arg->kind != E_NUM)) {
		diag_error(u.kind->loc, "semantic error: %s() needs a name or an address, as in %s(\"main\")",
			   u.kind->name, u.kind->name);
		return false;
	}
	if (u.kind->arg->kind == E_NUM && named(u.kind, "mark")) {
		diag_error(u.kind->arg->loc, "semantic error: mark() takes the mark's name");
		return false;
	}
	if (u.prov && !named(u.kind, "mark")) {
		diag_error(u.prov->loc, "semantic error: provider(...) is followed by .mark(...)");
		return false;
	}
	int pid;
	bool quiet = pp->optional || pp->sufficient;
	char *path = binary_of(s, &u, &pid, quiet);
	if (!path)
		return quiet;
	char *err = NULL;
	const struct ubin *b = ubin_open(path, &err);
	free(path);
	if (!b && quiet) {
		free(err);
		return true;
	}
	if (!b) {
		diag_error(u.proc->arg ? u.proc->arg->loc : u.proc->loc, "semantic error: %s", err);
		free(err);
		return false;
	}
	s->reads_user_binaries = true;
	if (named(u.kind, "function"))
		return expand_functions(s, pp, &u, b, pid, out);
	if (named(u.kind, "plt"))
		return expand_plt(s, pp, &u, b, pid, out);
	if (named(u.kind, "statement"))
		return expand_statement(s, pp, &u, b, pid, out);
	return expand_marks(s, pp, &u, b, pid, out);
}

const struct usite *usite_of(const struct probe_point *pp)
{
	VEC_FOREACH(pp->comps, i) {
		const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
		if (c->arg && c->arg->target_info && is_site_kind(c))
			return c->arg->target_info;
	}
	return NULL;
}

/* ---- target variables ------------------------------------------------------ */

static const char *strip_dollars(const char *name, int *ndollars)
{
	*ndollars = 0;
	while (*name == '$') {
		name++;
		(*ndollars)++;
	}
	return name;
}

static bool uses_address(const struct uexpr *x)
{
	return x && (x->op == UX_ADDR || uses_address(x->a) || uses_address(x->b));
}

static void read_vars(struct session *s, struct usite *site)
{
	if (site->vars_read)
		return;
	site->vars_read = true;
	if (!site->func) {
		site->nvars = -1;
		site->vars_err = arena_printf(&s->arena, "no function of %s holds address 0x%" PRIx64, site->bin->path,
					      site->addr);
		return;
	}
	site->nvars = ubin_vars_at(&s->arena, site->bin, site->func, site->addr, &site->vars, &site->vars_err);
	/* in the kernel a link-time address moves with KASLR: a variable
	 * located by one (a static, a constant's address) is not read */
	for (int i = 0; site->kernel && i < site->nvars; i++) {
		struct uvar *v = &site->vars[i];
		if (v->located && v->loc.kind != ULOC_REG && uses_address(v->loc.e)) {
			v->located = false;
			v->why = "located by a link-time address (not supported yet at kernel statements)";
		}
	}
}

static struct uvar_access *new_access(struct session *s, const struct usite *site, const struct uvar *v,
				      const char *what)
{
	struct uvar_access *acc = arena_alloc(&s->arena, sizeof(*acc));
	acc->site = site;
	acc->var = v;
	acc->what = what;
	if (v)
		acc->acc.start = v->type;
	return acc;
}

/* A located variable with its components typed, or false. */
static bool bind_var(struct session *s, struct expr *e, const struct usite *site, const struct uvar *v)
{
	if (!v->located) {
		quiet_error(s, e->loc, "semantic error: cannot read '$%s' here: %s", v->name, v->why);
		return !s->quiet_targets;
	}
	struct uvar_access *acc = new_access(s, site, v, NULL);
	e->target_info = acc;
	e->user_target = true;
	e->type = TY_LONG;
	if (!tplace_known(v->type)) /* a USDT argument: a plain number */
		return !e->components.n || (quiet_error(s, e->loc, "semantic error: '$%s' is a number: it has no "
							"members", v->name, ""), !s->quiet_targets);
	if (!tp_type_chain(s, &acc->acc, arena_printf(&s->arena, "$%s", v->name), e))
		return !s->quiet_targets;
	if (e->components.n)
		return true;
	/* the bare variable: a char array reads as a string, a struct must
	 * be printed ($x$) or taken apart */
	if (acc->acc.value == TPLACE_CHAR_ARRAY)
		e->type = TY_STRING;
	else if (acc->acc.value == TPLACE_AGGREGATE && !e->addressof) {
		quiet_error(s, e->loc, "semantic error: '$%s' is a %s, not a value: name one of its members or add "
			    "'$' to print it", v->name, tplace_type_name(&s->arena, v->type));
		return !s->quiet_targets;
	}
	if (e->addressof && v->loc.kind != ULOC_MEM) {
		quiet_error(s, e->loc, "semantic error: cannot take the address of '$%s': it is held in a register",
			    v->name, "");
		return !s->quiet_targets;
	}
	return true;
}

static const char *no_debuginfo(struct session *s, const struct usite *site)
{
	return arena_printf(&s->arena, "%s has no DWARF debug information (build it with -g, or install its "
			    "debug symbols)", site->bin->path);
}

/* $argN at a mark: the operand, as a long. */
static bool resolve_mark_arg(struct session *s, struct expr *e, const struct usite *site, const char *name)
{
	char *end;
	long n = strncmp(name, "arg", 3) == 0 ? strtol(name + 3, &end, 10) : 0;
	if (n < 1 || *end || n > site->mark->nargs)
		return false;
	const struct uexpr *val;
	const char *why;
	if (!ubin_sdt_arg(&s->arena, site->bin, site->mark, (int)n - 1, &val, &why)) {
		quiet_error(s, e->loc, "semantic error: cannot read '$%s': %s", name, why);
		return !s->quiet_targets;
	}
	struct uvar *v = arena_alloc(&s->arena, sizeof(*v));
	v->name = arena_strdup(&s->arena, name);
	v->located = true;
	v->is_param = true;
	v->loc = (struct uloc){.kind = ULOC_VALUE, .e = val};
	return bind_var(s, e, site, v);
}

/* $return in a .return probe: the return register, typed by DWARF. */
static bool resolve_return(struct session *s, struct expr *e, const struct usite *site)
{
	struct uvar *v = arena_alloc(&s->arena, sizeof(*v));
	v->name = "return";
	if (!site->func || !site->func->die) {
		quiet_error(s, e->loc, "semantic error: '$return' needs the function's type: %s", no_debuginfo(s, site), "");
		return !s->quiet_targets;
	}
	if (!ubin_return_type(site->bin, site->func, &v->type))
		return false; /* a void function: no $return */
	enum tplace_class k = tplace_class(v->type);
	if (k != TPLACE_INT && k != TPLACE_POINTER) {
		quiet_error(s, e->loc, "semantic error: '$return' of type %s is not returned in a register btap reads",
			    tplace_type_name(&s->arena, v->type), "");
		return !s->quiet_targets;
	}
	v->located = true;
	v->loc = (struct uloc){.kind = ULOC_REG, .reg = 0}; /* x86-64: rax */
	return bind_var(s, e, site, v);
}

/* The variables a $$ form prints: a function's parameters and locals,
 * a mark's arguments, a return probe's value. */
static void context_vars(struct session *s, struct usite *site, const char *name, struct uvar_access *acc)
{
	struct vec vars = {0};
	if (site->kind == USITE_MARK) {
		for (int i = 0; i < site->mark->nargs; i++) {
			struct uvar *v = arena_alloc(&s->arena, sizeof(*v));
			v->name = arena_printf(&s->arena, "arg%d", i + 1);
			v->is_param = true;
			const struct uexpr *val;
			v->located = ubin_sdt_arg(&s->arena, site->bin, site->mark, i, &val, &v->why);
			v->loc = (struct uloc){.kind = ULOC_VALUE, .e = val};
			vec_push(&s->arena, &vars, v);
		}
	} else if (site->kind == USITE_RETURN) {
		struct uvar *v = arena_alloc(&s->arena, sizeof(*v));
		v->name = "return";
		if (site->func && site->func->die && ubin_return_type(site->bin, site->func, &v->type)) {
			enum tplace_class k = tplace_class(v->type);
			v->located = k == TPLACE_INT || k == TPLACE_POINTER;
			v->loc = (struct uloc){.kind = ULOC_REG, .reg = 0};
			vec_push(&s->arena, &vars, v);
		}
	} else {
		bool parms = strcmp(name, "parms") == 0, locals = strcmp(name, "locals") == 0;
		for (int i = 0; i < site->nvars; i++)
			if ((!parms || site->vars[i].is_param) && (!locals || !site->vars[i].is_param))
				vec_push(&s->arena, &vars, &site->vars[i]);
	}
	struct uvar *v = arena_alloc(&s->arena, sizeof(*v) * (size_t)(vars.n ? vars.n : 1));
	VEC_FOREACH(vars, i)
		v[i] = *VEC_AT(vars, i, struct uvar *);
	acc->vars = v;
	acc->nvars = vars.n;
}

/* $$vars, $$parms, $$locals, $$return, $$name, $$provider. */
static bool resolve_context(struct session *s, struct expr *e, struct usite *site, const char *name)
{
	bool mark = site->kind == USITE_MARK;
	bool ret = site->kind == USITE_RETURN;
	if (site->plt_name && strcmp(name, "name") == 0) {
		struct uvar_access *acc = new_access(s, site, NULL, "name");
		e->target_info = acc;
		e->user_target = true;
		e->type = TY_STRING;
		return true;
	}
	if (mark ? strcmp(name, "name") && strcmp(name, "provider") && strcmp(name, "parms") && strcmp(name, "vars")
		 : ret ? strcmp(name, "return") && strcmp(name, "vars") && strcmp(name, "parms")
		       : strcmp(name, "vars") && strcmp(name, "parms") && strcmp(name, "locals"))
		return false;
	if (!mark && !ret) {
		read_vars(s, site);
		if (site->nvars < 0) {
			quiet_error(s, e->loc, "semantic error: cannot print '$$%s': %s", name, no_debuginfo(s, site));
			return !s->quiet_targets;
		}
	}
	struct uvar_access *acc = new_access(s, site, NULL, arena_strdup(&s->arena, name));
	if (strcmp(name, "name") != 0 && strcmp(name, "provider") != 0)
		context_vars(s, site, name, acc);
	e->target_info = acc;
	e->user_target = true;
	e->type = TY_STRING;
	return true;
}

bool uprobe_resolve_cast(struct session *s, struct expr *e)
{
	const char *type = e->str ? e->str : "";
	const char *why;
	char *path = ubin_resolve_path(e->module, &why);
	char *err = NULL;
	const struct ubin *b = path ? ubin_open(path, &err) : NULL;
	free(path);
	e->type = TY_LONG;
	if (!b) {
		quiet_error(s, e->loc, "semantic error: @cast(..., \"%s\", \"%s\"): cannot find the program", type,
			    e->module);
		free(err);
		return !s->quiet_targets;
	}
	s->reads_user_binaries = true;
	const struct type_source *src = ubin_types(b, &err);
	if (!src) {
		free(err);
		quiet_error(s, e->loc, "semantic error: @cast(..., \"%s\", ...): %s has no DWARF debug information (build "
			    "it with -g, or install its debug symbols)", type, b->path);
		return !s->quiet_targets;
	}
	struct tp_access *acc = arena_alloc(&s->arena, sizeof *acc);
	e->target_info = acc;
	if (!tplace_for_cast(src, type, &acc->start)) {
		quiet_error(s, e->loc, "semantic error: @cast: the DWARF of %s has no type '%s'", b->path, type);
		return !s->quiet_targets;
	}
	bool ok = tp_type_chain(s, acc, arena_printf(&s->arena, "@cast(..., \"%s\")", type), e);
	return ok || !s->quiet_targets;
}

/* @var("name[@file]"[, "PATH"]): a global of the probed binary (or of
 * the binary PATH names). */
static bool resolve_atvar(struct session *s, struct expr *e, struct usite *site)
{
	const struct ubin *b = site->bin;
	if (e->module) {
		const char *why;
		char *path = ubin_resolve_path(e->module, &why);
		char *err = NULL;
		b = path ? ubin_open(path, &err) : NULL;
		free(path);
		free(err);
		if (!b) {
			quiet_error(s, e->loc, "semantic error: @var: cannot find \"%s\"%s", e->module, "");
			return !s->quiet_targets;
		}
		if (b != site->bin) {
			quiet_error(s, e->loc, "semantic error: @var of another binary than the probed one (%s) is not "
				    "supported yet%s", b->path, "");
			return !s->quiet_targets;
		}
	}
	if (site->kind == USITE_RETURN && b->is_dyn) {
		/* a uretprobe's ip is in the caller: no load bias to relocate by */
		quiet_error(s, e->loc, "semantic error: @var(\"%s\") in a .return probe of position-independent "
			    "code is not supported yet; @entry(@var(\"%s\")) reads it at the entry", e->str, e->str);
		return !s->quiet_targets;
	}
	char *name = arena_strdup(&s->arena, e->str), *file = strchr(name, '@');
	if (file)
		*file++ = 0;
	struct uvar *v = arena_alloc(&s->arena, sizeof(*v));
	const char *why;
	if (!ubin_global_var(&s->arena, b, name, file, v, &why)) {
		quiet_error(s, e->loc, "semantic error: @var(\"%s\"): %s", e->str, why);
		return !s->quiet_targets;
	}
	return bind_var(s, e, site, v);
}

static bool uprobe_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	struct usite *site = (struct usite *)usite_of(p->resolved_point);
	if (!site)
		return false;
	int dollars;
	if (e->kind == E_TARGET_VARS) {
		const char *name = strip_dollars(e->op ? e->op : e->str ? e->str : "", &dollars);
		return resolve_context(s, e, site, name);
	}
	if (e->kind == E_ATVAR) /* a kernel statement's: the kernel's variable, as at its functions */
		return site->kernel ? tp_resolve_kernel_atvar(s, p, e) : resolve_atvar(s, e, site);
	if (e->kind != E_TARGET || !e->str)
		return false;
	if (e->operand) {
		quiet_error(s, e->loc, "semantic error: members of a computed value are not supported yet%s%s", "", "");
		return !s->quiet_targets;
	}
	const char *name = strip_dollars(e->str, &dollars);
	if (dollars >= 2)
		return resolve_context(s, e, site, name);
	if (site->kind == USITE_MARK)
		return resolve_mark_arg(s, e, site, name);
	if (site->kind == USITE_RETURN) {
		/* other variables were moved to the entry (elab_entry.c);
		 * only @defined asks here: does the entry have it? */
		if (strcmp(name, "return") == 0)
			return resolve_return(s, e, site);
		struct uvar *vars = NULL;
		const char *why;
		int n = s->quiet_targets && site->func && site->func->die
				? ubin_vars_at(&s->arena, site->bin, site->func, 0, &vars, &why)
				: 0;
		for (int i = 0; i < n; i++)
			if (strcmp(vars[i].name, name) == 0)
				return true;
		return false;
	}
	read_vars(s, site);
	if (site->nvars < 0) {
		quiet_error(s, e->loc, "semantic error: cannot read '$%s': %s", name,
			    site->func && !site->func->die ? no_debuginfo(s, site) : site->vars_err);
		return !s->quiet_targets;
	}
	for (int i = 0; i < site->nvars; i++)
		if (strcmp(site->vars[i].name, name) == 0)
			return bind_var(s, e, site, &site->vars[i]);
	return false;
}

/* ---- -L ------------------------------------------------------------------ */

static void uprobe_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	const struct usite *site = usite_of(pp);
	if (!site)
		return;
	if (site->kind == USITE_MARK) {
		for (int i = 0; i < site->mark->nargs; i++)
			sb_printf(out, "%s$arg%d:long", i ? " " : "", i + 1);
		return;
	}
	if (!site->func)
		return;
	if (site->kind == USITE_RETURN) {
		struct tplace t;
		if (ubin_return_type(site->bin, site->func, &t)) {
			sb_puts(out, "$return:");
			ubin_put_type(out, t);
		}
		return;
	}
	ubin_describe_func(site->bin, site->func, out);
}

/* ---- attaching --------------------------------------------------------------- */

static bool uprobe_attach(struct session *s, struct probe *p, struct attach *out)
{
	(void)s;
	const struct usite *site = usite_of(p->resolved_point);
	if (!site) {
		diag_error(p->resolved_point->loc, "semantic error: this process probe has no site");
		return false;
	}
	if (site->kernel) { /* a kprobe inside the function (a kretprobe at its entry) */
		out->kind = ATTACH_KPROBE;
		out->kprobe.function = site->kfunc;
		out->kprobe.module = site->kmodule;
		out->kprobe.offset = site->offset;
		out->kprobe.ret = site->kind == USITE_RETURN;
		out->kprobe.via_kprobe = true;
		out->kprobe.regs_ctx = true;
		return true;
	}
	out->kind = ATTACH_UPROBE;
	out->uprobe.path = site->bin->path;
	out->uprobe.offset = site->offset;
	out->uprobe.ret = site->kind == USITE_RETURN;
	out->uprobe.semaphore = site->sema_offset;
	out->uprobe.pid = site->pid == USITE_ANY_PID ? 0 : site->pid == USITE_TARGET_PID ? -1 : site->pid;
	out->uprobe.addr = site->addr;
	return true;
}

const struct provider provider_uprobe = {
	.name = "process(\"PATH\")",
	.kernel_context = true,
	.claims = uprobe_claims,
	.expand = uprobe_expand,
	.resolve_target = uprobe_resolve_target,
	.describe_vars = uprobe_describe_vars,
	.attach = uprobe_attach,
};
