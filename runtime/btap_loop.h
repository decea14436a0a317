/* Loops of generated code, shared by the runtimes: a loop body is a
 * callback (long cb(uint32_t i, void *data) for while/for, long cb(map,
 * key, value, data) for foreach) that returns 1 to stop. Its data carries
 * what the body reaches (the context, its frame, the callees' frames, the
 * string return buffer) and, on a stop, why: the caller branches on st. */
#ifndef BTAP_LOOP_H
#define BTAP_LOOP_H

enum {
	BTAP_LOOP_RUNNING, /* never stopped: the runtime's iteration bound ran out */
	BTAP_LOOP_DONE,    /* condition false or break */
	BTAP_LOOP_ERR,     /* an error: to the innermost catch */
	BTAP_LOOP_OUT,     /* next, or return from the function */
};

struct btap_loop {
	struct btap_ctx *c;
	void *fr;
	char *nsp;
	char *rs;
	int st;
};

/* Iterations a loop may ask for: each counts against MAXACTION first. */
#define BTAP_LOOP_MAX (MAXACTION < (1 << 23) - 1 ? MAXACTION + 1 : (1 << 23))

#endif
