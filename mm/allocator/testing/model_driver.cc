#include "mm/allocator/testing/model_driver.h"

#include <cstdio>
#include <algorithm>
#include <cstdlib>
#include <string>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/frame/split_frames.h"

namespace mm::allocator::testing {
namespace {

std::string describe(const char* what, Paddr pa) {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), "%s (frame %#llx)", what,
                static_cast<unsigned long long>(pa));
  return buffer;
}

template <typename T>
std::string to_text(const T& value) {
  keel::fmt::FixedString<512> out;
  keel::fmt::print(out, "{}", value);
  return std::string(out.view());
}

ModelMeta meta_for(Paddr pa) { return ModelMeta{pa}; }

#define TRY_STRING(expr)                                      \
  do {                                                        \
    if (std::string error_ = (expr); !error_.empty()) return error_; \
  } while (0)

}  // namespace

AllocatorModel::AllocatorModel() {
  const allocator::AllocatorStats stats = allocator::allocator_stats();
  boot_frames_in_usable_ = stats.usable_frames - stats.total_free_frames;
}

AllocatorModel::~AllocatorModel() {
  while (!handles_.empty()) drop_handle(handles_.size() - 1);
}

template <typename T>
T* AllocatorModel::pick(std::uint32_t arg, std::size_t* index) {
  if (handles_.empty()) return nullptr;
  // Look from a random start for the first handle of type T.
  const std::size_t start = arg % handles_.size();
  for (std::size_t k = 0; k < handles_.size(); ++k) {
    const std::size_t i = (start + k) % handles_.size();
    if (T* found = std::get_if<T>(&handles_[i])) {
      if (index != nullptr) *index = i;
      return found;
    }
  }
  return nullptr;
}

std::string AllocatorModel::on_alloc(Paddr pa, std::uint64_t nframes, bool unique) {
  for (std::uint64_t i = 0; i < nframes; ++i) {
    const std::uint64_t index = pa / PAGE_SIZE + i;
    if (!refs_.emplace(index, unique ? UNIQUE : 1).second)
      return describe("allocator handed out a frame that is still allocated", index * PAGE_SIZE);
  }
  return {};
}

std::string AllocatorModel::add_refs(Paddr pa, std::uint64_t nframes) {
  for (std::uint64_t i = 0; i < nframes; ++i) {
    auto it = refs_.find(pa / PAGE_SIZE + i);
    if (it == refs_.end() || it->second == UNIQUE)
      return describe("new reference to a frame the model has no shared reference on",
                      pa + i * PAGE_SIZE);
    ++it->second;
  }
  return {};
}

void AllocatorModel::forget(Paddr pa, std::uint64_t nframes) {
  for (std::uint64_t i = 0; i < nframes; ++i) {
    auto it = refs_.find(pa / PAGE_SIZE + i);
    if (it == refs_.end()) std::abort();
    if (it->second == UNIQUE || --it->second == 0) {
      if (auto huge = huge_order_.find(it->first); huge != huge_order_.end()) {
        huge_tail_frames_ -= allocator::order_frames(huge->second) - 1;
        huge_order_.erase(huge);
      }
      refs_.erase(it);
    }
  }
}

unsigned AllocatorModel::order_of(std::uint64_t index) const {
  auto it = huge_order_.find(index);
  return it == huge_order_.end() ? 0 : it->second;
}

std::optional<std::uint64_t> AllocatorModel::huge_head_covering(std::uint64_t index) const {
  auto it = huge_order_.upper_bound(index);
  if (it == huge_order_.begin()) return std::nullopt;
  --it;
  if (index < it->first + allocator::order_frames(it->second)) return it->first;
  return std::nullopt;
}

