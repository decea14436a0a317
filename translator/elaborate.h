/* Pass 2: elaboration.
 *
 * Resolves every probe point of the script (probe aliases, wildcards,
 * providers) into concrete derived probes, binds names to locals, globals
 * and functions (pulling in only the tapset pieces the script uses),
 * resolves target variables, infers types and fills s->prog. Errors and
 * warnings are reported located; returns false if there were errors. */
#ifndef BTAP_ELABORATE_H
#define BTAP_ELABORATE_H

#include "session.h"

bool elaborate(struct session *s);

#endif
