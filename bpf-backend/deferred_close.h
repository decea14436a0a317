/* Closing a tracing link (a tracepoint's, uprobe's or kprobe's perf event
 * with its program) waits for RCU grace periods in the kernel: ~18 ms to
 * take the program off the event, ~17 ms more when the event itself goes
 * (one event after another: the kernel holds its event mutex across the
 * wait), so a script on four tracepoints took ~110 ms to stop. Once the
 * programs no longer act (the probes see exit_requested and return at
 * once) nothing the user sees depends on those waits: a helper process
 * takes over the links and their perf events and makes the last closes
 * while btap prints its output and exits. The helper is btap itself
 * exec'd as "btap-detach" (vfork: btap waits only for the exec), holds no
 * other descriptor (not btap's output: a pipe reader sees EOF when btap
 * exits) and is gone a few grace periods later. */
#ifndef BTAP_DEFERRED_CLOSE_H
#define BTAP_DEFERRED_CLOSE_H

/* This program is btap, whose main runs deferred_close_main for
 * --deferred-close: without this call (a unit test) nothing is handed. */
void deferred_close_enable(void);

/* Hand the helper copies of the n link descriptors and of every perf
 * event descriptor open in this process. Returns n when it holds them
 * (then the caller's closes of its own copies are quick) or 0 when no
 * helper could start (the closes stay with the caller). *done_fd: close it
 * once the caller has closed its copies (-1 when nothing was handed). */
int deferred_close_handoff(const int *links, int n, int *done_fd);

/* The helper: `btap --deferred-close DONE FD...` (argv from DONE on). */
int deferred_close_main(int argc, char **argv);

#endif
