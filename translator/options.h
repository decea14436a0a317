/* Command-line options, as stap(1) spells them. */
#ifndef BTAP_OPTIONS_H
#define BTAP_OPTIONS_H

#include "session.h"

enum opt_result { OPT_RUN, OPT_EXIT_OK, OPT_EXIT_ERROR };

/* Fill s from argv. Prints --help / -V itself (OPT_EXIT_OK) and reports
 * bad usage on stderr (OPT_EXIT_ERROR). */
enum opt_result options_parse(struct session *s, int argc, char **argv);

#endif
