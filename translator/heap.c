/* The heap of a short-lived tool that reads large files.  See heap.h. */
#define _DEFAULT_SOURCE
#include "heap.h"

#include <malloc.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define HEAP_RESERVE ((size_t)64 << 20)
#define HUGE_PAGE ((uintptr_t)2 << 20)

void heap_prepare(void)
{
	/* Keep what was grown: each shrink flushes the TLB, costly under
	 * some hypervisors. */
	mallopt(M_TRIM_THRESHOLD, 512 << 20);
	/* Large blocks (inflated debug sections, libdw's tables) come from
	 * the heap too, not from fresh mmaps that fault page by page. */
	mallopt(M_MMAP_THRESHOLD, 256 << 20);
	mallopt(M_TOP_PAD, (int)HEAP_RESERVE);
	/* Grow the heap once, by the reserve (address space only), and ask
	 * for transparent huge pages on it: one fault per 2 MB instead of
	 * one per 4 KB (a first libc listing: ~9600 faults -> ~900). */
	void *probe = malloc(1 << 20);
	if (!probe)
		return;
	uintptr_t lo = ((uintptr_t)probe + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1);
	uintptr_t hi = (uintptr_t)sbrk(0) & ~(HUGE_PAGE - 1);
	free(probe);
	/* Only where the block really is on the brk heap (not under a
	 * sanitizer's allocator); a kernel without THP says EINVAL. */
	if (hi > lo && hi - lo <= 2 * HEAP_RESERVE)
		(void)madvise((void *)lo, hi - lo, MADV_HUGEPAGE);
}
