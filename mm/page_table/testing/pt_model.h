// The page-table model driver shared by the model test, the fuzz corpus test and the
// fuzzer: random map (tracked 4 KiB, 2 MiB and 1 GiB frames, also at misaligned addresses;
// untracked ranges of mixed page sizes), map_phys,
// take_next, unmap, protect_next, query and find_next over an 8 GiB window of the kernel
// half, checked against an interval model after every step: the leaves the table holds
// (and the software MMU's translations) must equal the model exactly, and the structural
// invariants (pt_invariants.h) must hold. A tracked huge frame is one model interval that
// may only go whole: every take_next / unmap / protect_next whose range cuts it must be
// refused as SplitsTrackedHuge, with nothing changed. At the end everything is unmapped and the node
// count and the allocator's free frames must be back where they started.
//
// Any disagreement prints the step and aborts (so libFuzzer reports it).
#pragma once

#include <cstdint>
#include <span>

#include "mm/types.h"

namespace mm::page_table::testing {

struct PtModelOptions {
  PagingLevel levels = 4;         // 4 or 5
  bool supports_1g_pages = true;
  bool check_every_step = true;   // full walk + invariants after every step (else at the end)
  // Simulate 2 GiB of RAM (with a free 1 GiB block) instead of 64 MiB, so 1 GiB frames can be
  // mapped tracked. Costs ~0.5 s per run under ASan (the world's slots): the model test
  // uses it, the fuzzer does not.
  bool frames_1g = false;
};

struct PtModelReport {
  std::uint64_t steps = 0;
  std::uint64_t ok_ops = 0;         // operations that succeeded
  std::uint64_t refused_ops = 0;    // operations refused as the model predicted
  std::uint64_t max_nodes = 0;      // most page-table nodes alive at once
  std::uint64_t max_mapped_bytes = 0;
  std::uint64_t huge_leaves_seen = 0;  // 2 MiB / 1 GiB leaves seen in walks
  std::uint64_t tracked_huge_maps = 0;     // 2 MiB / 1 GiB frames mapped tracked
  std::uint64_t tracked_1g_maps = 0;       // of those, 1 GiB
  std::uint64_t tracked_huge_removed = 0;  // taken or unmapped whole
  std::uint64_t split_refusals = 0;        // SplitsTrackedHuge, as the model predicted
};

// Runs operations decoded from `bytes` (about 8 bytes each) until they run out.
PtModelReport run_pt_model_on_bytes(std::span<const std::uint8_t> bytes, const PtModelOptions& options);

}  // namespace mm::page_table::testing
