/* A shared-library function for process("libufix.so") probes. */
#include "ufix.h"

__attribute__((noinline)) int ufix_mul(int a, int b)
{
	return a * b;
}