// Splits a unique 2 MiB frame into 512 unique 4 KiB frames (all kept as handles).
std::string AllocatorModel::split_one(std::uint32_t arg) {
  if (handles_.size() > 1000) return {};  // keep the per-step checks cheap
  for (std::size_t k = 0; k < handles_.size(); ++k) {
    const std::size_t i = (arg + k) % handles_.size();
    auto* unique = std::get_if<frame::UniqueFrame<ModelMeta>>(&handles_[i]);
    if (unique == nullptr || unique->map_level() != 2) continue;
    const Paddr pa = unique->paddr();
    frame::UniqueFrame<ModelMeta> whole = std::move(*unique);
    handles_[i] = std::move(handles_.back());
    handles_.pop_back();
    forget(pa, 1);
    frame::SplitFrames<ModelMeta> pieces = std::move(whole).split(meta_for);
    std::uint64_t n = 0;
    while (auto piece = pieces.next()) {
      const Paddr expected = pa + n * PAGE_SIZE;
      if (piece->paddr() != expected || piece->map_level() != 1 || piece->meta().self != expected)
        return describe("split produced a wrong piece", expected);
      TRY_STRING(on_alloc(expected, 1, true));
      handles_.emplace_back(std::move(*piece));
      ++n;
    }
    if (n != 512) return describe("split did not produce 512 pieces", pa);
    ++splits_;
    // Half the time merge the pieces straight back (all 512 are still held); otherwise they
    // live on as 4 KiB frames and merge only if none has been dropped meanwhile.
    if ((arg >> 20) & 1) {
      const auto handles_before = handles_.size();
      TRY_STRING(merge_one(static_cast<std::uint32_t>(handles_.size() - 1)));
      if (handles_.size() != handles_before - 511) return describe("merge right after split failed", pa);
    }
    return {};
  }
  return {};
}

// Merges 512 unique 4 KiB handles covering an aligned 2 MiB range back into one frame, if
// the model holds all of them; otherwise checks that merge refuses a wrong set unchanged.
std::string AllocatorModel::merge_one(std::uint32_t arg) {
  auto* any = pick<frame::UniqueFrame<ModelMeta>>(arg);
  if (any == nullptr || any->map_level() != 1) return {};
  const std::uint64_t base = any->paddr() / PAGE_SIZE & ~std::uint64_t{511};
  std::map<std::uint64_t, std::size_t> at;  // frame index → handle index
  for (std::size_t i = 0; i < handles_.size(); ++i) {
    auto* u = std::get_if<frame::UniqueFrame<ModelMeta>>(&handles_[i]);
    if (u != nullptr && u->map_level() == 1 && u->paddr() / PAGE_SIZE - base < 512) at[u->paddr() / PAGE_SIZE] = i;
  }
  std::vector<frame::UniqueFrame<ModelMeta>> parts;
  std::vector<std::size_t> taken;
  for (const auto& [index, i] : at) {
    parts.push_back(std::move(std::get<frame::UniqueFrame<ModelMeta>>(handles_[i])));
    taken.push_back(i);
  }
  auto restore = [&] {
    for (std::size_t k = 0; k < taken.size(); ++k) handles_[taken[k]] = std::move(parts[k]);
  };
  auto merged = frame::SplitFrames<ModelMeta>::merge(std::span(parts), ModelMeta{base * PAGE_SIZE});
  if (parts.size() != 512) {
    if (merged) return describe("merge accepted fewer than 512 parts", base * PAGE_SIZE);
    restore();  // all or nothing: the parts still hold their frames
    return {};
  }
  if (!merged) return describe(("merge of 512 adjacent unique frames refused: " + to_text(merged.error())).c_str(), base * PAGE_SIZE);
  std::sort(taken.rbegin(), taken.rend());
  for (const std::size_t i : taken) {
    handles_[i] = std::move(handles_.back());
    handles_.pop_back();
  }
  forget(base * PAGE_SIZE, 512);
  TRY_STRING(on_alloc(base * PAGE_SIZE, 1, true));
  huge_order_[base] = 9;
  huge_tail_frames_ += 511;
  handles_.emplace_back(std::move(*merged));
  ++merges_;
  return {};
}

void AllocatorModel::drop_handle(std::size_t i) {
  Handle dying = std::move(handles_[i]);
  handles_[i] = std::move(handles_.back());
  handles_.pop_back();
  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, frame::Segment<ModelMeta>>)
          forget(h.paddr(), h.nframes());
        else forget(h.paddr(), 1);
      },
      dying);
  // `dying` goes here: the handle's release must match what forget() recorded.
}

