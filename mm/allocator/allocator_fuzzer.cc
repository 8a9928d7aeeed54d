// libFuzzer over the allocator model: every 3 input bytes are one operation (op, arg);
// any disagreement between handles, allocator and model aborts.
#include <cstddef>
#include <cstdint>

#include "mm/allocator/testing/model_driver.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 3 * 4096) return -1;  // keep inputs (and the per-step walks) short
  mm::allocator::testing::run_model_on_bytes({data, size});
  return 0;
}
