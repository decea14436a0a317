/* netfilter.hook("HOOK").pf("PF")[.priority(N)]: a probe on a netfilter
 * hook of the network stack, as stap's. On BPF it is a netfilter program
 * (Linux 6.4) on a link in the runner's network namespace; on kmod a hook
 * the module registers there (nf_register_net_hook). The target
 * variables are stap's: $hooknum, $skb (the packet), $in/$indev and
 * $out/$outdev (the devices, NULL when unknown), $okfn, typed by BTF; the
 * program's result is $verdict, which a probe sets in guru mode
 * (elab_verdict.c; tapset/netfilter.stp allows accept and drop, which is
 * all a BPF netfilter program may return). tapset/netfilter.stp names the
 * hooks (netfilter.ipv4.local_in ...) and decodes the packet. */
#include "provider.h"
#include "tracepoints.h"
#include "types.h"

#include <bpf/btf.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct nf_name {
	const char *name;
	int value;
};

/* Linux's UAPI values (linux/netfilter.h and the per-family headers) */
static const struct nf_name families[] = {
	{"NFPROTO_IPV4", 2}, {"NFPROTO_IPV6", 10}, {"NFPROTO_ARP", 3}, {"NFPROTO_BRIDGE", 7}, {NULL, 0},
};

static const struct nf_name hooks[] = {
	{"NF_INET_PRE_ROUTING", 0}, {"NF_INET_LOCAL_IN", 1}, {"NF_INET_FORWARD", 2},
	{"NF_INET_LOCAL_OUT", 3}, {"NF_INET_POST_ROUTING", 4},
	{"NF_IP_PRE_ROUTING", 0}, {"NF_IP_LOCAL_IN", 1}, {"NF_IP_FORWARD", 2},
	{"NF_IP_LOCAL_OUT", 3}, {"NF_IP_POST_ROUTING", 4},
	{"NF_IP6_PRE_ROUTING", 0}, {"NF_IP6_LOCAL_IN", 1}, {"NF_IP6_FORWARD", 2},
	{"NF_IP6_LOCAL_OUT", 3}, {"NF_IP6_POST_ROUTING", 4},
	{"NF_ARP_IN", 0}, {"NF_ARP_OUT", 1}, {"NF_ARP_FORWARD", 2},
	{"NF_BR_PRE_ROUTING", 0}, {"NF_BR_LOCAL_IN", 1}, {"NF_BR_FORWARD", 2},
	{"NF_BR_LOCAL_OUT", 3}, {"NF_BR_POST_ROUTING", 4}, {"NF_BR_BROUTING", 5},
	{NULL, 0},
};

/* The kernel refuses the first and last priorities for BPF hooks. */
static const struct nf_name priorities[] = {
	{"NF_IP_PRI_FIRST", INT_MIN + 1}, {"NF_IP_PRI_RAW", -300}, {"NF_IP_PRI_SELINUX_FIRST", -225},
	{"NF_IP_PRI_CONNTRACK", -200}, {"NF_IP_PRI_MANGLE", -150}, {"NF_IP_PRI_NAT_DST", -100},
	{"NF_IP_PRI_FILTER", 0}, {"NF_IP_PRI_SECURITY", 50}, {"NF_IP_PRI_NAT_SRC", 100},
	{"NF_IP_PRI_SELINUX_LAST", 225}, {"NF_IP_PRI_LAST", INT_MAX - 1},
	{"NF_IP6_PRI_FIRST", INT_MIN + 1}, {"NF_IP6_PRI_FILTER", 0}, {"NF_IP6_PRI_LAST", INT_MAX - 1},
	{NULL, 0},
};

#define NFPROTO_IPV4 2
#define NFPROTO_IPV6 10
#define NFPROTO_ARP 3
#define NFPROTO_BRIDGE 7

static bool comp_is(const struct probe_point *pp, int i, const char *name)
{
	const char *n = pp_comp_name(pp, i);
	return n && strcmp(n, name) == 0;
}

static bool nf_claims(const struct probe_point *pp)
{
	return comp_is(pp, 0, "netfilter") && comp_is(pp, 1, "hook");
}

