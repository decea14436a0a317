/* The command line, as stap(1) spells it, into the session: usage text,
 * option checks with their messages, -e or the script file and its
 * arguments. */
#include "options.h"
#include "kmod-backend/module_rename.h"

#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage_text[] =
	"Usage: btap [OPTIONS] SCRIPT.stp [ARGS...]\n"
	"       btap [OPTIONS] -e 'SCRIPT' [ARGS...]\n"
	"       btap -l 'PROBE-POINT'    list matching probe points\n"
	"       btap -L 'PROBE-POINT'    ... with their variables and types\n"
	"\n"
	"A SystemTap-compatible tracer: runs stap scripts through BPF, or as a\n"
	"kprobe kernel module where the kernel has no BPF or BTF.\n"
	"\n"
	"Options:\n"
	"  -e SCRIPT        run the script given on the command line\n"
	"  -p NUM           stop after pass NUM: 1 parse, 2 elaborate, 3 translate,\n"
	"                   4 compile, 5 run (default)\n"
	"  -v               more verbose: one line per pass with its time (repeatable)\n"
	"  -k               keep the temporary directory\n"
	"  -o FILE          send output to FILE (FILE.json: as with --format=json)\n"
	"  -S SIZE[,N]      with -o: go on in FILE.1, FILE.2 ... (from FILE.0) each\n"
	"                   time SIZE MB are written; keep the newest N files\n"
	"  -c CMD           start CMD once probes are attached; stop when it exits\n"
	"  -x PID           set target() to PID; stop when it exits\n"
	"  -I DIR           look for tapset files in DIR too\n"
	"  -D NAME=VALUE    set a runtime limit (MAXSTRINGLEN, MAXMAPENTRIES, ...)\n"
	"  -G NAME=VALUE    start global NAME at VALUE (a number or a string)\n"
	"  -d PATH          name user stack frames in PATH (and the libraries it\n"
	"                   needs) too; a kernel module's name is accepted\n"
	"  -g               guru mode: allow embedded C and writes to target variables\n"
	"  -w               suppress warnings\n"
	"  -W               turn warnings into errors\n"
	"  -m NAME          name of the module or BPF object\n"
	"  -r KREL|DIR      translate for another kernel release or build tree\n"
	"  -T SECONDS       stop the script after SECONDS\n"
	"  -s MB            output buffer size in megabytes\n"
	"  -b               bulk mode (larger per-CPU output buffers)\n"
	"  -l PATTERN       list probe points matching PATTERN\n"
	"  -L PATTERN       list probe points and their variables\n"
	"  -V               print version and exit\n"
	"  --runtime=MODE   auto (default: bpf, else kmod), bpf or kmod\n"
	"  --suppress-handler-errors  ignore runtime errors in probe handlers\n"
	"  --format=FORMAT  text (default) or json: JSON lines for other tools\n"
	"  --metrics=ADDR:PORT  serve the script's globals over HTTP in the\n"
	"                   Prometheus text format while it runs (:PORT: every address)\n"
	"  --run ARTIFACT   run a compiled artifact (from -p4) without recompiling\n"
	"  --remote HOST[,HOST...]  compile here for each host's kernel, run there\n"
	"                   over ssh, output back (prefixed by host when several)\n"
	"  --target-namespaces=PID  ns_pid() ... ns_egid() answer as seen in PID's\n"
	"                   pid and user namespaces (default: btap's own)\n"
	"  --remote-id=N, --remote-uri=URI  what remote_id() and remote_uri() return\n"
	"                   (--remote sets them for each host's run)\n"
	"  --compatible=VERSION  the stap version %( systemtap_v %) compares (default 4.8)\n"
	"  --ldd            accepted for stap: the libraries of -d and -c programs\n"
	"                   are always searched\n"
	"  --all-modules    accepted for stap: kernel symbols include every module's\n"
	"  --skip-badvars   a target variable that does not resolve reads as 0\n"
	"                   instead of failing pass 2 (as stap's)\n"
	"  --kfunc=HOW      kernel functions on fentry/fexit, kprobe, or auto (default:\n"
	"                   fentry where the kernel has BPF trampolines, else kprobes)\n"
	"  --debuginfo=PATH  the kernel's debuginfo: its vmlinux with DWARF, or a\n"
	"                   directory holding one (as /usr/lib/debug), for\n"
	"                   kernel.function(\"NAME@FILE[:LINE]\") patterns\n"
	"  -h, --help       this text\n";

enum {
	OPT_RUNTIME = 1000, OPT_SUPPRESS_HANDLER_ERRORS, OPT_RUN_ARTIFACT, OPT_FORMAT, OPT_METRICS, OPT_REMOTE,
	OPT_COMPATIBLE, OPT_ALL_MODULES, OPT_KFUNC, OPT_DEBUGINFO, OPT_LDD, OPT_TARGET_NAMESPACES,
	OPT_REMOTE_ID, OPT_REMOTE_URI, OPT_SKIP_BADVARS
};

