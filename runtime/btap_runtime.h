/* The interface between generated code and the runtimes, written down once.
 *
 * Pass 3 writes one C unit (emit/, with the BPF lowering in
 * bpf-backend/emit_bpf*.c; the tapset's %{ %} bodies are pasted into it)
 * and pass 4 compiles it against a runtime header: runtime/bpf/btap_bpf.h
 * (kernel build, clang -target bpf) and runtime/user/btap_user.h (runner
 * build, host cc); a kernel-module runtime adds a third. This file is the
 * list of every btap_/BTAP_/STAP_ name the generated C may use, one entry
 * each: BTAP_IFACE(WHO, name, "what it is"). WHO says who defines it:
 *   BOTH    every runtime header (so a new runtime must provide it);
 *   KERNEL  the kernel-side runtime (used by the BPF lowering or by code
 *           only the kernel build compiles);
 *   RUNNER  the runner-side runtime (code only the runner build compiles);
 *   UNIT    the generated unit itself, or pass 4's command line; reserved,
 *           a runtime must not define it.
 * A name ending in '_' is a family: the generated code appends to it.
 *
 * tests/unit/test_runtime_interface.c fails when the emitter or the tapset
 * uses a name not listed here, when a runtime header lacks a name its WHO
 * promises, and when a generated unit does not compile against each
 * runtime's header. Include this file after defining BTAP_IFACE. The
 * tapset's natives are described in detail in tapset/RUNTIME-INTERFACE.md. */
#ifndef BTAP_IFACE
#error "define BTAP_IFACE(who, name, what) before including btap_runtime.h"
#endif

/* ---- the unit's shape and build ----------------------------------------- */
BTAP_IFACE(BOTH, BTAP_TARGET_BPF, "set by pass 4 for the kernel build; the unit's #ifdef between its halves")
BTAP_IFACE(UNIT, BTAP_TARGET_USER, "set by pass 4 for the runner build")
BTAP_IFACE(UNIT, btap_bpf, "runtime/bpf/btap_bpf.h, the header the kernel build includes")
BTAP_IFACE(UNIT, btap_user, "runtime/user/btap_user.h, the header the runner build includes")
BTAP_IFACE(BOTH, BTAP_ABI_VERSION, "version of the btap_program descriptor the runner checks")
BTAP_IFACE(BOTH, BTAP_FUNC, "storage class of a generated function (always inlined on BPF)")
BTAP_IFACE(BOTH, BTAP_FUNC_CALL, "storage class of a small generated function kept a call of its own (a BPF subprogram)")
BTAP_IFACE(BOTH, BTAP_INLINE, "inline attribute for small generated helpers")
BTAP_IFACE(RUNNER, BTAP_EXPORT, "default visibility: what the runner finds with dlsym")
BTAP_IFACE(BOTH, BTAP_UNUSED_LABEL, "a label the body may not jump to, without a warning")
BTAP_IFACE(UNIT, BTAP_MAX0, "larger of two sizes, for the unit's static layouts")
BTAP_IFACE(KERNEL, BTAP_STRMASK, "2^n - 1 bounding string offsets for the verifier; the unit defines it")
BTAP_IFACE(KERNEL, BTAP_ZERO_SIZE, "size of the zero area statistics are inserted from; the unit defines it")
BTAP_IFACE(KERNEL, BTAP_SCRATCH_HDR, "bytes of the per-CPU scratch value before the probe frame")
BTAP_IFACE(KERNEL, BTAP_DECLARE_GLOBALS, "declares the globals map of the unit's struct btap_globals")
BTAP_IFACE(KERNEL, BTAP_DECLARE_SCRATCH, "declares a probe's per-CPU scratch map of a given size")
BTAP_IFACE(KERNEL, BTAP_NEED_TASK, "defined by the unit when a probe reads the current task (CO-RE)")
BTAP_IFACE(KERNEL, BTAP_EXIT_GROUP_DEAD, "defined by the unit when the kernel's exit tracepoint tells group_dead")
BTAP_IFACE(KERNEL, BTAP_TASK_OVERRIDE, "the task the context natives describe (process.begin: the child)")

