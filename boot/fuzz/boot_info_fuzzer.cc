// libFuzzer target over multiboot2 blocks, PVH images and command lines (fuzz_entry.h).
//   bazel build //boot:boot_info_fuzzer && bazel-bin/boot/boot_info_fuzzer -max_len=8192
#include <cstddef>
#include <cstdint>
#include <span>

#include "boot/fuzz/fuzz_entry.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boot::fuzz::run_boot_info_fuzz_input({data, size});
  return 0;
}
