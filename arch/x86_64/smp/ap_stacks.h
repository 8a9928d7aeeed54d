// The stacks of an application processor: its kernel stack and its three IST stacks (#DF,
// NMI, #MC), mapped in the kernel-stack window (mm/layout.h KSTACKS), each above an
// unmapped guard page, so an overflow faults instead of running into its neighbour.
#pragma once

#include <array>
#include <cstdint>
#include <optional>

namespace arch::smp {

struct ApStacks {
  std::uint64_t kernel_top = 0;                // the stack the AP enters ap_entry on
  std::array<std::uint64_t, 3> ist_tops{};     // IST1..IST3
  std::uint64_t lowest_guard = 0;              // the guard page below the kernel stack
};

inline constexpr std::uint64_t AP_STACK_PAGES = 4;  // each of the four stacks
inline constexpr unsigned AP_STACKS = 4;            // the kernel stack, then IST1..IST3
// From one stack's guard page to the next one's: [guard][stack] × AP_STACKS.
inline constexpr std::uint64_t AP_STACK_STRIDE = (AP_STACK_PAGES + 1) * 4096;

// Maps a fresh set of stacks in the next unused part of the window (a set handed to an AP
// that did not answer is never reused: it may still arrive and run on it). All or
// nothing: nullopt, with nothing left mapped or allocated, when memory or the window runs
// out. Requires the kernel address space (after mm init), and interrupts enabled once a
// second CPU is online (page-table cursors).
std::optional<ApStacks> map_ap_stacks();

}  // namespace arch::smp
