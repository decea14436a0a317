/* The tracepoint catalog and the kernel.trace provider, against this
 * machine's kernel (needs root for tracefs). */
#include "check.h"
#include "translator/provider.h"
#include "translator/tracepoints.h"

#include <stdlib.h>
#include <string.h>

static struct session sess;
static const struct src_file *src;

static struct loc at(int col)
{
	return (struct loc){ .file = src, .line = 1, .col = col };
}

static bool has_event(struct vec *v, const char *group, const char *name)
{
	VEC_FOREACH(*v, i) {
		struct tp_event *e = VEC_AT(*v, i, struct tp_event *);
		if (strcmp(e->group, group) == 0 && strcmp(e->name, name) == 0)
			return true;
	}
	return false;
}

static bool sorted(struct vec *v)
{
	for (int i = 1; i < v->n; i++) {
		struct tp_event *a = v->v[i - 1], *b = v->v[i];
		int c = strcmp(a->group, b->group);
		if (c > 0 || (c == 0 && strcmp(a->name, b->name) >= 0))
			return false;
	}
	return true;
}

static void test_listing(void)
{
	struct vec v = { 0 };
	CHECK(tp_list(&sess.arena, "sched:sched_switch", &v) == 1);
	if (v.n == 1) {
		CHECK_STR(VEC_AT(v, 0, struct tp_event *)->group, "sched");
		CHECK_STR(VEC_AT(v, 0, struct tp_event *)->name, "sched_switch");
	}

	struct vec all = { 0 };
	CHECK(tp_list(&sess.arena, "sched:*", &all) > 10);
	CHECK(has_event(&all, "sched", "sched_switch"));
	CHECK(has_event(&all, "sched", "sched_process_exec"));
	CHECK(sorted(&all));

	/* Without a group, the name is matched in every group (as stap). */
	struct vec bare = { 0 };
	CHECK(tp_list(&sess.arena, "sched_switch", &bare) == 1);
	CHECK(has_event(&bare, "sched", "sched_switch"));
	struct vec anygroup = { 0 };
	CHECK(tp_list(&sess.arena, "*:sched_switch", &anygroup) == 1);

	struct vec opens = { 0 };
	CHECK(tp_list(&sess.arena, "syscalls:sys_enter_open*", &opens) >= 2);
	CHECK(has_event(&opens, "syscalls", "sys_enter_openat"));
	CHECK(!has_event(&opens, "syscalls", "sys_exit_openat"));

	struct vec none = { 0 };
	CHECK(tp_list(&sess.arena, "nosuch:event", &none) == 0);
	CHECK(tp_list(&sess.arena, "sched:nosuch_*", &none) == 0);
	CHECK(none.n == 0);

	/* ftrace's own record formats are not tracepoints. */
	struct vec ft = { 0 };
	CHECK(tp_list(&sess.arena, "ftrace:*", &ft) == 0);

	CHECK(tp_pattern_match("sched:*", "sched", "sched_switch"));
	CHECK(!tp_pattern_match("sched:*", "irq", "irq_handler_entry"));
	CHECK(tp_pattern_match("*switch", "sched", "sched_switch"));
	CHECK(!tp_pattern_match("switch", "sched", "sched_switch"));
	/* brace groups, nested, on either side of the colon */
	CHECK(tp_pattern_match("sched:sched_{switch,wakeup}", "sched", "sched_wakeup"));
	CHECK(tp_pattern_match("sched:sched_{switch,wakeup}", "sched", "sched_switch"));
	CHECK(!tp_pattern_match("sched:sched_{switch,wakeup}", "sched", "sched_wakeup_new"));
	CHECK(tp_pattern_match("{irq,sched}:*_{s{w,x}itch,entry}", "irq", "irq_handler_entry"));
	CHECK(tp_pattern_match("{irq,sched}:*_{s{w,x}itch,entry}", "sched", "sched_sxitch"));
	CHECK(!tp_pattern_match("{irq,sched}:*_{switch,entry}", "timer", "timer_entry"));
	CHECK(tp_pattern_match("sched:sched_{switch", "sched", "sched_{switch"));
}

