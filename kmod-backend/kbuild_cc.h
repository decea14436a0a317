/* kbuild's compiler, with its probes remembered. kbuild tests the compiler
 * on every make of an external module (cc-option, as-instr ...: about
 * thirty runs of gcc on /dev/null or on a line from stdin, ~90 ms each,
 * kept nowhere), most of a small module's build. btap hands kbuild itself
 * as the compiler (`CC=btap --kbuild-cc COMPILER`): a run that compiles no
 * file is a probe, answered from the cache after its first time; every
 * other run is the compiler's own. */
#ifndef BTAP_KBUILD_CC_H
#define BTAP_KBUILD_CC_H

/* btap --kbuild-cc COMPILER ARGS...: argv[0] is COMPILER. The exit status. */
int kbuild_cc_main(int argc, char **argv);

#endif
