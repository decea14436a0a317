/* Default limits of the generated code, for every runtime; the unit
 * defines them first when -D NAME=VALUE or the script set them. */
#ifndef BTAP_LIMITS_H
#define BTAP_LIMITS_H

#ifndef MAXSTRINGLEN
#define MAXSTRINGLEN 128 /* bytes of a string, with its NUL */
#endif
#ifndef MAXACTION
#define MAXACTION 1000   /* statements a probe may run (loop iterations) */
#endif
#ifndef MAXACTION_INTERRUPTIBLE
/* ... a begin, end or error probe, which runs in a task (as stap's) */
#define MAXACTION_INTERRUPTIBLE (MAXACTION * 10)
#endif

#endif
