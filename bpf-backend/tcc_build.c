/* The runner half compiled in process by libtcc: see tcc_build.h. */
#include "tcc_build.h"

#include <libtcc.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "translator/cache.h"
#include "translator/util.h"

#ifndef BTAP_TCC_DIR
#define BTAP_TCC_DIR "/usr/lib/x86_64-linux-gnu/tcc"
#endif
#ifndef BTAP_LIBTCC_ID
#define BTAP_LIBTCC_ID "unknown"
#endif

static const char *tcc_dir(void)
{
	const char *env = getenv("BTAP_TCC_DIR");
	return env && *env ? env : BTAP_TCC_DIR;
}

struct tcc_messages {
	struct strbuf text;
	bool implicit_decl; /* a warning the host build treats as an error */
};

static void on_message(void *opaque, const char *msg)
{
	struct tcc_messages *m = opaque;
	const char *implicit = strstr(msg, ": warning: implicit declaration of function");
	if (implicit) {
		m->implicit_decl = true;
		sb_printf(&m->text, "%.*s: error:%s\n", (int)(implicit - msg), msg,
			  implicit + strlen(": warning:"));
	} else {
		sb_printf(&m->text, "%s\n", msg);
	}
}

int tcc_build_shared(const char *text, size_t len, const char *src_name, const char *runtime_dir,
		     const char *out_so, char **diag)
{
	*diag = NULL;
	struct tcc_messages m = {.implicit_decl = false};
	sb_init(&m.text);
	/* A leading line marker names the unit in messages, as for clang. */
	struct strbuf src;
	sb_init(&src);
	sb_puts(&src, "#line 1 \"");
	for (const char *c = src_name; *c; c++) {
		if (*c == '"' || *c == '\\')
			sb_putc(&src, '\\');
		sb_putc(&src, *c);
	}
	sb_puts(&src, "\"\n");
	sb_putn(&src, text, len);

	TCCState *s = tcc_new();
	int rc = -1;
	if (!s) {
		sb_puts(&m.text, "tcc: cannot create a compiler state\n");
		goto out;
	}
	tcc_set_error_func(s, &m, on_message);
	tcc_set_lib_path(s, tcc_dir());
	/* No crt files and no libc: btap, which dlopens the result, has libc. */
	tcc_set_options(s, "-nostdlib");
	tcc_set_output_type(s, TCC_OUTPUT_DLL);
	tcc_add_include_path(s, runtime_dir);
	tcc_define_symbol(s, "BTAP_TARGET_USER", "1");
	if (tcc_compile_string(s, src.s) != 0 || m.implicit_decl)
		goto out;
	/* libtcc1.a: what tcc's code calls (va_arg, some conversions). */
	tcc_add_library_path(s, tcc_dir());
	if (tcc_add_library(s, "tcc1") != 0) {
		sb_printf(&m.text, "tcc: no libtcc1.a in %s\n", tcc_dir());
		goto out;
	}
	if (tcc_output_file(s, out_so) != 0)
		goto out;
	rc = 0;
out:
	if (s)
		tcc_delete(s);
	sb_free(&src);
	if (m.text.len)
		*diag = sb_steal(&m.text);
	else
		sb_free(&m.text);
	return rc;
}

void tcc_build_hash_identity(struct cache_hash *c)
{
	static const char *const files[] = {".h", ".a", NULL};
	cache_hash_str(c, "libtcc " BTAP_LIBTCC_ID);
	cache_hash_str(c, tcc_dir());
	cache_hash_tree(c, tcc_dir(), files, 2);
}