/* Component i's argument: a name of the table or a number. */
static bool value_of(const struct probe_point *pp, int i, const struct nf_name *table, const char *what, long lo,
		     long hi, int *out)
{
	const struct pp_component *c = VEC_AT(pp->comps, i, const struct pp_component *);
	if (!c->arg) {
		diag_error(c->loc, "semantic error: netfilter %s(...) takes a %s name in quotes or a number", c->name,
			   what);
		return false;
	}
	if (c->arg->kind == E_NUM) {
		if (c->arg->num < lo || c->arg->num > hi) {
			diag_error(c->arg->loc, "semantic error: netfilter %s %" PRId64 " is out of range (%ld to %ld)",
				   what, c->arg->num, lo, hi);
			return false;
		}
		*out = (int)c->arg->num;
		return true;
	}
	if (c->arg->kind == E_STR) {
		for (const struct nf_name *n = table; n->name; n++)
			if (strcmp(n->name, c->arg->str) == 0) {
				*out = n->value;
				return true;
			}
		char *end;
		long v = strtol(c->arg->str, &end, 0);
		if (*c->arg->str && !*end && v >= lo && v <= hi) {
			*out = (int)v;
			return true;
		}
	}
	struct strbuf known;
	sb_init(&known);
	for (const struct nf_name *n = table; n->name; n++)
		sb_printf(&known, "%s%s", n == table ? "" : ", ", n->name);
	diag_error(c->arg->loc, "semantic error: unknown netfilter %s '%s' (known: %s)", what,
		   c->arg->kind == E_STR ? c->arg->str : "?", known.s);
	sb_free(&known);
	return false;
}

/* The point's family, hook and priority; false after a located error.
 * IPv4 and IPv6 on both runtimes; ARP and bridge hooks in the kernel
 * module (nf_register_net_hook), which BPF netfilter links refuse. */
static bool parse_point(struct session *s, const struct probe_point *pp, int *pf, int *hook, int *priority)
{
	*priority = 0;
	if (pp->comps.n < 3 || !comp_is(pp, 2, "pf")) {
		diag_error(pp->loc, "semantic error: netfilter.hook(\"HOOK\") is followed by .pf(\"NFPROTO_x\"), as in "
			   "netfilter.hook(\"NF_INET_LOCAL_IN\").pf(\"NFPROTO_IPV4\")");
		return false;
	}
	if (pp->comps.n > 4 || (pp->comps.n == 4 && !comp_is(pp, 3, "priority"))) {
		const struct pp_component *c = VEC_AT(pp->comps, pp->comps.n - 1, const struct pp_component *);
		diag_error(c->loc, "semantic error: unexpected '.%s' in a netfilter probe point (only .priority(N) "
			   "follows .pf(...))", c->name);
		return false;
	}
	if (!value_of(pp, 1, hooks, "hook", 0, 7, hook) || !value_of(pp, 2, families, "protocol family", 0, 12, pf) ||
	    (pp->comps.n == 4 && !value_of(pp, 3, priorities, "priority", INT_MIN + 1, INT_MAX - 1, priority)))
		return false;
	bool inet = *pf == NFPROTO_IPV4 || *pf == NFPROTO_IPV6, arp = *pf == NFPROTO_ARP, br = *pf == NFPROTO_BRIDGE;
	const struct pp_component *fam = VEC_AT(pp->comps, 2, const struct pp_component *);
	if (!inet && !arp && !br) {
		diag_error(fam->loc, "semantic error: netfilter hooks of protocol family %d are not supported (IPv4 and "
			   "IPv6 are; ARP and bridge with --runtime=kmod)", *pf);
		return false;
	}
	if (!inet && s->runtime != RT_KMOD) {
		diag_error(fam->loc, "semantic error: netfilter hooks of the %s family need the kernel-module runtime "
			   "(--runtime=kmod): BPF netfilter programs take IPv4 and IPv6 hooks only", arp ? "ARP" : "bridge");
		return false;
	}
	/* NF_ARP_IN..NF_ARP_FORWARD; NF_BR_PRE_ROUTING..NF_BR_POST_ROUTING (the
	 * bridge calls no hook NF_BR_BROUTING) */
	int last = arp ? 2 : 4;
	if (*hook > last) {
		const struct pp_component *c = VEC_AT(pp->comps, 1, const struct pp_component *);
		diag_error(c->loc, "semantic error: %s has netfilter hooks 0 to %d (%s), not %d",
			   inet ? "IPv4 and IPv6" : arp ? "ARP" : "the bridge", last,
			   inet ? "NF_INET_PRE_ROUTING to NF_INET_POST_ROUTING"
			   : arp ? "NF_ARP_IN, NF_ARP_OUT, NF_ARP_FORWARD" : "NF_BR_PRE_ROUTING to NF_BR_POST_ROUTING",
			   *hook);
		return false;
	}
	return true;
}

