/* sprintf in kernel context, for both kernel runtimes: the kernel's printf
 * dialect as bpf_snprintf takes it (the kmod runtime passes the same
 * format and slots to the kernel's snprintf). The kernel's printf has no
 * %o, no '*', no precision for numbers or %.Ns, so each script conversion
 * becomes a kernel format plus
 * a way to prepare its argument (struct kslot): as it is, converted to
 * octal text, cut to a precision, or a field laid out the way
 * runtime/format.c does (btap_fmt_field_). What bpf_snprintf cannot
 * produce is a located error. Hooks format_prepare/format_arg of
 * emit/emit_runtime.h (runtime/btap_kprintf.h is their runtime half). */
#include "emit_internal.h"

#include "runtime/format.h"

#include <ctype.h>
#include <string.h>

/* Slots of one plan: the most arguments a print takes (emit_print.c). */
#define BPF_FORMAT_SLOTS 32

/* How an argument reaches bpf_snprintf. */
enum karg {
	KARG_AS_IS,   /* the value itself */
	KARG_OCTAL,   /* converted to octal text first (the kernel has no %o) */
	KARG_STRN,    /* a string cut to the precision first (no %.Ns) */
	KARG_FIELD,   /* the conversion alone, then width and precision laid
	                 out as runtime/format.c does (no '*' in the kernel's
	                 printf, no precision for its numbers) */
	KARG_EMPTY,   /* a '*' value: an empty string in its slot */
};

/* One script argument's way into bpf_snprintf. */
struct kslot {
	enum karg how;
	int prec;           /* KARG_STRN; KARG_FIELD static precision, -1 unset */
	bool special;       /* KARG_OCTAL: '#' */
	const char *inner;  /* KARG_FIELD: the kernel format of the value alone
	                       (NULL: a string; "o": octal text) */
	int width;          /* KARG_FIELD: static width, 0 none */
	int width_arg;      /* KARG_FIELD: script argument of a '*' width, or -1 */
	int prec_arg;       /* KARG_FIELD: script argument of a '*' precision, or -1 */
	unsigned flags;     /* KARG_FIELD: RT_FMT_F_LEFT / RT_FMT_F_ZEROPAD */
	bool num;           /* KARG_FIELD: a number (precision is digits) */
	int prefix;         /* KARG_FIELD: bytes of "0x" before the digits */
	const char *suffix; /* letters or digits the format has right after a
	                       string conversion: the kernel refuses "%sms",
	                       so they join the string in its slot */
};

/* A conversion with a '*' or a precision on a number: the value alone
 * goes through the kernel's printf (or btap_octal), the field is laid out
 * by btap_fmt_field_. Returns false for what a string cannot carry (%0s
 * appends a NUL byte) or the kernel cannot produce (%#c escapes, '#' octal
 * with a field). */
static bool bpf_field(const struct rt_fmt_spec *sp, struct kslot *k)
{
	unsigned fl = sp->flags;
	bool special = fl & RT_FMT_F_SPECIAL;
	k->how = KARG_FIELD;
	k->width = sp->width > 0 ? sp->width : 0;
	k->prec = sp->precision >= 0 ? sp->precision : -1;
	k->flags = fl & (RT_FMT_F_LEFT | RT_FMT_F_ZEROPAD);
	k->num = true;
	k->prefix = 0;
	switch (sp->conv) {
	case RT_FMT_SIGNED:
		k->inner = fl & RT_FMT_F_PLUS ? "%+lld" : fl & RT_FMT_F_SPACE ? "% lld" : "%lld";
		return true;
	case RT_FMT_UNSIGNED:
		k->inner = "%llu";
		return true;
	case RT_FMT_HEX:
	case RT_FMT_HEX_UPPER:
	case RT_FMT_POINTER:
		special = special || sp->conv == RT_FMT_POINTER;
		k->prefix = special ? 2 : 0;
		k->inner = sp->conv == RT_FMT_HEX_UPPER ? (special ? "0X%llX" : "%llX")
							 : (special ? "0x%llx" : "%llx");
		return true;
	case RT_FMT_OCTAL:
		k->inner = "o";
		return !special;
	case RT_FMT_CHAR:
		k->inner = "%c";
		k->num = false;
		return !special && !(fl & RT_FMT_F_ZEROPAD) && sp->precision == RT_FMT_UNSET;
	case RT_FMT_STRING:
		k->inner = NULL;
		k->num = false;
		return !(fl & RT_FMT_F_ZEROPAD);
	default:
		return false;
	}
}

