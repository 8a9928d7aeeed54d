// Frame metadata types for frame-layer tests, host-only and shared alike.
#pragma once

#include <cstdint>

#include "mm/types.h"

namespace mm::frame::testing {

// Typed metadata whose drop hook counts calls and records the address.
struct CountingMeta {
  int value = 0;
  static inline int drops = 0;
  static inline Paddr last_dropped = 0;
  void on_drop(Paddr pa) {
    ++drops;
    last_dropped = pa;
  }
};

// Another typed metadata: a handle of the wrong type must be refused.
struct OtherMeta {
  std::uint64_t a = 0, b = 0;
};

// Untyped metadata: its frames' bytes are readable and writable.
struct PageMeta {
  static constexpr bool untyped_frame = true;
  std::uint32_t tag = 0;
};

}  // namespace mm::frame::testing