static bool nf_expand(struct session *s, const struct probe_point *pp, struct vec *out)
{
	int pf, hook, priority;
	if (!parse_point(s, pp, &pf, &hook, &priority))
		return false;
	vec_push(&s->arena, out, (void *)pp);
	return true;
}

/* ---- target variables ------------------------------------------------------ */

struct nf_vars {
	struct tp_field fields[7];
	int n;
	const char *why; /* when there are none */
};

/* The BTF type of member `name` of struct `st`, 0 if none. */
static type_id member_type(const struct btf *btf, const char *st, const char *name)
{
	int id = btf__find_by_name_kind(btf, st, BTF_KIND_STRUCT);
	if (id <= 0)
		return 0;
	const struct btf_type *t = btf__type_by_id(btf, (__u32)id);
	const struct btf_member *m = btf_members(t);
	for (int i = 0; i < btf_vlen(t); i++, m++)
		if (strcmp(btf__name_by_offset(btf, m->name_off), name) == 0)
			return m->type;
	return 0;
}

/* The parameter of the kernel's hook function type (nf_hookfn: priv, skb,
 * state) that carries the packet. */
static type_id skb_type(const struct btf *btf)
{
	int id = btf__find_by_name_kind(btf, "nf_hookfn", BTF_KIND_TYPEDEF);
	const struct btf_type *t = id > 0 ? btf__type_by_id(btf, (__u32)id) : NULL;
	if (t)
		t = btf__type_by_id(btf, t->type);
	if (!t || !btf_is_func_proto(t) || btf_vlen(t) < 2)
		return 0;
	return btf_params(t)[1].type;
}

static struct nf_vars *vars_of(struct session *s)
{
	struct nf_vars *v = arena_alloc(&s->arena, sizeof *v);
	const struct btf *btf = kernel_btf();
	if (!btf) {
		v->why = "netfilter probes need the kernel's BTF (/sys/kernel/btf/vmlinux)";
		return v;
	}
	type_id uint = (type_id)btf__find_by_name_kind(btf, "unsigned int", BTF_KIND_INT);
	type_id skb = skb_type(btf), dev = member_type(btf, "nf_hook_state", "in");
	type_id okfn = member_type(btf, "nf_hook_state", "okfn");
	if (!uint || !skb || !dev || !okfn) {
		v->why = "the kernel's BTF lacks netfilter's types (nf_hookfn, struct nf_hook_state)";
		return v;
	}
	const struct type_source *src = type_source_kernel();
	/* name, type, slot (btap_nf_slots in runtime/bpf/btap_bpf.h) */
	const struct {
		const char *name;
		type_id type;
		int slot;
	} def[] = {
		{"hooknum", uint, 0}, {"skb", skb, 1}, {"in", dev, 2}, {"out", dev, 3},
		{"indev", dev, 2},    {"outdev", dev, 3}, {"okfn", okfn, 4},
	};
	for (size_t i = 0; i < sizeof def / sizeof def[0]; i++)
		tp_arg_field(&s->arena, src, &v->fields[v->n++], def[i].name, def[i].type, def[i].slot);
	return v;
}

static bool nf_resolve_target(struct session *s, struct probe *p, struct expr *e)
{
	if (!p->provider_data)
		p->provider_data = vars_of(s);
	struct nf_vars *v = p->provider_data;
	if (v->why) {
		diag_error(e->loc, "semantic error: %s", v->why);
		return true; /* reported */
	}
	return tp_bind_args(s, v->fields, v->n, e, false);
}

static void nf_describe_vars(struct session *s, const struct probe_point *pp, struct strbuf *out)
{
	struct nf_vars *v = vars_of(s);
	for (int i = 0; i < v->n; i++)
		sb_printf(out, "$%s:%s ", v->fields[i].name, v->fields[i].ctype);
	sb_puts(out, "$verdict:int");
}

static bool nf_attach(struct session *s, struct probe *p, struct attach *out)
{
	if (!parse_point(s, p->resolved_point, &out->netfilter.pf, &out->netfilter.hook, &out->netfilter.priority))
		return false;
	out->kind = ATTACH_NETFILTER;
	return true;
}

const struct provider provider_netfilter = {
	.name = "netfilter",
	.kernel_context = true,
	.claims = nf_claims,
	.expand = nf_expand,
	.resolve_target = nf_resolve_target,
	.describe_vars = nf_describe_vars,
	.attach = nf_attach,
};