/* The kernel printf dialect of one conversion into b and how its
 * argument must be prepared, or false when bpf_snprintf cannot do it. */
static bool bpf_conv(struct strbuf *b, const struct rt_fmt_spec *sp, struct kslot *k)
{
	k->how = KARG_AS_IS;
	bool special = sp->flags & RT_FMT_F_SPECIAL;
	bool num_prec = sp->precision != RT_FMT_UNSET && sp->conv != RT_FMT_STRING;
	if (sp->width == RT_FMT_DYNAMIC || sp->precision == RT_FMT_DYNAMIC || num_prec ||
	    (sp->conv == RT_FMT_POINTER && sp->width != RT_FMT_UNSET)) {
		if (!bpf_field(sp, k))
			return false;
		sb_puts(b, "%s");
		return true;
	}
	if (sp->conv == RT_FMT_POINTER || (special && (sp->conv == RT_FMT_HEX || sp->conv == RT_FMT_HEX_UPPER))) {
		/* stap's %p and %#x: a 0x prefix, even for 0 */
		if (sp->width != RT_FMT_UNSET) {
			if (!bpf_field(sp, k))
				return false;
			sb_puts(b, "%s");
			return true;
		}
		sb_puts(b, sp->conv == RT_FMT_HEX_UPPER ? "0X%llX" : "0x%llx");
		return true;
	}
	if (special && sp->conv != RT_FMT_OCTAL)
		return false;
	sb_putc(b, '%');
	if (sp->flags & RT_FMT_F_LEFT)
		sb_putc(b, '-');
	if (sp->flags & RT_FMT_F_PLUS)
		sb_putc(b, '+');
	if (sp->flags & RT_FMT_F_SPACE)
		sb_putc(b, ' ');
	if (sp->flags & RT_FMT_F_ZEROPAD) {
		if (sp->conv == RT_FMT_STRING || sp->conv == RT_FMT_OCTAL)
			return false;
		sb_putc(b, '0');
	}
	if (sp->width > 0)
		sb_printf(b, "%d", sp->width);
	switch (sp->conv) {
	case RT_FMT_SIGNED: sb_puts(b, "lld"); return true;
	case RT_FMT_UNSIGNED: sb_puts(b, "llu"); return true;
	case RT_FMT_HEX: sb_puts(b, "llx"); return true;
	case RT_FMT_HEX_UPPER: sb_puts(b, "llX"); return true;
	case RT_FMT_CHAR: sb_puts(b, "c"); return true;
	case RT_FMT_OCTAL:
		k->how = KARG_OCTAL;
		k->special = special;
		sb_puts(b, "s");
		return true;
	case RT_FMT_STRING:
		if (sp->precision != RT_FMT_UNSET) {
			k->how = KARG_STRN;
			k->prec = sp->precision;
		}
		sb_puts(b, "s");
		return true;
	default:
		return false;
	}
}

/* fmt in the kernel's dialect (NULL when it needs what bpf_snprintf
 * lacks), with how each script argument is prepared. */
static const char *bpf_format(struct em_fn *f, const char *fmt, struct kslot *k, int maxargs)
{
	struct rt_fmt_spec specs[64];
	int n = rt_format_parse(fmt, specs, 64);
	if (n < 0 || n > 64)
		return NULL;
	struct strbuf b;
	sb_init(&b);
	int arg = 0;
	for (int i = 0; i < n; i++) {
		const struct rt_fmt_spec *sp = &specs[i];
		if (sp->conv == RT_FMT_LITERAL) {
			em_put_format_text(&b, sp->text, sp->len);
			continue;
		}
		int stars = (sp->width == RT_FMT_DYNAMIC) + (sp->precision == RT_FMT_DYNAMIC);
		if (arg + stars >= maxargs)
			goto fail;
		int width_arg = -1, prec_arg = -1;
		if (sp->width == RT_FMT_DYNAMIC)
			width_arg = arg++;
		if (sp->precision == RT_FMT_DYNAMIC)
			prec_arg = arg++;
		/* each '*' fills its bpf_snprintf slot with "" */
		for (int s = 0; s < stars; s++) {
			k[arg - stars + s].how = KARG_EMPTY;
			sb_puts(&b, "%s");
		}
		size_t at = b.len;
		if (!bpf_conv(&b, sp, &k[arg]))
			goto fail;
		/* bpf_snprintf wants a space, a punctuation mark or the end after
		 * %s (it keeps %sX for extensions): "%sp%d" becomes "%s%d" with
		 * the "p" added to the string */
		struct rt_fmt_spec *next = i + 1 < n ? &specs[i + 1] : NULL;
		if (b.len && b.s[b.len - 1] == 's' && next && next->conv == RT_FMT_LITERAL && next->len &&
		    isalnum((unsigned char)next->text[0])) {
			size_t m = 0;
			while (m < next->len && isalnum((unsigned char)next->text[m]))
				m++;
			k[arg].suffix = arena_strndup(f->em->a, next->text, m);
			next->text += m;
			next->len -= m;
			if (strcmp(b.s + at, "%s") != 0) {
				/* a width the kernel would lay out around the
				 * letters too: the field is made first */
				b.len = at;
				b.s[at] = 0;
				if (!bpf_field(sp, &k[arg]))
					goto fail;
				sb_puts(&b, "%s");
			}
		}
		k[arg].width_arg = width_arg;
		k[arg].prec_arg = prec_arg;
		arg++;
	}
	const char *r = arena_strdup(f->em->a, b.s ? b.s : "");
	sb_free(&b);
	return r;
fail:
	sb_free(&b);
	return NULL;
}