static bool parse_int(const char *s, long lo, long hi, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(s, &end, 10);
	if (errno || !*s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

static enum opt_result bad(const char *fmt, const char *arg)
{
	fprintf(stderr, "btap: ");
	fprintf(stderr, fmt, arg);
	fprintf(stderr, "\nTry 'btap --help' for more information.\n");
	return OPT_EXIT_ERROR;
}

enum opt_result options_parse(struct session *s, int argc, char **argv)
{
	static const struct option longopts[] = {
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'V'},
		{"runtime", required_argument, NULL, OPT_RUNTIME},
		{"suppress-handler-errors", no_argument, NULL, OPT_SUPPRESS_HANDLER_ERRORS},
		{"run", required_argument, NULL, OPT_RUN_ARTIFACT},
		{"format", required_argument, NULL, OPT_FORMAT},
		{"metrics", required_argument, NULL, OPT_METRICS},
		{"remote", required_argument, NULL, OPT_REMOTE},
		{"compatible", required_argument, NULL, OPT_COMPATIBLE},
		{"kfunc", required_argument, NULL, OPT_KFUNC},
		{"all-modules", no_argument, NULL, OPT_ALL_MODULES},
		{"skip-badvars", no_argument, NULL, OPT_SKIP_BADVARS},
		{"ldd", no_argument, NULL, OPT_LDD},
		{"debuginfo", required_argument, NULL, OPT_DEBUGINFO},
		{"target-namespaces", required_argument, NULL, OPT_TARGET_NAMESPACES},
		{"remote-id", required_argument, NULL, OPT_REMOTE_ID},
		{"remote-uri", required_argument, NULL, OPT_REMOTE_URI},
		{NULL, 0, NULL, 0},
	};
	long v;
	int c;
	bool format_given = false;
	optind = 1;
	/* As stap: options may follow the script name (getopt moves them
	 * first); the other words are the script's arguments, and "--" ends
	 * the options. */
	while ((c = getopt_long(argc, argv, "e:p:vko:S:c:x:I:D:G:d:gwWm:r:T:s:bl:L:Vh", longopts, NULL)) != -1) {
		switch (c) {
		case 'e': s->script_text = optarg; break;
		case 'p':
			if (!parse_int(optarg, 1, 5, &v))
				return bad("invalid pass number '%s' (expected 1-5)", optarg);
			s->last_pass = (int)v;
			break;
		case 'v': s->verbose++; break;
		case 'k': s->keep_tmp = true; break;
		case 'o': s->output_file = optarg; break;
		case 'S': {
			char size[32];
			const char *comma = strchr(optarg, ',');
			size_t n = comma ? (size_t)(comma - optarg) : strlen(optarg);
			long keep = 0;
			snprintf(size, sizeof(size), "%.*s", (int)(n < sizeof(size) ? n : sizeof(size) - 1), optarg);
			if (n >= sizeof(size) || !parse_int(size, 1, 1L << 30, &v) ||
			    (comma && !parse_int(comma + 1, 1, INT_MAX, &keep)))
				return bad("invalid -S '%s' (expected SIZE[,N]: megabytes per file, files kept)", optarg);
			s->switch_bytes = (int64_t)v << 20;
			s->switch_keep = (int)keep;
			break;
		}
		case 'c': s->command = optarg; break;
		case 'x':
			if (!parse_int(optarg, 1, INT_MAX, &v))
				return bad("invalid process id '%s'", optarg);
			s->target_pid = (int)v;
			break;
		case 'I': vec_push(&s->arena, &s->include_dirs, optarg); break;
		case 'D':
			if (!strchr(optarg, '=') && !optarg[0])
				return bad("invalid -D '%s' (expected NAME=VALUE)", optarg);
			vec_push(&s->arena, &s->defines, optarg);
			break;
		case 'G':
			if (!strchr(optarg, '=') || optarg[0] == '=')
				return bad("invalid -G '%s' (expected NAME=VALUE)", optarg);
			vec_push(&s->arena, &s->global_sets, optarg);
			break;
		case 'd':
			/* a kernel module's name: kallsyms names its symbols already */
			if (strchr(optarg, '/')) {
				if (access(optarg, R_OK) != 0)
					return bad("-d %s: no such file, or unreadable", optarg);
				vec_push(&s->arena, &s->symbol_files, optarg);
			}
			break;
		case 'g': s->guru = true; break;
		case 'w': s->suppress_warnings = true; break;
		case 'W': s->warnings_are_errors = true; break;
		case 'm':
			if (!module_name_ok(optarg))
				return bad("invalid module name '%s' (letters, digits and '_', at most 55)", optarg);
			s->module_name = optarg;
			break;
		case 'r': s->kernel_release = optarg; break;
		case 'T':
			if (!parse_int(optarg, 1, INT_MAX, &v))
				return bad("invalid timeout '%s' (expected seconds > 0)", optarg);
			s->timeout_secs = (int)v;
			break;
		case 's':
			if (!parse_int(optarg, 1, 4095, &v))
				return bad("invalid buffer size '%s' (expected 1-4095 MB)", optarg);
			s->bufsize_mb = (int)v;
			break;
		case 'b': s->bulk = true; break;
		case 'l': s->list_pattern = optarg; s->list_vars = false; break;
		case 'L': s->list_pattern = optarg; s->list_vars = true; break;
		case 'V':
			printf("btap version %s (%s)\n", BTAP_VERSION, BTAP_GITREV);
			printf("SystemTap script language; runtimes: bpf, kmod (auto picks one)\n");
			return OPT_EXIT_OK;
		case 'h': fputs(usage_text, stdout); return OPT_EXIT_OK;
		case OPT_RUNTIME:
			if (strcmp(optarg, "bpf") == 0)
				s->runtime = RT_BPF;
			else if (strcmp(optarg, "kmod") == 0 || strcmp(optarg, "kernel") == 0)
				s->runtime = RT_KMOD;
			else if (strcmp(optarg, "auto") == 0)
				s->runtime = RT_AUTO;
			else
				return bad("invalid runtime '%s' (expected bpf, kmod or auto)", optarg);
			break;
		case OPT_SUPPRESS_HANDLER_ERRORS: s->suppress_handler_errors = true; break;
		case OPT_RUN_ARTIFACT: s->run_artifact = optarg; break;
		case OPT_FORMAT:
			if (strcmp(optarg, "text") == 0)
				s->format = OUT_TEXT;
			else if (strcmp(optarg, "json") == 0)
				s->format = OUT_JSON;
			else
				return bad("invalid output format '%s' (expected text or json)", optarg);
			format_given = true;
			break;
		case OPT_METRICS:
			if (!strrchr(optarg, ':') || !parse_int(strrchr(optarg, ':') + 1, 0, 65535, &v))
				return bad("invalid metrics address '%s' (expected ADDR:PORT or :PORT)",
					   optarg);
			s->metrics_addr = optarg;
			break;
		case OPT_REMOTE:
			if (!*optarg || optarg[0] == ',' || optarg[strlen(optarg) - 1] == ',' || strstr(optarg, ",,"))
				return bad("invalid --remote '%s' (expected HOST[,HOST...])", optarg);
			s->remote_hosts = optarg;
			break;
		case OPT_TARGET_NAMESPACES:
			if (!parse_int(optarg, 1, INT_MAX, &v))
				return bad("invalid --target-namespaces '%s' (expected a process id)", optarg);
			s->target_ns_pid = (int)v;
			break;
		case OPT_REMOTE_ID:
			if (!parse_int(optarg, 0, INT_MAX, &v))
				return bad("invalid --remote-id '%s' (expected a number from 0)", optarg);
			s->remote_id = (int)v;
			break;
		case OPT_REMOTE_URI: s->remote_uri = optarg; break;
		case OPT_COMPATIBLE:
			/* as stap: the version %( systemtap_v %) conditionals compare */
			if (!*optarg || strspn(optarg, "0123456789.") != strlen(optarg) || optarg[0] == '.')
				return bad("invalid --compatible '%s' (expected a version such as 4.0)", optarg);
			s->compatible = optarg;
			break;
		case OPT_KFUNC:
			if (strcmp(optarg, "auto") == 0)
				s->kfunc = KFUNC_AUTO;
			else if (strcmp(optarg, "fentry") == 0)
				s->kfunc = KFUNC_FENTRY;
			else if (strcmp(optarg, "kprobe") == 0)
				s->kfunc = KFUNC_KPROBE;
			else
				return bad("invalid --kfunc '%s' (expected fentry, kprobe or auto)", optarg);
			break;
		case OPT_DEBUGINFO: s->debuginfo = optarg; break;
		case OPT_SKIP_BADVARS: s->skip_badvars = true; break;
		case OPT_ALL_MODULES:
			/* stap loads every module's symbols for backtraces; btap's
			 * kernel symbols (kallsyms) have them already */
			break;
		case OPT_LDD:
			/* stap adds the libraries -d and -c programs need; the
			 * runner always does */
			break;
		default:
			fprintf(stderr, "Try 'btap --help' for more information.\n");
			return OPT_EXIT_ERROR;
		}
	}
	if (s->switch_bytes && !s->output_file)
		return bad("%s", "-S needs -o FILE: the output goes to FILE.0, FILE.1 ...");
	/* as stap's -o names a file, its .json suffix picks the format */
	size_t olen = s->output_file ? strlen(s->output_file) : 0;
	if (!format_given && olen > 5 && strcmp(s->output_file + olen - 5, ".json") == 0)
		s->format = OUT_JSON;
	int rest = optind;
	if (!s->script_text && !s->list_pattern && !s->run_artifact) {
		if (rest >= argc)
			return bad("%s", "no script given (a SCRIPT file, -e 'SCRIPT', -l or -L)");
		s->script_path = argv[rest++];
	}
	if (s->script_text && s->list_pattern)
		return bad("%s", "-e cannot be combined with -l/-L");
	if (s->command && s->target_pid)
		return bad("%s", "-c and -x cannot be combined");
	if (s->runtime == RT_KMOD && s->kfunc == KFUNC_FENTRY)
		return bad("%s", "--kfunc=fentry needs --runtime=bpf (the kmod runtime attaches kernel functions with kprobes)");
	s->args = (const char *const *)&argv[rest];
	s->nargs = argc - rest;
	return OPT_RUN;
}
