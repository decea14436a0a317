/* Pass 5 of the BPF backend: run a compiled artifact (see compile.h and
 * runtime/btap_program.h).
 *
 * The runner dlopens prog.so, creates every map the descriptor declares,
 * loads prog.bpf.o with those maps, runs the begin probes, attaches the
 * kernel probes, starts the -c command, then multiplexes the output ring
 * buffer, runner timers, signals, the target process and -T in one epoll
 * loop. On stop it detaches, drains the output, runs the end (or error)
 * probes, flushes and reports lost records and errors. */
#ifndef BTAP_RUNNER_H
#define BTAP_RUNNER_H

struct session;

/* Run the artifact directory (holding prog.so and, when the program has
 * kernel probes, prog.bpf.o). Honours -c -x -T -s -b -o -w -D MAXERRORS=N
 * --suppress-handler-errors and the script arguments. Returns the exit
 * status: 0, or 1 after runtime errors, a failed setup or an abort. */
int runner_run(struct session *s, const char *artifact_dir);

#endif
