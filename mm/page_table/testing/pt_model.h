// The page-table model driver shared by the model test, the fuzz corpus test and the
// fuzzer: random map (tracked frames and untracked ranges of mixed page sizes), map_phys,
// take_next, unmap, protect_next, query and find_next over an 8 GiB window of the kernel
// half, checked against an interval model after every step: the leaves the table holds
// (and the software MMU's translations) must equal the model exactly, and the structural
// invariants (pt_invariants.h) must hold. At the end everything is unmapped and the node
// count and the allocator's free frames must be back where they started.
//
// Any disagreement prints the step and aborts (so libFuzzer reports it).
#pragma once

#include <cstdint>
#include <span>

#include "mm/types.h"

namespace mm::pt::testing {

struct PtModelOptions {
  PagingLevel levels = 4;         // 4 or 5
  bool supports_1g_pages = true;
  bool check_every_step = true;   // full walk + invariants after every step (else at the end)
};

struct PtModelReport {
  std::uint64_t steps = 0;
  std::uint64_t ok_ops = 0;         // operations that succeeded
  std::uint64_t refused_ops = 0;    // operations refused as the model predicted
  std::uint64_t max_nodes = 0;      // most page-table nodes alive at once
  std::uint64_t max_mapped_bytes = 0;
  std::uint64_t huge_leaves_seen = 0;  // 2 MiB / 1 GiB leaves seen in walks
};

// Runs operations decoded from `bytes` (about 8 bytes each) until they run out.
PtModelReport run_pt_model_on_bytes(std::span<const std::uint8_t> bytes, const PtModelOptions& options);

}  // namespace mm::pt::testing
