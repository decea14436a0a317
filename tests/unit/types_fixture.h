/* Types for test_types.c: what target expressions walk (nested structs,
 * arrays of two dimensions, pointers, typedefs, bitfields, anonymous and
 * named unions, enums with negative values, flexible arrays, qualifiers,
 * function pointers, a struct never defined), plus UAPI structs the
 * kernel's BTF describes too, so one chain can be walked in both. The
 * test includes it for offsetof/sizeof; types_fixture.c is built with -g
 * by each compiler for the DWARF. */
#ifndef BTAP_TYPES_FIXTURE_H
#define BTAP_TYPES_FIXTURE_H

#include <linux/bpf.h>
#include <linux/ip.h>
#include <linux/perf_event.h>

typedef unsigned long fx_word;
typedef struct fx_point {
	int x, y;
} fx_point_t;

enum fx_color { FX_RED = -2, FX_GREEN = 0, FX_BLUE = 200 };

union fx_value {
	long l;
	char bytes[8];
	struct fx_point pt;
};

struct fx_inner {
	short tag;
	fx_word words[3];
	const char *label;
};

struct fx_opaque;

struct fx_node {
	int id;
	struct fx_inner inner;
	struct fx_inner *next_inner;
	struct fx_node *next;
	fx_point_t grid[2][3];
	unsigned int flag_a : 3;
	signed int flag_b : 5;
	unsigned int flag_c : 12;
	union {
		long as_long;
		struct {
			int lo, hi;
		};
	};
	union fx_value value;
	enum fx_color color;
	char name[16];
	volatile const int cv;
	int (*callback)(int);
	struct fx_opaque *opaque;
	struct iphdr ip;
	struct perf_event_attr attr;
	enum bpf_map_type map_type;
	int tail[];
};

#endif
