// The boot-info fuzz entry, shared by the libFuzzer binary and the corpus test.
//
// Input: one selector byte, then the payload.
//   selector % 3 == 0: a multiboot2 info block (magic correct, paddr GRUB_INFO_PADDR)
//   selector % 3 == 1: a PVH simulated physical memory image, start_info at its start
//   selector % 3 == 2: a kernel command line (boot::Cmdline)
// Every parse must return without a sanitizer report; when one succeeds, BootInfo's
// invariants are checked and a violation traps.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace boot::fuzz {

enum class FuzzTarget : std::uint8_t { Multiboot2 = 0, Pvh = 1, Cmdline = 2 };

struct FuzzOutcome {
  FuzzTarget target;
  bool parsed;  // the parser accepted the input
};

FuzzOutcome run_boot_info_fuzz_input(std::span<const std::uint8_t> input);

// Valid inputs (GRUB BIOS and UEFI blocks, a PVH image, command lines) with their selector.
std::vector<std::vector<std::uint8_t>> boot_info_seed_inputs();

}  // namespace boot::fuzz
