// The C++ ABI hooks a freestanding kernel must provide itself.
#include <cstddef>
#include <cstdint>
#include <new>

#include "kernel/panic/panic.h"

extern "C" {

// A pure virtual function was called (an object used during construction/destruction).
[[noreturn]] void __cxa_pure_virtual() { panic("pure virtual function called"); }

// Function-local statics. keel runs its init single-threaded, but the guard protocol is
// implemented properly so later SMP code stays correct: byte 0 = done, byte 1 = in progress.
int __cxa_guard_acquire(std::uint64_t* guard) {
  auto* bytes = reinterpret_cast<volatile std::uint8_t*>(guard);
  if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE) != 0) return 0;
  std::uint8_t expected = 0;
  while (!__atomic_compare_exchange_n(&bytes[1], &expected, 1, false, __ATOMIC_ACQUIRE,
                                      __ATOMIC_RELAXED)) {
    if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE) != 0) return 0;
    expected = 0;
    __builtin_ia32_pause();
  }
  if (__atomic_load_n(&bytes[0], __ATOMIC_ACQUIRE) != 0) {
    __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
    return 0;
  }
  return 1;
}

void __cxa_guard_release(std::uint64_t* guard) {
  auto* bytes = reinterpret_cast<volatile std::uint8_t*>(guard);
  __atomic_store_n(&bytes[0], 1, __ATOMIC_RELEASE);
  __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
}

void __cxa_guard_abort(std::uint64_t* guard) {
  auto* bytes = reinterpret_cast<volatile std::uint8_t*>(guard);
  __atomic_store_n(&bytes[1], 0, __ATOMIC_RELEASE);
}

}  // extern "C"

// keel has no heap: a reachable operator new/delete is a bug, reported loudly.
void* operator new(std::size_t size) { panic("operator new({}) called: keel has no heap", size); }
void* operator new[](std::size_t size) { panic("operator new[]({}) called: keel has no heap", size); }
void operator delete(void* p) noexcept { panic("operator delete({}) called: keel has no heap", p); }
void operator delete(void* p, std::size_t) noexcept { panic("operator delete({}) called", p); }
void operator delete[](void* p) noexcept { panic("operator delete[]({}) called", p); }
void operator delete[](void* p, std::size_t) noexcept { panic("operator delete[]({}) called", p); }
