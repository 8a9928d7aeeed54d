// libFuzzer target: raw e820/EFI entry arrays through the sanitizer, planner and early
// allocator; see testing/sanitize_properties.h for the input format and the properties.
#include <cstddef>
#include <cstdint>

#include "mm/memmap/testing/sanitize_properties.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return mm::memmap::testing::run_sanitizer_fuzz_input(data, size);
}
