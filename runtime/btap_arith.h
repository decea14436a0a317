/* Script arithmetic, shared by the BPF and the user build of generated
 * code: 64-bit two's complement that wraps (as in stap), and division that
 * raises stap's runtime error on zero. The including runtime defines
 * BTAP_INLINE, int64_t/uint64_t, struct btap_ctx, btap_raise_lit and its own
 * btap_sdiv/btap_smod (BPF has no signed division instruction). */
#ifndef BTAP_ARITH_H
#define BTAP_ARITH_H

#define btap_add(a, b) ((int64_t)((uint64_t)(a) + (uint64_t)(b)))
#define btap_sub(a, b) ((int64_t)((uint64_t)(a) - (uint64_t)(b)))
#define btap_mul(a, b) ((int64_t)((uint64_t)(a) * (uint64_t)(b)))
#define btap_neg(a) ((int64_t)(0 - (uint64_t)(a)))
#define btap_shl(a, b) ((int64_t)((uint64_t)(a) << ((b) & 63)))
#define btap_shr(a, b) ((int64_t)(a) >> ((b) & 63))

static BTAP_INLINE int64_t btap_div(struct btap_ctx *c, int64_t x, int64_t y, int site)
{
	if (y == 0) {
		btap_raise_lit(c, site, "division by 0");
		return 0;
	}
	return btap_sdiv(x, y);
}

static BTAP_INLINE int64_t btap_mod(struct btap_ctx *c, int64_t x, int64_t y, int site)
{
	if (y == 0) {
		btap_raise_lit(c, site, "division by 0");
		return 0;
	}
	return btap_smod(x, y);
}

#endif