static void test_sched_fields(void)
{
	struct tp_event *ev = tp_event_load(&sess.arena, "sched", "sched_switch");
	CHECK(ev != NULL);
	if (!ev)
		return;
	CHECK(ev->id > 0);
	const struct tp_field *f = tp_event_field(ev, "prev_comm");
	CHECK(f && f->kind == TP_FIELD_CHAR_ARRAY && f->array_len == 16 && f->size == 16);
	CHECK(f && tp_field_is_string(f));
	f = tp_event_field(ev, "prev_pid");
	CHECK(f && f->kind == TP_FIELD_INT && f->size == 4 && f->is_signed && f->val_size == 4 && f->val_signed);
	CHECK(f && f->offset == 24);
	CHECK_STR(f ? f->ctype : NULL, "pid_t");
	CHECK(tp_event_field(ev, "prev_state") != NULL);
	f = tp_event_field(ev, "common_pid");
	CHECK(f && f->is_common);
	CHECK(tp_event_field(ev, "nosuch") == NULL);
	if (kernel_btf())
		CHECK_STR(ev->btf_struct, "trace_event_raw_sched_switch");

	ev = tp_event_load(&sess.arena, "sched", "sched_process_exec");
	CHECK(ev != NULL);
	f = ev ? tp_event_field(ev, "filename") : NULL;
	CHECK(f && f->kind == TP_FIELD_DATA_LOC_STR && f->size == 4);
	CHECK(f && tp_field_is_string(f));
	CHECK_STR(f ? f->elem_ctype : NULL, "char");

	/* Events sharing a class use the class's struct. */
	ev = tp_event_load(&sess.arena, "sched", "sched_wakeup");
	CHECK(ev && tp_event_field(ev, "comm") && tp_event_field(ev, "target_cpu"));
	if (ev && kernel_btf())
		CHECK_STR(ev->btf_struct, "trace_event_raw_sched_wakeup_template");

	CHECK(tp_event_load(&sess.arena, "sched", "nosuch") == NULL);
	CHECK(tp_event_load(&sess.arena, "..", "sched") == NULL);
}

static void test_syscall_fields(void)
{
	struct tp_event *ev = tp_event_load(&sess.arena, "syscalls", "sys_enter_openat");
	CHECK(ev != NULL);
	if (!ev)
		return;
	const struct tp_field *f = tp_event_field(ev, "filename");
	CHECK(f && f->kind == TP_FIELD_POINTER);
	CHECK_STR(f ? f->ctype : NULL, "const char *");
	CHECK_STR(f ? f->elem_ctype : NULL, "const char");
	/* Arguments are stored as longs; the value keeps its C type. */
	f = tp_event_field(ev, "flags");
	CHECK(f && f->kind == TP_FIELD_INT && f->size == 8 && f->val_size == 4 && f->val_signed);
	f = tp_event_field(ev, "dfd");
	CHECK(f && f->kind == TP_FIELD_INT && f->val_size == 4 && f->val_signed);
	f = tp_event_field(ev, "mode");
	CHECK(f && f->kind == TP_FIELD_INT);
	if (f && kernel_btf())
		CHECK(f->val_size == 2 && !f->val_signed); /* umode_t */

	ev = tp_event_load(&sess.arena, "raw_syscalls", "sys_enter");
	CHECK(ev != NULL);
	f = ev ? tp_event_field(ev, "id") : NULL;
	CHECK(f && f->kind == TP_FIELD_INT && f->size == 8 && f->is_signed);
	f = ev ? tp_event_field(ev, "args") : NULL;
	CHECK(f && f->kind == TP_FIELD_ARRAY && f->array_len == 6 && f->elem_size == 8);
	CHECK_STR(f ? f->elem_ctype : NULL, "unsigned long");

	/* A struct pointer is typed through BTF for $p->member. */
	ev = tp_event_load(&sess.arena, "syscalls", "sys_enter_connect");
	f = ev ? tp_event_field(ev, "uservaddr") : NULL;
	CHECK(f && f->kind == TP_FIELD_POINTER);
	if (f && kernel_btf()) {
		CHECK(f->type.id > 0 && f->type.ptr_depth == 1 && f->type.src == type_source_kernel());
		struct tplace p = f->type;
		CHECK_STR(tplace_type_name(&sess.arena, p), "struct sockaddr *");
		CHECK(tplace_member(&p, "sa_family") && tplace_class(p) == TPLACE_INT);
	}
}

