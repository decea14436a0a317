/* The runner's view of struct task_struct: where the task_*() natives find
 * their fields when a begin, end or timer probe calls them.
 *
 * In kernel context the runtimes read a task with the kernel's own types
 * (CO-RE on BPF, kernel C on kmod); the runner reads kernel memory by
 * address (runtime/user/btap_user.h), so it is handed the offsets, from
 * the kernel's BTF, of the fields those natives read. Written only when a
 * function the runner runs uses them; where the kernel has no BTF the
 * layout is left unknown and the natives raise an error that says so. */
#include <string.h>

#include "emit_internal.h"
#include "translator/types.h"

/* The byte offset of a dotted member path ("thread_info.cpu") inside the
 * struct p points to, through members held by value; its size in *size.
 * -1 when the kernel has no such member. */
static int member_path(struct tplace p, const char *path, int *size)
{
	char name[64];
	int bits = 0;
	while (*path) {
		size_t n = strcspn(path, ".");
		if (n >= sizeof name)
			return -1;
		memcpy(name, path, n);
		name[n] = 0;
		if (!tplace_member(&p, name) || p.bit_size)
			return -1;
		bits += p.member_bits;
		path += n + (path[n] == '.');
	}
	*size = tplace_size(p);
	return bits % 8 || *size <= 0 ? -1 : bits / 8;
}

struct field {
	const char *name;       /* in struct btap_task_layout */
	const char *type;       /* the struct it is in */
	const char *paths[2];   /* the member, as kernels spell it (first found) */
};

static const struct field fields[] = {
	{"tgid", "struct task_struct", {"tgid"}},
	{"pid", "struct task_struct", {"pid"}},
	{"real_parent", "struct task_struct", {"real_parent"}},
	{"comm", "struct task_struct", {"comm"}},
	{"cred", "struct task_struct", {"cred"}},
	/* state became __state in 5.14 */
	{"state", "struct task_struct", {"__state", "state"}},
	/* thread_info.cpu, except from 4.9 to 5.15: the task's own cpu */
	{"cpu", "struct task_struct", {"thread_info.cpu", "cpu"}},
	{"prio", "struct task_struct", {"prio"}},
	{"static_prio", "struct task_struct", {"static_prio"}},
	{"start_time", "struct task_struct", {"start_time"}},
	{"utime", "struct task_struct", {"utime"}},
	{"stime", "struct task_struct", {"stime"}},
	{"uid", "struct cred", {"uid.val"}},
	{"euid", "struct cred", {"euid.val"}},
	{"gid", "struct cred", {"gid.val"}},
	{"egid", "struct cred", {"egid.val"}},
};

/* Does a function the runner runs read tasks through the natives? */
static bool runner_reads_tasks(const struct emitter *em)
{
	VEC_FOREACH(em->funcs, i) {
		const struct em_func *f = VEC_AT(em->funcs, i, const struct em_func *);
		if ((f->where & EM_CTX_RUNNER) && f->f->embedded && strstr(f->f->embedded, "btap_task_"))
			return true;
	}
	return false;
}

void em_task_layout(struct emitter *em, struct strbuf *b)
{
	if (!runner_reads_tasks(em))
		return;
	const struct type_source *src = type_source_kernel();
	struct strbuf init;
	sb_init(&init);
	bool known = src != NULL;
	for (size_t i = 0; known && i < sizeof fields / sizeof fields[0]; i++) {
		struct tplace p;
		int off = -1, size = 0;
		if (!tplace_for_cast(src, fields[i].type, &p)) {
			known = false;
			break;
		}
		for (int k = 0; k < 2 && off < 0 && fields[i].paths[k]; k++)
			off = member_path(p, fields[i].paths[k], &size);
		if (off < 0 || (size > 8 && strcmp(fields[i].name, "comm") != 0)) {
			known = false;
			break;
		}
		sb_printf(&init, ", .%s = {%d, %d}", fields[i].name, off, size);
	}
	sb_printf(b, "#ifndef %s\n", em->rt->kernel_build);
	em->runner_kernel_layout |= known;
	if (known)
		sb_printf(b, "static const struct btap_task_layout btap_task_layout = {.known = 1%s};\n", init.s ? init.s : "");
	else
		sb_puts(b, "/* the kernel's BTF does not describe its tasks: the task_*() natives raise an error */\n");
	sb_puts(b, "#endif\n\n");
	sb_free(&init);
}