/* ---- probes and their context ------------------------------------------- */
BTAP_IFACE(BOTH, btap_ctx, "struct btap_ctx: per-handler state (error, frames, nesting); `c` in bodies")
BTAP_IFACE(KERNEL, btap_bpf_enter, "a BPF program's prologue: the scratch value and the btap_ctx")
BTAP_IFACE(BOTH, BTAP_PROBE_BEGIN, "wraps a begin probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_END, "wraps an end probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_ERROR, "wraps an error probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_TIMER, "wraps a timer probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_TRACEPOINT, "wraps a tracepoint probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_RAW_TP, "wraps a raw tracepoint probe's handler")
BTAP_IFACE(BOTH, BTAP_PROBE_KFUNC, "a kernel-function probe (fentry/fexit on BPF)")
BTAP_IFACE(BOTH, BTAP_PROBE_PERF, "wraps a perf event probe's handler")
BTAP_IFACE(BOTH, btap_probe_desc, "struct btap_probe_desc: one probe in the descriptor")
BTAP_IFACE(UNIT, btap_probes, "the unit's array of btap_probe_desc")
BTAP_IFACE(BOTH, btap_program, "struct btap_program: the descriptor the runner reads (and its instance)")
BTAP_IFACE(BOTH, btap_runner_ops, "struct btap_runner_ops: what the runner hands the runner build")
BTAP_IFACE(UNIT, btap_bind, "the unit's entry the runner calls with its btap_runner_ops")
BTAP_IFACE(BOTH, btap_pp_, "btap_pp_(c): the probe point text of the running handler")
BTAP_IFACE(KERNEL, btap_proc_begin_task, "the new task of a process.begin event")
BTAP_IFACE(KERNEL, btap_proc_end_task, "the exiting task of a process.end event")
BTAP_IFACE(KERNEL, btap_tp_read, "reads an integer field of the tracepoint record at an offset")
BTAP_IFACE(KERNEL, btap_tp_int, "reads a signed or unsigned tracepoint field of 1 to 8 bytes")
BTAP_IFACE(KERNEL, btap_tp_chars, "copies a char array field of the tracepoint record")
BTAP_IFACE(KERNEL, btap_tp_dataloc_str, "copies a __data_loc string field of the tracepoint record")

/* ---- globals and maps --------------------------------------------------- */
BTAP_IFACE(BOTH, btap_globals_hdr, "the header every unit's struct btap_globals starts with")
BTAP_IFACE(BOTH, btap_globals, "struct btap_globals: the script's scalar globals (the unit defines it)")
BTAP_IFACE(UNIT, btap_init_globals, "the unit's initialiser of the globals")
BTAP_IFACE(UNIT, btap_maps, "the unit's array of btap_map_desc")
BTAP_IFACE(BOTH, btap_map_desc, "struct btap_map_desc: one map's keys, value and size")
BTAP_IFACE(BOTH, btap_global_desc, "struct btap_global_desc: one script global, for JSON and metrics")
BTAP_IFACE(UNIT, btap_globals_desc, "the unit's array of btap_global_desc")
BTAP_IFACE(BOTH, BTAP_MAPREF, "how a body names a map: the BPF map symbol or the runner's id")
BTAP_IFACE(BOTH, BTAP_T_LONG, "a long key or value in a descriptor")
BTAP_IFACE(BOTH, BTAP_T_STRING, "a string key or value in a descriptor")
BTAP_IFACE(BOTH, BTAP_T_STATS, "a statistic value in a descriptor")
BTAP_IFACE(BOTH, btap_key_zero, "clears a key struct before it is filled (padding hashes too)")
BTAP_IFACE(BOTH, btap_key_str, "copies a string into a key field of its size")
BTAP_IFACE(BOTH, btap_map_get_long, "a[k] of a long array, 0 when absent")
BTAP_IFACE(BOTH, btap_map_get_str, "a[k] of a string array, \"\" when absent")
BTAP_IFACE(BOTH, btap_map_set_long, "a[k] = v for a long array (errors when full)")
BTAP_IFACE(BOTH, btap_map_set_str, "a[k] = s for a string array")
BTAP_IFACE(BOTH, btap_map_add_long, "a[k] += v")
BTAP_IFACE(BOTH, btap_map_exists, "k in a")
BTAP_IFACE(BOTH, btap_map_delete, "delete a[k]")
BTAP_IFACE(BOTH, btap_map_clear, "delete a")
BTAP_IFACE(BOTH, btap_map_each, "calls a callback for each element (unsorted foreach)")
BTAP_IFACE(RUNNER, btap_foreach_keys, "the keys of a map in foreach order (sorted, limited)")
BTAP_IFACE(RUNNER, btap_foreach_free, "frees what btap_foreach_keys returned")
BTAP_IFACE(UNIT, btap_map, "callback parameter: the map being walked")
BTAP_IFACE(UNIT, btap_key, "callback parameter: the element's key")
BTAP_IFACE(UNIT, btap_val, "callback parameter: the element's value")
BTAP_IFACE(UNIT, btap_data, "callback parameter: the loop's state")
BTAP_IFACE(UNIT, btap_i, "callback parameter: the iteration number")

/* ---- statistics --------------------------------------------------------- */
BTAP_IFACE(BOTH, btap_stat_add, "s <<< v")
BTAP_IFACE(BOTH, btap_stat_get, "@count, @sum, @min, @max, @avg of a statistic")
BTAP_IFACE(BOTH, btap_stat_bucket, "one bucket of a histogram (@hist_linear/@hist_log [i])")
BTAP_IFACE(BOTH, btap_print_hist, "prints a histogram")

/* ---- control flow and errors -------------------------------------------- */
BTAP_IFACE(BOTH, BTAP_ERR, "the pending run-time error of a handler (nonzero: unwind)")
BTAP_IFACE(BOTH, btap_error_site, "struct btap_error_site: where an error was raised")
BTAP_IFACE(UNIT, btap_sites, "the unit's array of btap_error_site")
BTAP_IFACE(BOTH, btap_raise_lit, "raises a run-time error with a literal message")
BTAP_IFACE(BOTH, btap_catch, "takes the pending error into a catch variable and clears it")
BTAP_IFACE(BOTH, btap_count_action, "counts statements against MAXACTION")
BTAP_IFACE(BOTH, btap_nest_enter, "enters a function call (depth limit, frame)")
BTAP_IFACE(BOTH, btap_nest_leave, "leaves a function call")
BTAP_IFACE(BOTH, btap_loop, "struct btap_loop and the call that runs a loop body as a callback")
BTAP_IFACE(BOTH, BTAP_LOOP_OUT, "a loop callback's result: stop, loop left by break/return")
BTAP_IFACE(BOTH, BTAP_LOOP_DONE, "a loop callback's result: stop, condition false")
BTAP_IFACE(BOTH, BTAP_LOOP_ERR, "a loop callback's result: stop, run-time error")
BTAP_IFACE(UNIT, btap_retval, "a function's result variable")
BTAP_IFACE(UNIT, STAP_ARG_, "STAP_ARG_name: parameter `name` in an embedded C body")
BTAP_IFACE(UNIT, STAP_RETURN, "returns a long from an embedded C body")
BTAP_IFACE(UNIT, STAP_RETURN_STR, "returns a string from an embedded C body")
BTAP_IFACE(UNIT, STAP_RETVALUE, "the result of an embedded C body, as an lvalue")

/* ---- arithmetic --------------------------------------------------------- */
BTAP_IFACE(BOTH, btap_add, "+ with wrap-around")
BTAP_IFACE(BOTH, btap_sub, "- with wrap-around")
BTAP_IFACE(BOTH, btap_mul, "* with wrap-around")
BTAP_IFACE(BOTH, btap_neg, "unary - with wrap-around")
BTAP_IFACE(BOTH, btap_div, "/ raising an error on division by zero")
BTAP_IFACE(BOTH, btap_mod, "% raising an error on division by zero")
BTAP_IFACE(BOTH, btap_shl, "<< defined for every shift count")
BTAP_IFACE(BOTH, btap_shr, ">> defined for every shift count")

/* ---- strings ------------------------------------------------------------ */
BTAP_IFACE(BOTH, btap_str_lit, "copies a string literal")
BTAP_IFACE(BOTH, btap_str_copy, "copies a string (bounded by MAXSTRINGLEN)")
BTAP_IFACE(BOTH, btap_str_copy_n, "copies at most n bytes of a string")
BTAP_IFACE(BOTH, btap_str_words, "copies a string of known length in 8-byte words")
BTAP_IFACE(BOTH, btap_str_cat, ". of two strings")
BTAP_IFACE(BOTH, btap_str_cmp, "string comparison")
BTAP_IFACE(BOTH, btap_str_ncmp, "string comparison of the first n bytes")
BTAP_IFACE(UNIT, btap_regex, "the unit's compiled regular expressions")
BTAP_IFACE(UNIT, btap_re_class, "a regex DFA's byte classes")
BTAP_IFACE(UNIT, btap_re_next, "a regex DFA's transitions")
BTAP_IFACE(UNIT, btap_re_end, "a regex DFA's accepting states")
BTAP_IFACE(UNIT, BTAP_RE_CLASS_SIZE, "size of the class table")
BTAP_IFACE(UNIT, BTAP_RE_NEXT_SIZE, "size of the transition table")
BTAP_IFACE(UNIT, BTAP_RE_END_SIZE, "size of the accepting table")
BTAP_IFACE(UNIT, btap_regex_match, "runtime/btap_regex.h: runs a DFA over a string")
BTAP_IFACE(RUNNER, btap_regex_note, "records a match's groups for matched()/ngroups()")

/* ---- output ------------------------------------------------------------- */
BTAP_IFACE(UNIT, btap_formats, "the unit's printf formats, indexed by the records")
BTAP_IFACE(BOTH, BTAP_PRINT_, "BTAP_PRINT_BEGIN/field/END: one output record")
BTAP_IFACE(BOTH, BTAP_PRINT_BEGIN, "starts an output record of a format")
BTAP_IFACE(BOTH, BTAP_PRINT_END, "sends the output record")
BTAP_IFACE(BOTH, BTAP_SPRINTF_, "BTAP_SPRINTF_BEGIN/field/END: sprintf into a string")
BTAP_IFACE(BOTH, BTAP_SPRINTF_BEGIN, "starts a sprintf")
BTAP_IFACE(BOTH, BTAP_SPRINTF_END, "finishes a sprintf into its destination")
BTAP_IFACE(BOTH, BTAP_SPRINTF_NONE, "a sprintf with no conversions")
BTAP_IFACE(BOTH, BTAP_SPRINTF_FIELD_LONG, "a long argument of a sprintf")
BTAP_IFACE(BOTH, BTAP_SPRINTF_FIELD_STR, "a string argument of a sprintf")
BTAP_IFACE(BOTH, BTAP_SPRINTF_STRN, "a string argument with a precision")
BTAP_IFACE(BOTH, BTAP_SPRINTF_OCT, "an octal conversion (bpf_snprintf has none)")
BTAP_IFACE(KERNEL, btap_fmt_clamp, "clamps a width or precision as runtime/format.c does")

/* ---- memory and target variables ---------------------------------------- */
BTAP_IFACE(KERNEL, btap_kread, "reads 1 to 8 bytes of kernel memory, raising an error on a fault")
BTAP_IFACE(KERNEL, btap_kchars, "copies a kernel char array")
BTAP_IFACE(KERNEL, btap_kstring_or, "a kernel string, or a fallback when it cannot be read")

/* ---- the tapset's natives (tapset/RUNTIME-INTERFACE.md) ----------------- */
BTAP_IFACE(BOTH, btap_pid, "thread-group id of the current task")
BTAP_IFACE(BOTH, btap_tid, "id of the current thread")
BTAP_IFACE(BOTH, btap_ppid, "thread-group id of the real parent")
BTAP_IFACE(BOTH, btap_uid, "real uid")
BTAP_IFACE(BOTH, btap_euid, "effective uid")
BTAP_IFACE(BOTH, btap_gid, "real gid")
BTAP_IFACE(BOTH, btap_egid, "effective gid")
BTAP_IFACE(BOTH, btap_cpu, "CPU running the probe")
BTAP_IFACE(BOTH, btap_execname, "comm of the current task")
BTAP_IFACE(BOTH, btap_pexecname, "comm of the real parent")
BTAP_IFACE(BOTH, btap_task_current, "the address of the task a probe describes (0 in the runner)")
BTAP_IFACE(BOTH, btap_task_parent, "real_parent of the task at an address")
BTAP_IFACE(BOTH, btap_task_pid, "tgid of the task at an address")
BTAP_IFACE(BOTH, btap_task_tid, "pid (thread id) of the task at an address")
BTAP_IFACE(BOTH, btap_task_uid, "real uid of the task at an address")
BTAP_IFACE(BOTH, btap_task_euid, "effective uid of the task at an address")
BTAP_IFACE(BOTH, btap_task_execname, "comm of the task at an address")
BTAP_IFACE(BOTH, btap_target, "pid given by -x or of the -c command; else 0")
BTAP_IFACE(BOTH, btap_pp, "probe point of the running probe, as text")
BTAP_IFACE(BOTH, btap_walltime_ns, "CLOCK_REALTIME in ns")
BTAP_IFACE(BOTH, btap_ktime_ns, "CLOCK_MONOTONIC in ns")
BTAP_IFACE(BOTH, btap_jiffies, "64-bit jiffies")
BTAP_IFACE(BOTH, btap_hz, "CONFIG_HZ of the running kernel")
BTAP_IFACE(BOTH, btap_cycles, "cycle counter, or btap_ktime_ns()")
BTAP_IFACE(BOTH, btap_exit, "ends the session after this handler")
BTAP_IFACE(BOTH, btap_abort, "ends it now, without end or error probes")
BTAP_IFACE(BOTH, btap_error, "raises a run-time error")
BTAP_IFACE(BOTH, btap_warn, "prints WARNING: msg")
BTAP_IFACE(BOTH, btap_maxstringlen, "MAXSTRINGLEN")
BTAP_IFACE(BOTH, btap_strlen, "bytes before the NUL")
BTAP_IFACE(BOTH, btap_substr, "part of a string")
BTAP_IFACE(BOTH, btap_byte_at, "a byte of a string, or -1")
BTAP_IFACE(BOTH, btap_strpos, "offset of a substring, or -1")
BTAP_IFACE(BOTH, btap_strtol, "string to number, as the kernel's simple_strtol")
BTAP_IFACE(BOTH, btap_text_str, "a string made printable (escapes, quotes)")
BTAP_IFACE(BOTH, btap_user_string, "string at a user address")
BTAP_IFACE(BOTH, btap_kernel_string, "string at a kernel address")
BTAP_IFACE(BOTH, btap_user_char, "signed 8 bits at a user address")
BTAP_IFACE(BOTH, btap_user_short, "signed 16 bits at a user address")
BTAP_IFACE(BOTH, btap_user_int, "signed 32 bits at a user address")
BTAP_IFACE(BOTH, btap_user_long, "64 bits at a user address")
BTAP_IFACE(BOTH, btap_kernel_char, "signed 8 bits at a kernel address")
BTAP_IFACE(BOTH, btap_kernel_short, "signed 16 bits at a kernel address")
BTAP_IFACE(BOTH, btap_kernel_int, "signed 32 bits at a kernel address")
BTAP_IFACE(BOTH, btap_kernel_long, "64 bits at a kernel address")
BTAP_IFACE(RUNNER, btap_matched, "group n of the last =~ match")
BTAP_IFACE(RUNNER, btap_ngroups, "groups of the last =~ pattern")