static struct probe_point *make_point(const char *first, const char *second, struct expr *arg)
{
	struct probe_point *pp = arena_alloc(&sess.arena, sizeof *pp);
	pp->loc = at(7);
	struct pp_component *k = arena_alloc(&sess.arena, sizeof *k);
	k->name = first;
	k->loc = at(7);
	vec_push(&sess.arena, &pp->comps, k);
	struct pp_component *t = arena_alloc(&sess.arena, sizeof *t);
	t->name = second;
	t->loc = at(14);
	t->arg = arg;
	vec_push(&sess.arena, &pp->comps, t);
	return pp;
}

static struct expr *str_arg(const char *text)
{
	struct expr *e = expr_new(&sess.arena, E_STR, at(20));
	e->str = text;
	return e;
}

static const char *point_arg(struct vec *v, int i)
{
	struct probe_point *pp = VEC_AT(*v, i, struct probe_point *);
	return VEC_AT(pp->comps, 1, struct pp_component *)->arg->str;
}

static void test_expand(void)
{
	const struct provider *pv = &provider_tracepoint;
	struct probe_point *pp = make_point("kernel", "trace", str_arg("sched:sched_process_*"));
	CHECK(pv->claims(pp));
	CHECK(!pv->claims(make_point("kernel", "function", str_arg("x"))));

	struct vec out = { 0 };
	CHECK(pv->expand(&sess, pp, &out));
	CHECK(out.n >= 3);
	bool saw_exec = false;
	VEC_FOREACH(out, i) {
		const char *a = point_arg(&out, i);
		CHECK(strncmp(a, "sched:sched_process_", 20) == 0 && !strchr(a, '*'));
		saw_exec |= strcmp(a, "sched:sched_process_exec") == 0;
	}
	CHECK(saw_exec);

	struct vec nomatch = { 0 };
	CHECK(pv->expand(&sess, make_point("kernel", "trace", str_arg("nosuch:event")), &nomatch));
	CHECK(nomatch.n == 0);

	diag_capture_begin();
	struct expr *num = expr_new(&sess.arena, E_NUM, at(20));
	num->num = 3;
	struct vec bad = { 0 };
	CHECK(!pv->expand(&sess, make_point("kernel", "trace", num), &bad));
	CHECK(!pv->expand(&sess, make_point("kernel", "trace", NULL), &bad));
	char *msgs = diag_capture_take();
	CHECK(strstr(msgs, "test.stp:1:20: error: kernel.trace needs a string argument") != NULL);
	CHECK(strstr(msgs, "test.stp:1:14: error: kernel.trace needs a string argument") != NULL);
	free(msgs);
	diag_capture_end();
	CHECK(bad.n == 0);
}

static struct probe *probe_at(const char *event)
{
	struct vec out = { 0 };
	provider_tracepoint.expand(&sess, make_point("kernel", "trace", str_arg(event)), &out);
	struct probe *p = arena_alloc(&sess.arena, sizeof *p);
	p->resolved_point = out.n == 1 ? out.v[0] : NULL;
	return p;
}

static struct expr *target(const char *name)
{
	struct expr *e = expr_new(&sess.arena, E_TARGET, at(30));
	e->str = name;
	return e;
}

static struct expr *with_field(struct expr *e, const char *member)
{
	struct component *c = arena_alloc(&sess.arena, sizeof *c);
	c->kind = COMP_FIELD;
	c->field = member;
	c->loc = at(40);
	vec_push(&sess.arena, &e->components, c);
	return e;
}

