/* Runs the passes in order for one session and reports -v timings. */
#ifndef BTAP_DRIVER_H
#define BTAP_DRIVER_H

#include "session.h"

/* Returns the process exit status. */
int driver_run(struct session *s);

#endif
