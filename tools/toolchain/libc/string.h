// keel's freestanding libc shim: the declarations libc++ needs. The definitions live in
// kernel/runtime (the kernel links no C library).
#ifndef KEEL_LIBC_STRING_H
#define KEEL_LIBC_STRING_H
#include <stddef.h>
#ifdef __cplusplus
extern "C" {
#endif
void* memcpy(void* __restrict dst, const void* __restrict src, size_t n);
void* memmove(void* dst, const void* src, size_t n);
void* memset(void* dst, int c, size_t n);
int memcmp(const void* a, const void* b, size_t n);
void* memchr(const void* s, int c, size_t n);
size_t strlen(const char* s);
int strcmp(const char* a, const char* b);
int strncmp(const char* a, const char* b, size_t n);
char* strchr(const char* s, int c);
#ifdef __cplusplus
}
#endif
#endif
