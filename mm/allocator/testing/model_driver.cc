#include "mm/allocator/testing/model_driver.h"

#include <cstdio>
#include <cstdlib>
#include <string>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"

namespace mm::testing {
namespace {

std::string describe(const char* what, Paddr pa) {
  char buffer[160];
  std::snprintf(buffer, sizeof(buffer), "%s (frame %#llx)", what,
                static_cast<unsigned long long>(pa));
  return buffer;
}

template <typename T>
std::string to_text(const T& value) {
  fmt::FixedString<512> out;
  fmt::print(out, "{}", value);
  return std::string(out.view());
}

ModelMeta meta_for(Paddr pa) { return ModelMeta{pa}; }

#define TRY_STRING(expr)                                      \
  do {                                                        \
    if (std::string error_ = (expr); !error_.empty()) return error_; \
  } while (0)

}  // namespace

AllocatorModel::AllocatorModel() {
  const AllocatorStats stats = allocator_stats();
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
    if (!refs_.emplace(index, unique ? kUnique : 1).second)
      return describe("allocator handed out a frame that is still allocated", index * PAGE_SIZE);
  }
  return {};
}

std::string AllocatorModel::add_refs(Paddr pa, std::uint64_t nframes) {
  for (std::uint64_t i = 0; i < nframes; ++i) {
    auto it = refs_.find(pa / PAGE_SIZE + i);
    if (it == refs_.end() || it->second == kUnique)
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
    if (it->second == kUnique || --it->second == 0) refs_.erase(it);
  }
}

void AllocatorModel::drop_handle(std::size_t i) {
  Handle dying = std::move(handles_[i]);
  handles_[i] = std::move(handles_.back());
  handles_.pop_back();
  std::visit(
      [&](auto& h) {
        using H = std::decay_t<decltype(h)>;
        if constexpr (std::is_same_v<H, Segment<ModelMeta>>) forget(h.paddr(), h.nframes());
        else forget(h.paddr(), 1);
      },
      dying);
  // `dying` goes here: the handle's release must match what forget() recorded.
}

