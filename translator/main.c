/* Placeholder driver until the CLI lands. */
#include <stdio.h>
int main(void) { puts("btap"); return 0; }
