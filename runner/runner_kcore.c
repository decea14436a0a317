/* Kernel memory for the probes the runner runs (begin, end, timers):
 * /proc/kcore, the kernel's memory as an ELF core file, its PT_LOAD
 * segments mapping kernel addresses to file offsets (libelf reads them).
 * Opened at the first read; where the kernel has no /proc/kcore (or
 * lockdown refuses it) every read is -ENOSYS and the runner says once
 * why. A read races the kernel as a kernel probe's would: an object
 * freed meanwhile reads as whatever the memory holds, never a fault. */
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kallsyms.h"
#include "runner_internal.h"

struct kcore_segment {
	uint64_t vaddr, size, offset;
};

static struct {
	bool tried;
	int fd;
	struct kcore_segment *seg;
	size_t nseg;
} kcore = {.fd = -1};

static void kcore_open(void)
{
	kcore.tried = true;
	int fd = open("/proc/kcore", O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "WARNING: kernel memory cannot be read in begin, end and timer probes here: "
				"/proc/kcore: %s (read it in a kernel probe and keep it in a global)\n",
			strerror(errno));
		return;
	}
	elf_version(EV_CURRENT);
	Elf *elf = elf_begin(fd, ELF_C_READ, NULL);
	size_t n = 0;
	if (!elf || elf_getphdrnum(elf, &n) != 0 || !(kcore.seg = calloc(n ? n : 1, sizeof *kcore.seg))) {
		fprintf(stderr, "WARNING: /proc/kcore is not an ELF core file here: %s\n", elf_errmsg(-1));
		if (elf)
			elf_end(elf);
		close(fd);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		GElf_Phdr ph;
		if (gelf_getphdr(elf, (int)i, &ph) && ph.p_type == PT_LOAD && ph.p_filesz)
			kcore.seg[kcore.nseg++] = (struct kcore_segment){ph.p_vaddr, ph.p_filesz, ph.p_offset};
	}
	elf_end(elf);
	kcore.fd = fd;
}

int runner_kcore_read(void *dst, uint64_t addr, uint64_t len)
{
	if (!kcore.tried)
		kcore_open();
	if (kcore.fd < 0)
		return -ENOSYS;
	for (size_t i = 0; i < kcore.nseg; i++) {
		const struct kcore_segment *s = &kcore.seg[i];
		if (addr < s->vaddr || addr - s->vaddr >= s->size || len > s->size - (addr - s->vaddr))
			continue;
		ssize_t got = pread(kcore.fd, dst, len, (off_t)(s->offset + (addr - s->vaddr)));
		return got == (ssize_t)len ? 0 : -EFAULT;
	}
	return -EFAULT;
}

static uint64_t op_kernel_symbol(const char *name)
{
	return kallsyms_first(name, false, NULL);
}

/* /proc/kcore, unless the runtime reads kernel memory itself (through
 * the kmod runtime's module, or a BPF program: runner_kread.c). */
void runner_bind_kcore_ops(struct btap_runner_ops *ops)
{
	if (!ops->kernel_read)
		ops->kernel_read = runner_kcore_read;
	ops->kernel_symbol = op_kernel_symbol;
}

void runner_kcore_close(void)
{
	if (kcore.fd >= 0)
		close(kcore.fd);
	free(kcore.seg);
	kcore.seg = NULL;
	kcore.nseg = 0;
	kcore.fd = -1;
	kcore.tried = false;
}