std::string AllocatorModel::step(std::uint8_t op, std::uint32_t arg) {
  const FrameAllocOptions options{.zeroed = (arg & 1) != 0};
  switch (op % kNumOps) {
    case 0: {  // one unique frame
      auto frame = alloc_frame(ModelMeta{0}, options);
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
      const bool block = op % kNumOps == 2;
      const std::uint64_t nframes = block ? order_frames(arg % 7) : 1 + (arg >> 1) % 24;
      const std::uint64_t align = block ? nframes : order_frames((arg >> 6) % 5);
      auto segment = block ? alloc_block<ModelMeta>(arg % 7, meta_for, options)
                           : alloc_segment<ModelMeta>(nframes, meta_for, align, options);
      if (!segment) {
        ++ooms_;
        const AllocError& e = segment.error();
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
      auto* unique = pick<UniqueFrame<ModelMeta>>(arg, &i);
      if (unique == nullptr) return {};
      Frame<ModelMeta> shared = std::move(*unique);
      refs_[shared.paddr() / PAGE_SIZE] = 1;
      handles_[i] = std::move(shared);
      return {};
    }
    case 6: {  // shared → unique: succeeds exactly when the model says count 1
      std::size_t i = 0;
      auto* shared = pick<Frame<ModelMeta>>(arg, &i);
      if (shared == nullptr) return {};
      const Paddr pa = shared->paddr();
      const bool should = refs_.at(pa / PAGE_SIZE) == 1;
      auto unique = UniqueFrame<ModelMeta>::try_from_shared(std::move(*shared));
      if (unique.has_value() != should) return describe("try_from_shared disagrees with the model", pa);
      if (unique) {
        refs_[pa / PAGE_SIZE] = kUnique;
        handles_[i] = std::move(*unique);
      } else {
        handles_[i] = std::move(unique.error());
      }
      return {};
    }
    case 7: {  // clone a shared frame
      auto* shared = pick<Frame<ModelMeta>>(arg);
      if (shared == nullptr) return {};
      Frame<ModelMeta> copy = *shared;
      TRY_STRING(add_refs(copy.paddr(), 1));
      handles_.emplace_back(std::move(copy));
      return {};
    }
    case 8: {  // split a segment
      std::size_t i = 0;
      auto* segment = pick<Segment<ModelMeta>>(arg, &i);
      if (segment == nullptr || segment->nframes() < 2) return {};
      const std::uint64_t at = 1 + (arg >> 4) % (segment->nframes() - 1);
      auto [left, right] = std::move(*segment).split(at * PAGE_SIZE);
      handles_[i] = std::move(left);
      handles_.emplace_back(std::move(right));
      return {};
    }
    case 9: {  // slice a segment; sometimes with a range that must be refused
      auto* segment = pick<Segment<ModelMeta>>(arg);
      if (segment == nullptr) return {};
      const std::uint64_t n = segment->nframes();
      if ((arg >> 12) % 4 == 0) {
        const ByteRange bad[] = {{PAGE_SIZE, PAGE_SIZE + ~std::uint64_t{0} - PAGE_SIZE + 1},
                                 {PAGE_SIZE, 0},
                                 {0, (n + 1) * PAGE_SIZE},
                                 {0, ~std::uint64_t{0} & ~(PAGE_SIZE - 1)},
                                 {1, PAGE_SIZE}};
        for (const ByteRange& r : bad) {
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
      auto* segment = pick<Segment<ModelMeta>>(arg);
      if (segment == nullptr || segment->nframes() == 0) return {};
      if ((arg >> 8) & 1) {
        Segment<ModelMeta> copy = segment->clone();
        TRY_STRING(add_refs(copy.paddr(), copy.nframes()));
        handles_.emplace_back(std::move(copy));
      } else {
        std::uint64_t k = 0;
        for (FrameRef<ModelMeta> ref : segment->frames()) {
          if (ref.meta().self != ref.paddr()) return describe("segment frame has wrong metadata", ref.paddr());
          ++k;
        }
        if (k != segment->nframes()) return describe("iteration count is wrong", segment->paddr());
        Frame<ModelMeta> one = segment->frame((arg >> 9) % k).clone();
        TRY_STRING(add_refs(one.paddr(), 1));
        handles_.emplace_back(std::move(one));
      }
      return {};
    }
    case 11: {  // from_in_use / from_unused on an arbitrary frame: must agree with the model
      const Paddr pa = static_cast<Paddr>(arg) * PAGE_SIZE % (g_max_paddr + 2 * PAGE_SIZE);
      auto it = refs_.find(pa / PAGE_SIZE);
      auto frame = Frame<ModelMeta>::from_in_use(pa);
      if (pa >= g_max_paddr) {
        if (frame || frame.error() != GetFrameError::OutOfBound) return describe("from_in_use past the end", pa);
        return {};
      }
      if (it != refs_.end()) {
        const bool unique = it->second == kUnique;
        if (unique ? (frame || frame.error() != GetFrameError::Unique) : !frame)
          return describe("from_in_use disagrees with the model", pa);
        auto claim = Frame<ModelMeta>::from_unused(pa, ModelMeta{pa});
        if (claim || claim.error() != (unique ? GetFrameError::Unique : GetFrameError::InUse))
          return describe("from_unused on an allocated frame did not fail right", pa);
        if (frame) {
          ++it->second;
          handles_.emplace_back(std::move(*frame));
        }
        return {};
      }
      // Not ours: free (the allocator's: head or tail of a free block, cached or listed)
      // or a boot/reserved frame (InUse as another type). Neither may be claimed.
      if (frame) return describe("from_in_use succeeded on a frame the model does not hold", pa);
      if (frame.error() != GetFrameError::Free && frame.error() != GetFrameError::InUse)
        return describe("from_in_use on a free/reserved frame: unexpected error", pa);
      auto claim = Frame<ModelMeta>::from_unused(pa, ModelMeta{pa});
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
      drain_cpu_cache();
      return {};
  }
  return {};
}

std::string AllocatorModel::check() const {
  for (const auto& [index, refs] : refs_) {
    const Paddr pa = index * PAGE_SIZE;
    const MetaSlot& slot = slot_of(pa);
    const std::uint64_t count = slot.ref_count.load();
    if (count != (refs == kUnique ? REF_COUNT_UNIQUE : refs)) return describe("reference count differs from the model", pa);
    if (slot.vtable != &frame_meta_vtable<ModelMeta>) return describe("metadata type lost", pa);
    if (reinterpret_cast<const ModelMeta*>(slot.storage)->self != pa) return describe("metadata mixed up", pa);
  }
  const AllocatorStats stats = allocator_stats();
  if (stats.total_free_frames + refs_.size() + boot_frames_in_usable() != stats.usable_frames)
    return "free + allocated + boot frames != usable frames:\n" + to_text(stats);
  if (auto ok = check_allocator_invariants(); !ok) return to_text(ok.error());
  return {};
}

std::string AllocatorModel::release_all_and_compare(const AllocatorStats& initial) {
  while (!handles_.empty()) drop_handle(handles_.size() - 1);
  drain_cpu_cache();
  if (!refs_.empty()) return "model still holds frames after dropping every handle";
  const AllocatorStats now = allocator_stats();
  if (!(now == initial)) return "allocator not back at its initial state:\nnow:\n" + to_text(now) +
                                "initial:\n" + to_text(initial);
  return check();
}

std::unique_ptr<SimFrames> model_world() {
  static constexpr PhysRange kUsable[] = {
      {0x10'0000 + 0x800, 0x60'0000},      // 1 MiB (start rounds up) .. 6 MiB
      {0x60'3000, 0xa0'0000},              // splits buddies at 6 MiB
      {0xa0'0000 + 0x10'0000, 0x100'0000 - PAGE_SIZE},
  };
  static constexpr Paddr kBoot[] = {0x20'0000, 0x20'1000, 0x70'0000, 0xf0'0000};
  return std::make_unique<SimFrames>(0x100'0000, kUsable, kBoot);
}

void run_model_on_bytes(std::span<const std::uint8_t> bytes) {
  auto world = model_world();
  const AllocatorStats initial = allocator_stats();
  AllocatorModel model;
  for (std::size_t i = 0; i + 3 <= bytes.size(); i += 3) {
    const std::uint32_t arg = bytes[i + 1] | (std::uint32_t{bytes[i + 2]} << 8);
    std::string error = model.step(bytes[i], arg * 2654435761u >> 8);
    if (error.empty()) error = model.check();
    if (!error.empty()) {
      std::fprintf(stderr, "allocator model: step %zu (op %u): %s\n", i / 3,
                   static_cast<unsigned>(bytes[i] % AllocatorModel::kNumOps), error.c_str());
      std::abort();
    }
  }
  if (std::string error = model.release_all_and_compare(initial); !error.empty()) {
    std::fprintf(stderr, "allocator model: at the end: %s\n", error.c_str());
    std::abort();
  }
}

}  // namespace mm::testing
