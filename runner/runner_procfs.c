/* procfs probes in the runner: a client's request for /NAME runs the
 * script's procfs("NAME").read (or .write) probe, and its $value is the
 * answer (or the request's body). The text lives here, of any length:
 * the probe's __btap_procfs_* calls reach it through the runner ops. */
#include <stdlib.h>
#include <string.h>

#include "runner_internal.h"
#include "translator/util.h"

static struct strbuf answer;   /* a read probe's $value */
static const char *input = ""; /* a write probe's $value */
static bool writing;

static void op_procfs_put(const char *s, int append)
{
	if (writing)
		return; /* refused in pass 2; nothing to keep */
	if (!append)
		answer.len = 0;
	sb_puts(&answer, s ? s : "");
}

static const char *op_procfs_value(void)
{
	if (writing)
		return input;
	return answer.s && answer.len ? answer.s : "";
}

void runner_bind_procfs_ops(struct btap_runner_ops *ops)
{
	ops->procfs_put = op_procfs_put;
	ops->procfs_value = op_procfs_value;
}

static const struct btap_probe_desc *find(struct runner *r, const char *name, bool write)
{
	enum btap_probe_kind kind = write ? BTAP_PROBE_PROCFS_WRITE : BTAP_PROBE_PROCFS_READ;
	for (uint32_t i = 0; i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if (p->kind == kind && p->procfs_name && strcmp(p->procfs_name, name) == 0)
			return p;
	}
	return NULL;
}

/* Files served over HTTP: all but the one stdin feeds (input.*). */
bool runner_procfs_any(struct runner *r)
{
	for (uint32_t i = 0; i < r->prog->nprobes; i++) {
		const struct btap_probe_desc *p = &r->prog->probes[i];
		if ((p->kind == BTAP_PROBE_PROCFS_READ || p->kind == BTAP_PROBE_PROCFS_WRITE) &&
		    !(p->procfs_name && strcmp(p->procfs_name, RUNNER_STDIN_FILE) == 0))
			return true;
	}
	return false;
}

bool runner_procfs_has(struct runner *r, const char *name, bool write)
{
	return find(r, name, write) != NULL;
}

/* Run the probe for a request of name (a write: each probe of the file,
 * in order); a read's answer is appended to out (cut at .maxsize(N) when
 * the point gives one). False when the script has no such probe. */
bool runner_procfs_run(struct runner *r, const char *name, bool write, const char *body, size_t bodylen,
		       struct strbuf *out)
{
	const struct btap_probe_desc *p = find(r, name, write);
	if (!p || !p->run)
		return false;
	answer.len = 0;
	if (answer.s)
		answer.s[0] = '\0';
	char *in = NULL;
	if (write) {
		in = xmalloc(bodylen + 1);
		memcpy(in, body, bodylen);
		in[bodylen] = '\0';
		input = in;
	}
	writing = write;
	if (!write) {
		p->run();
	} else { /* every write probe of the file: input.char and input.line share stdin's */
		enum btap_probe_kind kind = BTAP_PROBE_PROCFS_WRITE;
		for (uint32_t i = 0; i < r->prog->nprobes && !r->stop; i++) {
			const struct btap_probe_desc *q = &r->prog->probes[i];
			if (q->kind == kind && q->run && q->procfs_name && strcmp(q->procfs_name, name) == 0)
				q->run();
		}
	}
	writing = false;
	input = "";
	free(in);
	if (!write && answer.len) {
		size_t n = answer.len;
		if (p->procfs_maxsize && n > p->procfs_maxsize)
			n = (size_t)p->procfs_maxsize;
		sb_putn(out, answer.s, n);
	}
	return true;
}

void runner_procfs_release(void)
{
	sb_free(&answer);
}
