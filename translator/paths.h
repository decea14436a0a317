/*
 * Where btap finds its data: the tapset library and the runtime headers
 * that generated code compiles against.
 *
 *   1. $BTAP_TAPSET_DIR / $BTAP_RUNTIME_DIR, when set;
 *   2. a binary inside its own source tree (./btap, build/san/btap) uses
 *      that tree's tapset/ and runtime/;
 *   3. an installed binary, PREFIX/bin/btap, uses PREFIX/share/btap/tapset
 *      and PREFIX/share/btap/runtime, found from its own location, so an
 *      install moved as a whole (DESTDIR, dpkg -x) still works;
 *   4. otherwise the source tree it was built from.
 *
 * The answers are computed once and stay valid for the process.
 */
#ifndef BTAP_PATHS_H
#define BTAP_PATHS_H

const char *paths_tapset_dir(void);
const char *paths_runtime_dir(void);

#endif
