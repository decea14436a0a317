/* Pass 5: run a compiled artifact (see runtime/btap_program.h) through a
 * runtime's operations (runner_runtime.h).
 *
 * The runner dlopens prog.so, has the runtime create every map the
 * descriptor declares and load the kernel half (BPF: prog.bpf.o with those
 * maps), runs the begin probes, has the kernel probes attached, starts
 * the -c command, then multiplexes the kernel's output, runner timers,
 * signals, the target process and -T in one epoll loop. On stop it
 * detaches, drains the output, runs the end (or error) probes, flushes and
 * reports lost records and errors. */
#ifndef BTAP_RUNNER_H
#define BTAP_RUNNER_H

struct session;
struct runner_runtime;

/* Run the artifact directory (holding prog.so and the runtime's kernel
 * half, BPF: prog.bpf.o). Honours -c -x -T -s -b -o -w -D MAXERRORS=N
 * --suppress-handler-errors and the script arguments. Returns the exit
 * status: 0, or 1 after runtime errors, a failed setup or an abort. */
int runner_run(struct session *s, const struct runner_runtime *rt, const char *artifact_dir);

#endif