std::string AllocatorModel::step(std::uint8_t op, std::uint32_t arg) {
  const allocator::FrameAllocOptions options{.zeroed = (arg & 1) != 0};
  switch (op % NUM_OPS) {
    case 0: {  // one unique frame
      auto frame = allocator::alloc_frame(ModelMeta{0}, options);
      if (!frame) {
        ++ooms_;
        return {};
      }
      frame->meta_mut().self = frame->paddr();
      TRY_STRING(on_alloc(frame->paddr(), 1, true));
      handles_.emplace_back(std::move(*frame));
      return {};
    }
    case 1:  // a segment of 1..24 frames, aligned to 1..16 frames
    case 2: {  // a block of order 0..6
      const bool block = op % NUM_OPS == 2;
      const std::uint64_t nframes = block ? allocator::order_frames(arg % 7) : 1 + (arg >> 1) % 24;
      const std::uint64_t align = block ? nframes : allocator::order_frames((arg >> 6) % 5);
      auto segment = block ? allocator::alloc_block<ModelMeta>(arg % 7, meta_for, options)
                           : allocator::alloc_segment<ModelMeta>(nframes, meta_for, align, options);
      if (!segment) {
        ++ooms_;
        const allocator::AllocError& e = segment.error();
        if (e.requested_frames != nframes || e.align_frames != align)
          return "AllocError does not say what was asked: " + to_text(e);
        return {};
      }
      if (segment->paddr() % (align * PAGE_SIZE) != 0)
        return describe("segment not aligned as asked", segment->paddr());
      if (segment->nframes() != nframes) return describe("segment of the wrong size", segment->paddr());
      TRY_STRING(on_alloc(segment->paddr(), nframes, false));
      handles_.emplace_back(std::move(*segment));
      return {};
    }
    case 3:  // drop a handle (twice as likely as one allocation)
    case 4: {
      if (handles_.empty()) return {};
      drop_handle(arg % handles_.size());
      return {};
    }
    case 5: {  // unique → shared
      std::size_t i = 0;
      auto* unique = pick<frame::UniqueFrame<ModelMeta>>(arg, &i);
      if (unique == nullptr) return {};
      frame::Frame<ModelMeta> shared = std::move(*unique);
      refs_[shared.paddr() / PAGE_SIZE] = 1;
      handles_[i] = std::move(shared);
      return {};
    }
    case 6: {  // shared → unique: succeeds exactly when the model says count 1
      std::size_t i = 0;
      auto* shared = pick<frame::Frame<ModelMeta>>(arg, &i);
      if (shared == nullptr) return {};
      const Paddr pa = shared->paddr();
      const bool should = refs_.at(pa / PAGE_SIZE) == 1;
      auto unique = frame::UniqueFrame<ModelMeta>::try_from_shared(std::move(*shared));
      if (unique.has_value() != should) return describe("try_from_shared disagrees with the model", pa);
      if (unique) {
        refs_[pa / PAGE_SIZE] = UNIQUE;
        handles_[i] = std::move(*unique);
      } else {
        handles_[i] = std::move(unique.error());
      }
      return {};
    }
    case 7: {  // clone a shared frame
      auto* shared = pick<frame::Frame<ModelMeta>>(arg);
      if (shared == nullptr) return {};
      frame::Frame<ModelMeta> copy = *shared;
      TRY_STRING(add_refs(copy.paddr(), 1));
      handles_.emplace_back(std::move(copy));
      return {};
    }
    case 8: {  // split a segment
      std::size_t i = 0;
      auto* segment = pick<frame::Segment<ModelMeta>>(arg, &i);
      if (segment == nullptr || segment->nframes() < 2) return {};
      const std::uint64_t at = 1 + (arg >> 4) % (segment->nframes() - 1);
      auto [left, right] = std::move(*segment).split(at * PAGE_SIZE);
      handles_[i] = std::move(left);
      handles_.emplace_back(std::move(right));
      return {};
    }
    case 9: {  // slice a segment; sometimes with a range that must be refused
      auto* segment = pick<frame::Segment<ModelMeta>>(arg);
      if (segment == nullptr) return {};
      const std::uint64_t n = segment->nframes();
      if ((arg >> 12) % 4 == 0) {
        const frame::ByteRange bad[] = {{PAGE_SIZE, PAGE_SIZE + ~std::uint64_t{0} - PAGE_SIZE + 1},
                                        {PAGE_SIZE, 0},
                                        {0, (n + 1) * PAGE_SIZE},
                                        {0, ~std::uint64_t{0} & ~(PAGE_SIZE - 1)},
                                        {1, PAGE_SIZE}};
        for (const frame::ByteRange& r : bad) {
          if (segment->try_slice(r)) return describe("try_slice accepted a bad range", segment->paddr());
        }
        return {};
      }
      const std::uint64_t a = (arg >> 4) % (n + 1);
      const std::uint64_t b = a + (arg >> 9) % (n - a + 1);
      auto sliced = segment->try_slice({a * PAGE_SIZE, b * PAGE_SIZE});
      if (!sliced) return describe("try_slice refused a good range", segment->paddr());
      if (sliced->paddr() != segment->paddr() + a * PAGE_SIZE || sliced->nframes() != b - a)
        return describe("slice covers the wrong frames", segment->paddr());
      TRY_STRING(add_refs(sliced->paddr(), sliced->nframes()));
      if (sliced->nframes() > 0) handles_.emplace_back(std::move(*sliced));
      return {};
    }
    case 10: {  // clone a segment, or take one of its frames as a Frame
      auto* segment = pick<frame::Segment<ModelMeta>>(arg);
      if (segment == nullptr || segment->nframes() == 0) return {};
      if ((arg >> 8) & 1) {
        frame::Segment<ModelMeta> copy = segment->clone();
        TRY_STRING(add_refs(copy.paddr(), copy.nframes()));
        handles_.emplace_back(std::move(copy));
      } else {
        std::uint64_t k = 0;
        for (frame::FrameRef<ModelMeta> ref : segment->frames()) {
          if (ref.meta().self != ref.paddr()) return describe("segment frame has wrong metadata", ref.paddr());
          ++k;
        }
        if (k != segment->nframes()) return describe("iteration count is wrong", segment->paddr());
        frame::Frame<ModelMeta> one = segment->frame((arg >> 9) % k).clone();
        TRY_STRING(add_refs(one.paddr(), 1));
        handles_.emplace_back(std::move(one));
      }
      return {};
    }
    case 11: {  // from_in_use / from_unused on an arbitrary frame: must agree with the model
      const Paddr end = meta::meta_geometry().covered_end;
      const Paddr pa = static_cast<Paddr>(arg) * PAGE_SIZE % (end + 2 * PAGE_SIZE);
      auto it = refs_.find(pa / PAGE_SIZE);
      auto frame = frame::Frame<ModelMeta>::from_in_use(pa);
      if (pa >= end) {
        if (frame || frame.error() != frame::GetFrameError::OutOfBound)
          return describe("from_in_use past the end", pa);
        return {};
      }
      if (it != refs_.end()) {
        const bool unique = it->second == UNIQUE;
        if (unique ? (frame || frame.error() != frame::GetFrameError::Unique) : !frame)
          return describe("from_in_use disagrees with the model", pa);
        auto claim = frame::Frame<ModelMeta>::from_unused(pa, ModelMeta{pa});
        if (claim ||
            claim.error() != (unique ? frame::GetFrameError::Unique : frame::GetFrameError::InUse))
          return describe("from_unused on an allocated frame did not fail right", pa);
        if (frame) {
          ++it->second;
          handles_.emplace_back(std::move(*frame));
        }
        return {};
      }
      if (frame) return describe("from_in_use succeeded on a frame the model does not hold", pa);
      if (huge_head_covering(pa / PAGE_SIZE)) {  // a tail of a live huge frame
        if (frame.error() != frame::GetFrameError::Tail)
          return describe("from_in_use on a huge frame's tail is not Tail", pa);
        auto claim = frame::Frame<ModelMeta>::from_unused(pa, ModelMeta{pa});
        if (claim || claim.error() != frame::GetFrameError::Tail)
          return describe("from_unused on a huge frame's tail is not Tail", pa);
        return {};
      }
      // Not ours: free (the allocator's: head or tail of a free block, cached or listed)
      // or a boot/reserved frame (InUse as another type). Neither may be claimed.
      if (frame.error() != frame::GetFrameError::Free &&
          frame.error() != frame::GetFrameError::InUse)
        return describe("from_in_use on a free/reserved frame: unexpected error", pa);
      auto claim = frame::Frame<ModelMeta>::from_unused(pa, ModelMeta{pa});
      if (claim) return describe("from_unused claimed a frame the allocator or boot holds", pa);
      if (claim.error() != frame.error())
        return describe("from_unused and from_in_use disagree on a frame's owner", pa);
      return {};
    }
    case 12: {  // into_raw / from_raw round trip
      if (handles_.empty()) return {};
      Handle& h = handles_[arg % handles_.size()];
      std::visit(
          [](auto& handle) {
            using H = std::decay_t<decltype(handle)>;
            auto raw = std::move(handle).into_raw();
            handle = H::from_raw(raw);
          },
          h);
      return {};
    }
    case 13:
      allocator::drain_cpu_cache();
      return {};
    case 14: {  // one 2 MiB frame, unique or shared
      auto frame = allocator::alloc_frame(ModelMeta{0}, {.zeroed = (arg & 1) != 0, .level = 2});
      if (!frame) {
        ++ooms_;
        return {};
      }
      const Paddr pa = frame->paddr();
      if (pa % (512 * PAGE_SIZE) != 0 || frame->size() != 512 * PAGE_SIZE)
        return describe("2 MiB frame misaligned or of the wrong size", pa);
      frame->meta_mut().self = pa;
      for (std::uint64_t i = pa / PAGE_SIZE; i < pa / PAGE_SIZE + 512; ++i) {
        if (refs_.count(i) != 0 || huge_head_covering(i))
          return describe("2 MiB frame overlaps an allocated frame", i * PAGE_SIZE);
      }
      const bool unique = (arg >> 1) & 1;
      TRY_STRING(on_alloc(pa, 1, unique));
      huge_order_[pa / PAGE_SIZE] = 9;
      huge_tail_frames_ += 511;
      ++huge_allocs_;
      if (unique) handles_.emplace_back(std::move(*frame));
      else
        handles_.emplace_back(frame::Frame<ModelMeta>(std::move(*frame)));
      return {};
    }
    case 15:
      return split_one(arg);
    case 16:
      return merge_one(arg);
  }
  return {};
}

