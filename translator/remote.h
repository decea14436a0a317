/* --remote HOST[,HOST...]: run a script on other machines over ssh.
 *
 * For each host: its kernel release and BTF digest are read over ssh; when
 * its kernel is not this one, its facts (BTF, the tracefs catalog, notes,
 * kallsyms, config) are fetched and passes 1-4 run here in a private mount
 * namespace that shows them where btap reads the kernel's (as the VM tier
 * does); the artifact is copied there and run with `btap --run` (the run's
 * options and the script's arguments passed on), its output streamed back,
 * each line prefixed "HOST: " when there are several hosts. A host that
 * fails is reported and the others go on; the exit status is 1 when any
 * failed. SIGINT/SIGTERM here stop every remote run (its end probes
 * still print). $BTAP_SSH replaces `ssh` (e.g. "ssh -F CONFIG"),
 * $BTAP_REMOTE_BTAP the btap run there (default: btap on its PATH). */
#ifndef BTAP_REMOTE_H
#define BTAP_REMOTE_H

struct session;

int remote_run(struct session *s);

#endif
