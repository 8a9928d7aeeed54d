// AllocatorModel: drives the frame handles and the global allocator with a stream of
// (op, arg) steps and checks them against a reference model (frame index → references).
// Shared by the model test (random steps), the fuzzer (steps decoded from bytes) and the
// fuzzer's corpus test. Requires a live SimFrames (see model_world()).
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/frame/frame.h"
#include "mm/frame/segment.h"
#include "mm/frame/unique_frame.h"

namespace mm::allocator::testing {

// Typed metadata recording the frame's own address, so mix-ups are visible.
struct ModelMeta {
  Paddr self;
};

class AllocatorModel {
 public:
  static constexpr unsigned NUM_OPS = 17;

  AllocatorModel();  // over the allocator as it is now (frames in use now are "boot")
  ~AllocatorModel();  // drops every handle (frames go back to the allocator)

  // Runs one operation (op % NUM_OPS) with parameter `arg`; returns "" or what went wrong.
  std::string step(std::uint8_t op, std::uint32_t arg);
  // Model vs. slots, allocator accounting, and check_allocator_invariants(); "" if all agree.
  std::string check() const;
  // Drops every handle and drains the cache; then the allocator must be back at `initial`.
  std::string release_all_and_compare(const allocator::AllocatorStats& initial);

  std::size_t live_handles() const { return handles_.size(); }
  std::uint64_t allocated_frames() const { return refs_.size() + huge_tail_frames_; }
  std::uint64_t huge_allocs() const { return huge_allocs_; }
  std::uint64_t splits() const { return splits_; }
  std::uint64_t merges() const { return merges_; }
  std::uint64_t ooms() const { return ooms_; }

 private:
  using Handle = std::variant<frame::UniqueFrame<ModelMeta>, frame::Frame<ModelMeta>,
                              frame::Segment<ModelMeta>>;
  static constexpr std::uint64_t UNIQUE = ~std::uint64_t{0};

  std::string on_alloc(Paddr pa, std::uint64_t nframes, bool unique);
  std::string add_refs(Paddr pa, std::uint64_t nframes);
  void drop_handle(std::size_t i);
  void forget(Paddr pa, std::uint64_t nframes);
  template <typename T>
  T* pick(std::uint32_t arg, std::size_t* index = nullptr);

  // The order of a live frame's head (0 if absent from huge_order_).
  unsigned order_of(std::uint64_t index) const;
  // The head of the live huge frame covering frame `index`, if any.
  std::optional<std::uint64_t> huge_head_covering(std::uint64_t index) const;
  std::string split_one(std::uint32_t arg);
  std::string merge_one(std::uint32_t arg);

  std::map<std::uint64_t, std::uint64_t> refs_;  // head frame index → references (UNIQUE)
  std::map<std::uint64_t, unsigned> huge_order_;  // head frame index → order, for order > 0
  std::uint64_t huge_tail_frames_ = 0;            // frames of live huge frames but their heads
  std::uint64_t huge_allocs_ = 0;
  std::uint64_t splits_ = 0;
  std::uint64_t merges_ = 0;
  std::uint64_t boot_frames_in_usable() const { return boot_frames_in_usable_; }

  std::vector<Handle> handles_;
  std::uint64_t boot_frames_in_usable_ = 0;
  std::uint64_t ooms_ = 0;
};

// The world the model, the fuzzer and the corpus test run in: 16 MiB with three usable
// ranges (one starting unaligned, boundaries that split buddies) and boot frames in them.
std::unique_ptr<SimFrames> model_world();

// The fuzzer's entry: steps decoded from `bytes` (3 bytes each), checking after each step.
// Aborts with a message on any disagreement.
void run_model_on_bytes(std::span<const std::uint8_t> bytes);

}  // namespace mm::allocator::testing
