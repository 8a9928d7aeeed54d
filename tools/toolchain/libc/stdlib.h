// keel's freestanding libc shim: the types libc++'s <cstdlib> names. No functions.
#ifndef KEEL_LIBC_STDLIB_H
#define KEEL_LIBC_STDLIB_H
#include <stddef.h>
typedef struct { int quot, rem; } div_t;
typedef struct { long quot, rem; } ldiv_t;
typedef struct { long long quot, rem; } lldiv_t;
#endif
