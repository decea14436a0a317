/* /proc/kallsyms, read once and indexed two ways (kallsyms.h). */
#include "kallsyms.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "translator/util.h"

static struct arena arena;
static bool read_done;
static struct ksym *all;              /* in /proc/kallsyms order */
static size_t nall;
static const struct ksym **by_addr;   /* code symbols, by address */
static size_t ncode;
static const struct ksym **by_name;   /* every symbol, by name then order */
static bool hidden;

static int cmp_addr(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym *const *)a, *y = *(const struct ksym *const *)b;
	return x->addr < y->addr ? -1 : x->addr > y->addr ? 1 : (x->order > y->order) - (x->order < y->order);
}

static int cmp_name(const void *a, const void *b)
{
	const struct ksym *x = *(const struct ksym *const *)a, *y = *(const struct ksym *const *)b;
	int c = strcmp(x->name, y->name);
	return c ? c : (x->order > y->order) - (x->order < y->order);
}

static bool is_code(char type)
{
	return strchr("tTwW", type) != NULL;
}

static void read_all(void)
{
	read_done = true;
	arena_init(&arena);
	FILE *f = fopen("/proc/kallsyms", "r");
	size_t cap = 0;
	char line[512];
	while (f && fgets(line, sizeof line, f)) {
		char name[256], mod[128] = "";
		unsigned long long addr;
		char type;
		int n = sscanf(line, "%llx %c %255s [%127[^]]]", &addr, &type, name, mod);
		if (n < 3)
			continue;
		if (nall == cap) {
			cap = cap ? cap * 2 : 65536;
			all = xrealloc(all, cap * sizeof(*all));
		}
		all[nall] = (struct ksym){addr, arena_strdup(&arena, name),
					  n == 4 && *mod ? arena_strdup(&arena, mod) : NULL, type, (unsigned)nall};
		if (!addr && strcmp(name, "_text") == 0)
			hidden = true;
		nall++;
	}
	if (f)
		fclose(f);
	by_addr = xcalloc(nall + 1, sizeof(*by_addr));
	by_name = xcalloc(nall + 1, sizeof(*by_name));
	for (size_t i = 0; i < nall; i++) {
		by_name[i] = &all[i];
		if (all[i].addr && is_code(all[i].type))
			by_addr[ncode++] = &all[i];
	}
	qsort(by_addr, ncode, sizeof(*by_addr), cmp_addr);
	qsort(by_name, nall, sizeof(*by_name), cmp_name);
}

const struct ksym *kallsyms_at(uint64_t addr, uint64_t *size)
{
	if (!read_done)
		read_all();
	size_t lo = 0, hi = ncode;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (by_addr[mid]->addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	*size = 0;
	if (!lo)
		return NULL;
	const struct ksym *k = by_addr[lo - 1];
	*size = lo < ncode ? by_addr[lo]->addr - k->addr : 0;
	return k;
}

int kallsyms_named(const char *name, const struct ksym *const **out)
{
	if (!read_done)
		read_all();
	size_t lo = 0, hi = nall;
	while (lo < hi) { /* the first of that name */
		size_t mid = lo + (hi - lo) / 2;
		if (strcmp(by_name[mid]->name, name) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	size_t end = lo;
	while (end < nall && strcmp(by_name[end]->name, name) == 0)
		end++;
	*out = by_name + lo;
	return (int)(end - lo);
}

uint64_t kallsyms_first(const char *name, bool text, int *count)
{
	const struct ksym *const *v;
	int n = kallsyms_named(name, &v), found = 0;
	uint64_t addr = 0;
	for (int i = 0; i < n; i++) {
		if (!v[i]->addr || (text && !is_code(v[i]->type)))
			continue;
		if (!found++)
			addr = v[i]->addr;
	}
	if (count)
		*count = found;
	return addr;
}

bool kallsyms_hidden(void)
{
	if (!read_done)
		read_all();
	return hidden;
}

void kallsyms_release(void)
{
	if (!read_done)
		return;
	free(all);
	free(by_addr);
	free(by_name);
	arena_free(&arena);
	all = NULL;
	by_addr = by_name = NULL;
	nall = ncode = 0;
	hidden = false;
	read_done = false;
}