std::string AllocatorModel::check() const {
  for (const auto& [index, refs] : refs_) {
    const Paddr pa = index * PAGE_SIZE;
    const meta::MetaSlot& slot = slot_of(pa);
    const std::uint64_t count = slot.ref_count.load();
    if (count != (refs == UNIQUE ? meta::REF_COUNT_UNIQUE : refs)) return describe("reference count differs from the model", pa);
    if (frame::slot::live_order(slot) != order_of(index))
      return describe("frame order differs from the model", pa);
    if (slot.vtable != &frame::frame_meta_vtable<ModelMeta>)
      return describe("metadata type lost", pa);
    if (reinterpret_cast<const ModelMeta*>(slot.storage)->self != pa) return describe("metadata mixed up", pa);
  }
  const allocator::AllocatorStats stats = allocator::allocator_stats();
  if (stats.total_free_frames + allocated_frames() + boot_frames_in_usable() != stats.usable_frames)
    return "free + allocated + boot frames != usable frames:\n" + to_text(stats);
  if (auto ok = allocator::check_allocator_invariants(); !ok) return to_text(ok.error());
  return {};
}

std::string AllocatorModel::release_all_and_compare(const allocator::AllocatorStats& initial) {
  while (!handles_.empty()) drop_handle(handles_.size() - 1);
  allocator::drain_cpu_cache();
  if (!refs_.empty() || !huge_order_.empty() || huge_tail_frames_ != 0)
    return "model still holds frames after dropping every handle";
  const allocator::AllocatorStats now = allocator::allocator_stats();
  if (!(now == initial)) return "allocator not back at its initial state:\nnow:\n" + to_text(now) +
                                "initial:\n" + to_text(initial);
  return check();
}