/* The BTAP_SPRINTF_* line of script argument i. */
void em_kprintf_arg(struct em_fn *f, void *plan, int i, const struct em_print_arg *args)
{
	const struct kslot *k = (const struct kslot *)plan + i;
	const char *v = args[i].val;
	if (k->how == KARG_OCTAL) {
		em_line(f, "BTAP_SPRINTF_OCT(%d, %s, %d, %s)", i, v, k->special ? 1 : 0, em_tmp_str(f));
	} else if (k->how == KARG_STRN) {
		em_line(f, "BTAP_SPRINTF_STRN(%d, %s, %d, %s)", i, v, k->prec, em_tmp_str(f));
	} else if (k->how == KARG_EMPTY) {
		em_line(f, "BTAP_SPRINTF_NONE(%d, %s)", i, v);
	} else if (k->how == KARG_FIELD) {
		/* a '*' value is cut to int and clamped at 0 (no left-justify) */
		const char *w = k->width_arg >= 0 ? arena_printf(f->em->a, "btap_fmt_clamp(%s)", args[k->width_arg].val)
						  : arena_printf(f->em->a, "%d", k->width);
		const char *p = k->prec_arg >= 0 ? arena_printf(f->em->a, "btap_fmt_clamp(%s)", args[k->prec_arg].val)
						 : arena_printf(f->em->a, "%d", k->prec);
		int mode = (k->flags & RT_FMT_F_LEFT ? 1 : 0) | (k->flags & RT_FMT_F_ZEROPAD ? 2 : 0) |
			   (k->num ? 4 : 0);
		if (!k->inner) {
			em_line(f, "BTAP_SPRINTF_FIELD_STR(%d, %s, %s, %s, %d, %s)", i, v, w, p, mode, em_tmp_str(f));
		} else {
			struct strbuf line;
			sb_init(&line);
			sb_printf(&line, "BTAP_SPRINTF_FIELD_LONG(%d, %s, ", i, v);
			em_c_string(&line, k->inner, strlen(k->inner));
			sb_printf(&line, ", %s, %s, %d, %d, %s, %s)", w, p, mode, k->prefix, em_tmp_str(f),
				  em_tmp_str(f));
			em_line(f, "%s", line.s);
			sb_free(&line);
		}
	} else {
		em_sprint_plain_arg(f, i, &args[i]);
	}
	if (k->suffix) {
		struct strbuf line;
		sb_init(&line);
		sb_printf(&line, "BTAP_SPRINTF_SUFFIX(%d, ", i);
		em_c_string(&line, k->suffix, strlen(k->suffix));
		sb_printf(&line, ", %s)", em_tmp_dbl(f));
		em_line(f, "%s", line.s);
		sb_free(&line);
	}
}

void *em_kprintf_prepare(struct em_fn *f, struct loc at, const char *fmt, int nargs, const char **kfmt)
{
	struct kslot *k = arena_alloc(f->em->a, sizeof(*k) * BPF_FORMAT_SLOTS);
	const char *text = nargs <= BPF_FORMAT_SLOTS ? bpf_format(f, fmt, k, BPF_FORMAT_SLOTS) : NULL;
	if (!text || nargs > EM_KPRINTF_MAX_ARGS) {
		em_unsupported_kernel(f, at, "this sprintf format (kernel context supports every "
			"conversion but %b %m %M, '#' with %c, and %0s; '#' octal takes no width or "
			"precision; up to 12 arguments, each '*' counting as one)");
		return NULL;
	}
	*kfmt = text;
	return k;
}