static struct expr *with_index(struct expr *e)
{
	struct component *c = arena_alloc(&sess.arena, sizeof *c);
	c->kind = COMP_INDEX;
	c->index = expr_new(&sess.arena, E_NUM, at(41));
	c->loc = at(41);
	vec_push(&sess.arena, &e->components, c);
	return e;
}

static void test_targets(void)
{
	const struct provider *pv = &provider_tracepoint;
	struct probe *p = probe_at("sched:sched_switch");
	CHECK(p->resolved_point != NULL);

	struct expr *e = target("$prev_comm");
	CHECK(pv->resolve_target(&sess, p, e) && e->type == TY_STRING);
	CHECK(e->target_info && strcmp(((struct tp_field *)e->target_info)->name, "prev_comm") == 0);
	e = target("$prev_pid");
	CHECK(pv->resolve_target(&sess, p, e) && e->type == TY_LONG);
	e = target("$prev_state");
	CHECK(pv->resolve_target(&sess, p, e) && e->type == TY_LONG);
	CHECK(!pv->resolve_target(&sess, p, target("$nosuch")));

	struct expr *vars = expr_new(&sess.arena, E_TARGET_VARS, at(30));
	vars->op = "$$vars";
	CHECK(pv->resolve_target(&sess, p, vars) && vars->type == TY_STRING);
	vars = expr_new(&sess.arena, E_TARGET_VARS, at(30));
	vars->op = "parms";
	CHECK(pv->resolve_target(&sess, p, vars) && vars->type == TY_STRING);
	e = target("$$name");
	CHECK(pv->resolve_target(&sess, p, e) && e->type == TY_STRING);
	vars = expr_new(&sess.arena, E_TARGET_VARS, at(30));
	vars->op = "$$return";
	CHECK(!pv->resolve_target(&sess, p, vars));

	struct probe *exec = probe_at("sched:sched_process_exec");
	e = target("$filename");
	CHECK(pv->resolve_target(&sess, exec, e) && e->type == TY_STRING);

	struct probe *open = probe_at("syscalls:sys_enter_openat");
	e = target("$filename");
	CHECK(pv->resolve_target(&sess, open, e) && e->type == TY_LONG);
	for (int i = 0; i < 3; i++) {
		static const char *const names[] = { "$flags", "$mode", "$dfd" };
		e = target(names[i]);
		CHECK(pv->resolve_target(&sess, open, e) && e->type == TY_LONG);
	}
	e = with_index(target("$filename"));
	CHECK(pv->resolve_target(&sess, open, e) && e->type == TY_LONG);

	struct probe *raw = probe_at("raw_syscalls:sys_enter");
	e = with_index(target("$args"));
	CHECK(pv->resolve_target(&sess, raw, e) && e->type == TY_LONG);

	/* Members through BTF. */
	struct probe *conn = probe_at("syscalls:sys_enter_connect");
	e = with_field(target("$uservaddr"), "sa_family");
	CHECK(pv->resolve_target(&sess, conn, e) && e->type == TY_LONG);
	if (kernel_btf()) {
		struct tp_access *acc = e->target_info;
		CHECK(acc && acc->resolved && acc->value == TPLACE_INT);
		e = with_field(target("$uservaddr"), "sa_data");
		CHECK(pv->resolve_target(&sess, conn, e) && e->type == TY_STRING);
	}

	diag_capture_begin();
	int errors = diag_error_count();
	if (kernel_btf()) {
		e = with_field(target("$uservaddr"), "nosuch");
		CHECK(pv->resolve_target(&sess, conn, e));
	}
	e = with_field(target("$prev_pid"), "x");
	CHECK(pv->resolve_target(&sess, p, e));
	char *msgs = diag_capture_take();
	if (kernel_btf())
		CHECK(strstr(msgs, "test.stp:1:40: error: 'struct sockaddr' has no member 'nosuch'") != NULL);
	CHECK(strstr(msgs, "'$prev_pid' has type 'pid_t', which has no members") != NULL);
	CHECK(diag_error_count() > errors);
	free(msgs);
	diag_capture_end();
	diag_reset();
}

