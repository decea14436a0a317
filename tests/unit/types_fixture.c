/* The program whose DWARF test_types.c reads: it only has to hold the
 * fixture's types, so it defines one object of each. */
#include "types_fixture.h"

struct fx_node fx_node_object;
union fx_value fx_value_object;
enum fx_color fx_color_object;

int main(void)
{
	return fx_node_object.id;
}
