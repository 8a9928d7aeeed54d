// keel's freestanding libc shim: libc++'s <iosfwd> (pulled in by <string_view>, <iterator>
// and <algorithm>) needs mbstate_t, which libc++ takes from <uchar.h> when wide characters are off.
#ifndef KEEL_LIBC_UCHAR_H
#define KEEL_LIBC_UCHAR_H
typedef struct {
  unsigned int __count;
  unsigned int __value;
} mbstate_t;
#endif