static void test_describe(void)
{
	struct vec out = { 0 };
	provider_tracepoint.expand(&sess, make_point("kernel", "trace", str_arg("sched:sched_switch")), &out);
	CHECK(out.n == 1);
	if (out.n != 1)
		return;
	struct strbuf b;
	sb_init(&b);
	provider_tracepoint.describe_vars(&sess, out.v[0], &b);
	CHECK_STR(b.s, "$prev_comm:string $prev_pid:long $prev_prio:long $prev_state:long "
	               "$next_comm:string $next_pid:long $next_prio:long");
	sb_free(&b);

	out.n = 0;
	provider_tracepoint.expand(&sess, make_point("kernel", "trace", str_arg("raw_syscalls:sys_enter")), &out);
	sb_init(&b);
	if (out.n == 1)
		provider_tracepoint.describe_vars(&sess, out.v[0], &b);
	CHECK_STR(b.s, "$id:long $args:long[6]");
	sb_free(&b);

	/* a pointer to a struct BTF knows shows its type: it has members */
	out.n = 0;
	provider_tracepoint.expand(&sess, make_point("kernel", "trace", str_arg("capability:cap_capable")), &out);
	sb_init(&b);
	if (out.n == 1)
		provider_tracepoint.describe_vars(&sess, out.v[0], &b);
	if (kernel_btf())
		CHECK(b.s && strncmp(b.s, "$cred:const struct cred* ", 25) == 0);
	sb_free(&b);
}

/* Without tracefs the catalog still knows every tracepoint from BTF. */
static void test_btf_fallback(void)
{
	if (!kernel_btf()) {
		printf("SKIP: BTF fallback: no kernel BTF\n");
		return;
	}
	tp_set_tracefs_dir("");
	struct vec v = { 0 };
	CHECK(tp_list(&sess.arena, "sched:sched_switch", &v) == 1);
	struct tp_event *ev = v.n == 1 ? v.v[0] : NULL;
	CHECK(ev && strcmp(ev->group, "") == 0 && strcmp(ev->name, "sched_switch") == 0);
	CHECK(ev && tp_event_load_fields(&sess.arena, ev));
	const struct tp_field *f = ev ? tp_event_field(ev, "prev_comm") : NULL;
	CHECK(f && f->kind == TP_FIELD_CHAR_ARRAY && f->offset == 8 && f->array_len == 16);
	f = ev ? tp_event_field(ev, "prev_pid") : NULL;
	CHECK(f && f->kind == TP_FIELD_INT && f->size == 4 && f->is_signed && f->offset == 24);
	f = ev ? tp_event_field(ev, "common_pid") : NULL;
	CHECK(f && f->is_common && f->offset == 4);
	ev = tp_event_load(&sess.arena, "", "sched_process_exec");
	f = ev ? tp_event_field(ev, "filename") : NULL;
	CHECK(f && f->kind == TP_FIELD_DATA_LOC_STR && f->offset == 8);
	tp_set_tracefs_dir(NULL);
}

int main(void)
{
	static const char text[] = "probe kernel.trace(\"sched:sched_switch\") { print($prev_comm->x) }\n";
	src = src_register("test.stp", text, sizeof text - 1, false);
	arena_init(&sess.arena);

	const char *dir = tp_tracefs_dir();
	if (!dir) {
		printf("SKIP: no tracefs (not mounted and mounting it failed: are we root?)\n");
		test_btf_fallback();
	} else {
		test_listing();
		test_sched_fields();
		test_syscall_fields();
		test_expand();
		test_targets();
		test_describe();
		test_btf_fallback();
	}
	arena_free(&sess.arena);
	tp_release();
	src_reset();
	return CHECK_DONE();
}
