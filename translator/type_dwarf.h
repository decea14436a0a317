/* What the DWARF type source offers code that walks the same DWARF
 * itself (the binary catalog's variables): the handle of a DIE's type. */
#ifndef BTAP_TYPE_DWARF_H
#define BTAP_TYPE_DWARF_H

#include "types.h"

#include <elfutils/libdw.h>

/* The handle of die's DW_AT_type (through abstract origins) in a source
 * opened with type_source_dwarf_open on the file die comes from; 0 for
 * void. */
type_id type_dwarf_type_of(Dwarf_Die *die);

#endif
