// keel's freestanding libc shim: libc++'s char_traits needs EOF, and <cstdio>'s
// `using ::remove` must name something so it does not collide with std::remove from
// <algorithm>. Declared only: keel has no stdio, and a call fails to link.
#ifndef KEEL_LIBC_STDIO_H
#define KEEL_LIBC_STDIO_H
#define EOF (-1)
#ifdef __cplusplus
extern "C" {
#endif
int remove(const char* path);
#ifdef __cplusplus
}
#endif
#endif
