/* runner/kallsyms.c against this machine's /proc/kallsyms: the two
 * indexes agree with each other and with the file. */
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "runner/kallsyms.h"

/* The first "ADDR t NAME" line of /proc/kallsyms for name (code only). */
static uint64_t first_in_file(const char *name)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[512], sym[256], type;
	unsigned long long a;
	uint64_t found = 0;
	while (f && !found && fgets(line, sizeof line, f))
		if (sscanf(line, "%llx %c %255s", &a, &type, sym) == 3 && strchr("tTwW", type) && a &&
		    strcmp(sym, name) == 0)
			found = a;
	if (f)
		fclose(f);
	return found;
}

int main(void)
{
	if (kallsyms_hidden() || !first_in_file("_text")) {
		printf("unit %s: skipped: /proc/kallsyms hides the addresses here\n", __FILE__);
		return CHECK_DONE();
	}
	/* by name: the file's first, the same through both questions */
	uint64_t sched = first_in_file("schedule");
	CHECK(sched != 0);
	int n = 0;
	CHECK(kallsyms_first("schedule", true, &n) == sched);
	CHECK(n == 1);
	const struct ksym *const *v;
	CHECK(kallsyms_named("schedule", &v) >= 1 && v[0]->addr == sched && !v[0]->module);
	CHECK(kallsyms_named("no_such_symbol_in_any_kernel", &v) == 0);
	CHECK(kallsyms_first("no_such_symbol_in_any_kernel", false, &n) == 0 && n == 0);
	/* by address: the symbol at an address and just past it */
	uint64_t size;
	const struct ksym *k = kallsyms_at(sched, &size);
	CHECK(k && k->addr == sched);
	CHECK(size > 0);
	k = kallsyms_at(sched + 1, &size);
	CHECK(k && k->addr == sched);
	CHECK(kallsyms_at(1, &size) == NULL);
	/* read again after a release */
	kallsyms_release();
	CHECK(kallsyms_first("schedule", true, NULL) == sched);
	kallsyms_release();
	return CHECK_DONE();
}
