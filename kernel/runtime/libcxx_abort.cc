// libc++'s hook for a failed internal check (e.g. std::expected::value() on an error, or
// bad_optional_access without exceptions): report it like any other kernel bug.
#include <__verbose_abort>

#include "kernel/panic/panic.h"

_LIBCPP_BEGIN_NAMESPACE_STD

void __libcpp_verbose_abort(const char* format, ...) {
  panic("libc++ aborted: {}", format);
}

_LIBCPP_END_NAMESPACE_STD