std::unique_ptr<SimFrames> model_world() {
  static constexpr PhysRange USABLE[] = {
      {0x10'0000 + 0x800, 0x60'0000},      // 1 MiB (start rounds up) .. 6 MiB
      {0x60'3000, 0xa0'0000},              // splits buddies at 6 MiB
      {0xa0'0000 + 0x10'0000, 0x100'0000 - PAGE_SIZE},
  };
  static constexpr Paddr BOOT[] = {0x20'0000, 0x20'1000, 0x70'0000, 0xf0'0000};
  return std::make_unique<SimFrames>(0x100'0000, USABLE, BOOT);
}

void run_model_on_bytes(std::span<const std::uint8_t> bytes) {
  auto world = model_world();
  const allocator::AllocatorStats initial = allocator::allocator_stats();
  AllocatorModel model;
  for (std::size_t i = 0; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t arg = bytes[i + 1] | (std::uint32_t{bytes[i + 2]} << 8);
    std::string error = model.step(bytes[i], arg * 2654435761u >> 8);
    if (error.empty()) error = model.check();
    if (!error.empty()) {
      std::fprintf(stderr, "allocator model: step %zu (op %u): %s\n", i / 3,
                   static_cast<unsigned>(bytes[i] % AllocatorModel::NUM_OPS), error.c_str());
      std::abort();
    }
  }
  if (std::string error = model.release_all_and_compare(initial); !error.empty()) {
    std::fprintf(stderr, "allocator model: at the end: %s\n", error.c_str());
    std::abort();
  }
}

}  // namespace mm::allocator::testing
