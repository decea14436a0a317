#ifndef BTAP_HEAP_H
#define BTAP_HEAP_H

/* Set up malloc for a process that lives a fraction of a second and may
 * read tens of megabytes of debuginfo: keep the heap, serve big blocks
 * from it, and back it with huge pages where the kernel offers them. */
void heap_prepare(void);

#endif
