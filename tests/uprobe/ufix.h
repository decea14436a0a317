/* The shared library the uprobe test program links against. */
#ifndef UFIX_H
#define UFIX_H
int ufix_mul(int a, int b);
#endif
