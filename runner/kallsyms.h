/* The kernel's symbols, read from /proc/kallsyms once per process: by
 * address, to name kernel stack frames; by name, to attach where a name
 * is not enough (a kprobe on a name several functions share, a hardware
 * breakpoint on a variable) and to hand the kmod runtime the addresses
 * its @var and kernel.data need. */
#ifndef BTAP_RUNNER_KALLSYMS_H
#define BTAP_RUNNER_KALLSYMS_H

#include <stdbool.h>
#include <stdint.h>

struct ksym {
	uint64_t addr;      /* 0 when the kernel hides addresses */
	const char *name;
	const char *module; /* NULL: the kernel's own */
	char type;          /* nm's letter: 't', 'T', 'd', 'b' ... */
	unsigned order;     /* its place in /proc/kallsyms */
};

/* The code symbol (t, T, w, W) at or below addr, the nearest one, and in
 * *size the bytes to the next (0: the last); NULL below the first. */
const struct ksym *kallsyms_at(uint64_t addr, uint64_t *size);

/* The symbols called name, the kernel's and the modules', in
 * /proc/kallsyms order: how many, *out the first (an array). */
int kallsyms_named(const char *name, const struct ksym *const **out);

/* The address of the first symbol called name (only code symbols when
 * text), 0 when none; *count (when asked): how many such symbols. */
uint64_t kallsyms_first(const char *name, bool text, int *count);

/* Does /proc/kallsyms hide the addresses (kernel.kptr_restrict)? */
bool kallsyms_hidden(void);

/* Forget what was read (the next question reads it again). */
void kallsyms_release(void);

#endif
