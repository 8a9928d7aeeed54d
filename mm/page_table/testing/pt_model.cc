#include "mm/page_table/testing/pt_model.h"

#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/stats.h"
#include "mm/allocator/testing/sim_frames.h"
#include "mm/page_table/leaf_walk.h"
#include "mm/page_table/page_table.h"
#include "mm/page_table/testing/pt_invariants.h"
#include "mm/page_table/testing/soft_mmu.h"

namespace mm::page_table::testing {
namespace {

constexpr std::uint64_t KiB4 = 4096;
constexpr std::uint64_t MiB2 = 2ull << 20;
constexpr std::uint64_t GiB1 = 1ull << 30;
constexpr std::uint64_t WINDOW_GIBS = 8;
constexpr std::uint64_t SIM_PHYS = 64ull << 20;
constexpr std::uint64_t SIM_PHYS_1G = 2 * GiB1;  // [1 GiB, 2 GiB) is a free 1 GiB block

[[noreturn]] void die(std::uint64_t step, const std::string& what) {
  std::fprintf(stderr, "page-table model: step %" PRIu64 ": %s\n", step, what.c_str());
  std::abort();
}

std::string hex(std::uint64_t v) {
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%#" PRIx64, v);
  return buffer;
}

class ByteReader {
 public:
  explicit ByteReader(std::span<const std::uint8_t> bytes) : bytes_(bytes) {}
  bool empty() const { return pos_ >= bytes_.size(); }
  std::uint32_t u8() { return pos_ < bytes_.size() ? bytes_[pos_++] : 0; }
  std::uint32_t u16() { return u8() | (u8() << 8); }
  std::uint32_t below(std::uint32_t n) { return n <= 256 ? u8() % n : u16() % n; }

 private:
  std::span<const std::uint8_t> bytes_;
  std::size_t pos_ = 0;
};

// One mapped interval of the model.
struct Interval {
  std::uint64_t len;
  Paddr pa;
  PageProperty prop;
  std::optional<frame::UFrame> frame;  // tracked: the model's own handle; len is the frame's size
                                       // (one leaf, never split)

  bool tracked_huge() const { return frame.has_value() && len > KiB4; }
};

template <PageTableConfig C>
class Model {
 public:
  Model(const PtModelOptions& options, std::uint64_t& step)
      : options_(options), step_(step),
        window_(align_up(config_va_start<C> + 512 * GiB1, GiB1)) {}

  void run(ByteReader& in, PtModelReport& report) {
    auto table = PageTable<C>::create({.supports_1g_pages = options_.supports_1g_pages});
    if (!table) die(step_, "PageTable::create failed");
    pt_.emplace(std::move(*table));
    nodes_at_start_ = live_pt_nodes();
    free_at_start_ = allocator::allocator_stats().total_free_frames;
    while (!in.empty()) {
      ++step_;
      ++report.steps;
      step(in, report);
      if (options_.check_every_step) verify(report);
    }
    verify(report);
    teardown();
  }

 private:
  using Pte = typename C::Pte;

  // ---- choosing addresses ----
  Vaddr pick_va(ByteReader& in, std::uint64_t size) {
    Vaddr va = window_ + in.below(WINDOW_GIBS) * GiB1;
    if (size < GiB1) va += in.below(4) * MiB2;
    if (size < MiB2) va += in.below(512) * KiB4;
    return va;
  }
  std::uint64_t pick_len(ByteReader& in) {
    switch (in.below(4)) {
      case 0: return (1 + in.below(8)) * KiB4;
      case 1: return (1 + in.below(3)) * MiB2;
      case 2: return GiB1;
      default: return (1 + in.below(600)) * KiB4;
    }
  }
  // Where take_next / unmap / protect_next start: a quarter of them aligned like their
  // length (so whole huge frames, 1 GiB ones too, get taken and unmapped), the rest at any
  // page.
  Vaddr pick_op_va(ByteReader& in, std::uint64_t len) {
    const std::uint64_t align = in.below(4) != 0 ? KiB4 : len >= GiB1 ? GiB1 : len >= MiB2 ? MiB2 : KiB4;
    return pick_va(in, align);
  }
  std::uint64_t window_left(Vaddr va) const { return window_ + WINDOW_GIBS * GiB1 - va; }
  PageProperty pick_prop(ByteReader& in) {
    static constexpr PageFlags FLAGS[] = {PageFlags::R, PageFlags::RW, PageFlags::RX};
    static constexpr CachePolicy CACHE[] = {CachePolicy::Writeback, CachePolicy::Uncached,
                                             CachePolicy::WriteCombining, CachePolicy::WriteThrough};
    return {FLAGS[in.below(3)], CACHE[in.below(4)], false, in.below(2) == 1};
  }

  // A cursor either exactly over [va, va + len) or over the whole window, jumped to va.
  CursorMut<C> cursor_for(ByteReader& in, Vaddr va, std::uint64_t len) {
    const bool wide = in.below(4) == 0;
    auto cursor = wide ? pt_->cursor_mut(window_, WINDOW_GIBS * GiB1) : pt_->cursor_mut(va, len);
    if (!cursor) die(step_, std::string("cursor_mut refused: ") + error_name(cursor.error()));
    if (wide && !cursor->jump(va)) die(step_, "jump refused");
    return std::move(*cursor);
  }

  // A cursor over the whole window, jumped to va.
  CursorMut<C> cursor_for_wide(Vaddr va) {
    auto cursor = pt_->cursor_mut(window_, WINDOW_GIBS * GiB1);
    if (!cursor) die(step_, std::string("cursor_mut refused: ") + error_name(cursor.error()));
    if (!cursor->jump(va)) die(step_, "jump refused");
    return std::move(*cursor);
  }

  // ---- the model ----
  // The first interval overlapping [va, va + len), if any.
  std::map<Vaddr, Interval>::iterator first_overlap(Vaddr va, std::uint64_t len) {
    auto it = model_.upper_bound(va);
    if (it != model_.begin()) {
      auto prev = std::prev(it);
      if (prev->first + prev->second.len > va) return prev;
    }
    if (it != model_.end() && it->first < va + len) return it;
    return model_.end();
  }
  // Splits so that an interval boundary lies at `at` (if `at` falls inside one).
  void split_at(Vaddr at) {
    auto it = model_.upper_bound(at);
    if (it == model_.begin()) return;
    --it;
    Interval& iv = it->second;
    if (at <= it->first || at >= it->first + iv.len) return;
    if (iv.frame) die(step_, "model: splitting a tracked interval at " + hex(at) + " (the cursor should have refused)");
    const std::uint64_t head = at - it->first;
    Interval tail{iv.len - head, iv.pa + head, iv.prop, std::nullopt};
    iv.len = head;
    model_.emplace(at, std::move(tail));
  }
  std::uint64_t erase_range(Vaddr va, std::uint64_t len) {
    split_at(va);
    split_at(va + len);
    std::uint64_t bytes = 0;
    for (auto it = model_.lower_bound(va); it != model_.end() && it->first < va + len;) {
      bytes += it->second.len;
      it = model_.erase(it);
    }
    return bytes;
  }

  // ---- operations ----
  void step(ByteReader& in, PtModelReport& report) {
    switch (in.below(9)) {
      case 0:
      case 1: return op_map_phys(in, report);
      case 2: return op_map_frame(in, report);
      case 3: return op_take_next(in, report);
      case 4: return op_unmap(in, report);
      case 5: return op_protect_next(in, report);
      case 6: return op_query(in);
      case 7: return op_find_next(in);
      default: return op_map_frames_batch(in, report);
    }
  }

  void op_map_phys(ByteReader& in, PtModelReport& report) {
    const std::uint64_t len = pick_len(in);
    const std::uint64_t align = len >= GiB1 ? GiB1 : len >= MiB2 ? MiB2 : KiB4;
    const Vaddr va = pick_va(in, align);
    if (len > window_left(va)) return;
    // Half of the ranges are aligned like their size (huge pages), half only to 4 KiB.
    // Misaligned ranges are kept small: a 4 KiB-aligned gigabyte is 512 level-1 nodes, and
    // every step walks the whole table.
    Paddr pa = (static_cast<Paddr>(in.u16()) << 21) | (static_cast<Paddr>(in.u8()) << 30);
    if (in.below(2) == 0 && len <= 2 * MiB2) pa += in.below(512) * KiB4;
    const PageProperty prop = pick_prop(in);
    const bool overlaps = first_overlap(va, len) != model_.end();
    auto cursor = cursor_for(in, va, len);
    const auto result = cursor.map_phys({pa, pa + len}, prop);
    if (overlaps) {
      if (result || result.error() != PtError::AlreadyMapped) die(step_, "map_phys over a mapping not refused as AlreadyMapped at " + hex(va));
      ++report.refused_ops;
      return;
    }
    if (!result) die(step_, std::string("map_phys failed: ") + error_name(result.error()));
    model_.emplace(va, Interval{len, pa, prop, std::nullopt});
    ++report.ok_ops;
  }

  // One tracked frame: 4 KiB (5 in 8), 2 MiB (2 in 8) or 1 GiB; a huge one now and then at
  // an address aligned only to 4 KiB (NotAligned).
  void op_map_frame(ByteReader& in, PtModelReport& report) {
    const std::uint32_t kind = in.below(16);
    const PagingLevel level = kind < 10 ? 1 : kind < 14 ? 2 : 3;
    const std::uint64_t size = page_size_at(level);
    Vaddr va = pick_va(in, size);
    const bool misaligned = level > 1 && in.below(8) == 0;
    if (misaligned) va += (1 + in.below(511)) * KiB4;
    PageProperty prop = pick_prop(in);
    prop.cache = CachePolicy::Writeback;
    auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false, .level = level});
    if (!frame) return;  // the simulated RAM is full (or has no 1 GiB block): fine
    frame::UFrame shared = std::move(*frame).into_shared();
    if (shared.size() != size) die(step_, "alloc_frame returned a frame of the wrong size");
    // What map must say, in the order it checks: alignment, level, room, existing mappings.
    std::optional<PtError> expected;
    const bool fits = size <= window_left(va);
    if (misaligned) expected = PtError::NotAligned;
    else if (level == 3 && !options_.supports_1g_pages) expected = PtError::LevelUnsupported;
    else if (!fits) expected = PtError::OutOfRange;
    else if (first_overlap(va, size) != model_.end()) expected = PtError::AlreadyMapped;
    auto cursor = fits ? cursor_for(in, va, size) : cursor_for_wide(va);
    const auto result = cursor.map(shared, prop);
    if (expected) {
      if (result || result.error() != *expected) {
        die(step_, std::string("map of a ") + hex(size) + " frame at " + hex(va) + " not refused as " +
                       error_name(*expected) + ": " + (result ? "mapped" : error_name(result.error())));
      }
      if (shared.reference_count() != 1) die(step_, "a refused map changed the frame's count");
      ++report.refused_ops;
      return;
    }
    if (!result) die(step_, std::string("map failed: ") + error_name(result.error()) + " at " + hex(va));
    if (cursor.va() != va + size && !cursor.done()) die(step_, "map did not move the cursor past the frame");
    if (shared.reference_count() != 2) die(step_, "mapping did not add exactly one reference");
    model_.emplace(va, Interval{size, shared.paddr(), prop, std::move(shared)});
    if (level > 1) ++report.tracked_huge_maps;
    if (level == 3) ++report.tracked_1g_maps;
    ++report.ok_ops;
  }

  // Several consecutive frames through one cursor (the batched tracked path).
  void op_map_frames_batch(ByteReader& in, PtModelReport& report) {
    const std::uint64_t count = 1 + in.below(16);
    const Vaddr va = pick_va(in, KiB4);
    if (count * KiB4 > window_left(va) || first_overlap(va, count * KiB4) != model_.end()) return;
    auto cursor = cursor_for(in, va, count * KiB4);
    for (std::uint64_t i = 0; i < count; ++i) {
      auto frame = allocator::alloc_frame(frame::UntypedMeta{}, {.zeroed = false});
      if (!frame) return;
      frame::UFrame shared = std::move(*frame).into_shared();
      const PageProperty prop{PageFlags::RW, CachePolicy::Writeback, false, true};
      if (auto r = cursor.map(shared, prop); !r) die(step_, std::string("batch map failed: ") + error_name(r.error()));
      model_.emplace(va + i * KiB4, Interval{KiB4, shared.paddr(), prop, std::move(shared)});
    }
    ++report.ok_ops;
  }

  // The first mapped byte of the model in [va, va + len), with its interval.
  std::optional<std::pair<Vaddr, std::map<Vaddr, Interval>::iterator>> model_next(Vaddr va, std::uint64_t len) {
    auto it = first_overlap(va, len);
    if (it == model_.end()) return std::nullopt;
    return std::make_pair(std::max(va, it->first), it);
  }

  // Checks a leaf the table reported for [va, va + len) against the model.
  void check_reported(const PtMapping& m, Vaddr va, std::uint64_t len, const char* op) {
    const auto next = model_next(va, len);
    if (!next) die(step_, std::string(op) + " found a mapping the model lacks at " + hex(m.va));
    const auto& [first, it] = *next;
    const Interval& iv = it->second;
    if (m.va != first) die(step_, std::string(op) + " returned " + hex(m.va) + ", model's first mapped byte is " + hex(first));
    if (m.va + m.size > it->first + iv.len || m.va + (m.size - 1) > va + (len - 1)) die(step_, std::string(op) + " returned a slot larger than the range or the mapping");
    if (m.pa != iv.pa + (m.va - it->first)) die(step_, std::string(op) + " physical address mismatch at " + hex(m.va));
    if (m.prop != iv.prop) die(step_, std::string(op) + " property mismatch at " + hex(m.va));
    if ((m.kind == MappingKind::Tracked) != iv.frame.has_value()) die(step_, std::string(op) + " kind mismatch");
  }

  // The first interval overlapping [va, va + len) if it is a tracked huge frame the range
  // does not hold whole: take_next / protect_next must refuse it.
  bool cuts_first_tracked_huge(Vaddr va, std::uint64_t len) {
    const auto it = first_overlap(va, len);
    return it != model_.end() && cuts(it, va, len);
  }
  bool cuts(std::map<Vaddr, Interval>::iterator it, Vaddr va, std::uint64_t len) const {
    return it->second.tracked_huge() &&
           (it->first < va || it->first + (it->second.len - 1) > va + (len - 1));
  }
  void expect_split_refusal(const std::expected<void, PtError>& result, const char* op, Vaddr va,
                            PtModelReport& report) {
    if (result || result.error() != PtError::SplitsTrackedHuge) {
      die(step_, std::string(op) + " cutting a tracked huge frame at " + hex(va) + " not refused: " +
                     (result ? "done" : error_name(result.error())));
    }
    ++report.split_refusals;
    ++report.refused_ops;
  }
  template <typename T>
  [[nodiscard]] static std::expected<void, PtError> status(const std::expected<T, PtError>& r) {
    if (r) return {};
    return std::unexpected(r.error());
  }

  void op_take_next(ByteReader& in, PtModelReport& report) {
    const std::uint64_t len = pick_len(in);
    const Vaddr va = pick_op_va(in, len);
    if (len > window_left(va)) return;
    auto cursor = cursor_for(in, va, len);
    auto taken = cursor.take_next(len);
    if (cuts_first_tracked_huge(va, len)) return expect_split_refusal(status(taken), "take_next", va, report);
    if (!taken) die(step_, std::string("take_next failed: ") + error_name(taken.error()));
    if (!*taken) {
      if (first_overlap(va, len) != model_.end()) die(step_, "take_next found nothing where the model has a mapping at " + hex(va));
      return;
    }
    const TakenItem& item = **taken;
    check_reported(item.mapping, va, len, "take_next");
    if (item.frame.has_value() != (item.mapping.kind == MappingKind::Tracked)) die(step_, "take_next frame/kind mismatch");
    if (item.frame) {
      if (item.frame->paddr() != item.mapping.pa) die(step_, "take_next handed back the wrong frame");
      if (item.frame->size() != item.mapping.size) die(step_, "take_next handed back a frame of another size than its leaf");
      if (item.frame->reference_count() != 2) die(step_, "take_next's frame count != model handle + item");
      const auto it = model_.find(item.mapping.va);
      if (it == model_.end() || it->second.len != item.mapping.size) die(step_, "take_next took part of a tracked frame");
      if (item.mapping.size > KiB4) ++report.tracked_huge_removed;
    }
    erase_range(item.mapping.va, item.mapping.size);
    ++report.ok_ops;
  }

  void op_unmap(ByteReader& in, PtModelReport& report) {
    const std::uint64_t len = pick_len(in);
    const Vaddr va = pick_op_va(in, len);
    if (len > window_left(va)) return;
    auto cursor = cursor_for(in, va, len);
    const auto bytes = cursor.unmap(len);
    // unmap refuses a range that cuts a tracked huge frame before it unmaps anything
    // (pt_error.h).
    std::uint64_t huge_inside = 0;
    for (auto it = first_overlap(va, len); it != model_.end() && it->first < va + len; ++it) {
      if (cuts(it, va, len)) return expect_split_refusal(status(bytes), "unmap", va, report);
      if (it->second.tracked_huge()) ++huge_inside;
    }
    if (!bytes) die(step_, std::string("unmap failed: ") + error_name(bytes.error()));
    report.tracked_huge_removed += huge_inside;
    const std::uint64_t expected = erase_range(va, len);
    if (*bytes != expected) die(step_, "unmap removed " + hex(*bytes) + " bytes, model " + hex(expected));
    ++report.ok_ops;
  }

  void op_protect_next(ByteReader& in, PtModelReport& report) {
    const std::uint64_t len = pick_len(in);
    const Vaddr va = pick_op_va(in, len);
    if (len > window_left(va)) return;
    const PageFlags flags = in.below(2) == 0 ? PageFlags::R : PageFlags::RX;
    auto cursor = cursor_for(in, va, len);
    const auto before = model_next(va, len);
    auto done = cursor.protect_next(len, [&](PageProperty& prop) { prop.flags = flags; });
    if (cuts_first_tracked_huge(va, len)) return expect_split_refusal(status(done), "protect_next", va, report);
    if (!done) die(step_, std::string("protect_next failed: ") + error_name(done.error()));
    if (!*done) {
      if (before) die(step_, "protect_next found nothing where the model has a mapping");
      return;
    }
    if (!before) die(step_, "protect_next protected something the model lacks");
    const VaRange range = **done;
    if (range.va != before->first) die(step_, "protect_next range start mismatch");
    const auto& iv = before->second->second;
    if (range.va + range.size > before->second->first + iv.len || range.va + (range.size - 1) > va + (len - 1)) die(step_, "protect_next range too large");
    split_at(range.va);
    split_at(range.va + range.size);
    model_.find(range.va)->second.prop.flags = flags;
    cursor.flush();
    ++report.ok_ops;
  }

  void op_query(ByteReader& in) {
    const Vaddr va = pick_va(in, KiB4);
    const bool wide = in.below(2) == 0;
    auto cursor = wide ? pt_->cursor(window_, WINDOW_GIBS * GiB1) : pt_->cursor(va, KiB4);
    if (!cursor) die(step_, "cursor refused");
    if (!cursor->jump(va)) die(step_, "jump refused");
    const PtMapping m = cursor->query();
    if (m.va > va || va - m.va >= m.size) die(step_, "query slot does not contain the address");
    auto it = first_overlap(va, KiB4);
    if (!m.mapped()) {
      if (it != model_.end()) die(step_, "query says unmapped, model has " + hex(it->first));
      if (first_overlap(m.va, m.size) != model_.end()) die(step_, "query's absent slot overlaps a mapping");
      return;
    }
    if (it == model_.end()) die(step_, "query found a mapping the model lacks at " + hex(va));
    if (m.va < it->first || m.va + m.size > it->first + it->second.len) die(step_, "query leaf exceeds the model's interval");
    if (m.pa != it->second.pa + (m.va - it->first) || m.prop != it->second.prop) die(step_, "query mismatch at " + hex(va));
    if ((m.kind == MappingKind::Tracked) != it->second.frame.has_value()) die(step_, "query kind mismatch at " + hex(va));
    if (it->second.frame && (m.va != it->first || m.size != it->second.len)) die(step_, "query: a tracked frame's leaf is not the whole frame at " + hex(va));
  }

  void op_find_next(ByteReader& in) {
    const std::uint64_t len = pick_len(in);
    const Vaddr va = pick_va(in, KiB4);
    if (len > window_left(va)) return;
    auto cursor = pt_->cursor(va, len);
    if (!cursor) die(step_, "cursor refused");
    const auto found = cursor->find_next(len);
    if (!found) die(step_, "find_next failed");
    const auto next = model_next(va, len);
    if (next.has_value() != found->has_value()) die(step_, "find_next disagrees with the model at " + hex(va));
    if (next && **found != next->first) die(step_, "find_next returned " + hex(**found) + ", model " + hex(next->first));
    if (!next && !cursor->done() && cursor->va() != va + len) die(step_, "find_next did not move to the range's end");
  }

  // ---- verification ----
  void verify(PtModelReport& report) {
    PtShape shape;
    const std::string error = check_pt_invariants(*pt_, &shape);
    if (!error.empty()) die(step_, "invariant: " + error);
    if (live_pt_nodes() - nodes_at_start_ + 1 != shape.nodes) die(step_, "live node count != nodes in the tree");
    std::uint64_t model_bytes = 0;
    for (const auto& [va, iv] : model_) {
      model_bytes += iv.len;
      if (iv.frame && iv.frame->reference_count() != 2) die(step_, "tracked frame's count != handle + mapping");
    }
    if (shape.mapped_bytes != model_bytes) die(step_, "table maps " + hex(shape.mapped_bytes) + " bytes, model " + hex(model_bytes));
    // Leaves and model intervals both come in address order: merge them.
    auto it = model_.begin();
    for_each_leaf<C>(pt_->root_paddr(), [&](Vaddr va, PagingLevel level, typename Pte::Raw e) {
      if (level > 1) ++report.huge_leaves_seen;
      while (it != model_.end() && it->first + it->second.len <= va) ++it;
      if (it == model_.end() || it->first > va) die(step_, "leaf outside the model at " + hex(va));
      const std::uint64_t size = page_size_at(level);
      if (va + size > it->first + it->second.len) die(step_, "leaf beyond the model's interval at " + hex(va));
      if (Pte::leaf_paddr(e, level) != it->second.pa + (va - it->first)) die(step_, "leaf address mismatch at " + hex(va));
      if (Pte::leaf_property(e, level) != it->second.prop) die(step_, "leaf property mismatch at " + hex(va));
      if (Pte::is_tracked(e) != it->second.frame.has_value()) die(step_, "leaf kind mismatch at " + hex(va));
      if (it->second.frame && (va != it->first || size != it->second.len)) die(step_, "tracked frame not mapped by exactly one leaf of its size at " + hex(va));
      return true;
    });
    // The software MMU at a few addresses: translation and permissions as the model says.
    // (Probe addresses come from the step number, not the input: verification must not
    // change which operations the input decodes to.)
    std::uint64_t seed = step_ * 0x9e37'79b9'7f4a'7c15ull;
    for (int probe = 0; probe < 4; ++probe) {
      seed = seed * 6364136223846793005ull + 1442695040888963407ull;
      const Vaddr va = window_ + (seed >> 20) % (WINDOW_GIBS * GiB1);
      const auto t = soft_translate(pt_->root_paddr(), C::NR_LEVELS, va);
      auto it = first_overlap(align_down(va, KiB4), KiB4);
      if (it == model_.end()) {
        if (t) die(step_, "MMU translates an address the model leaves unmapped: " + hex(va));
        continue;
      }
      if (!t) die(step_, "MMU faults on a mapped address: " + hex(va));
      if (t->pa != it->second.pa + (va - it->first)) die(step_, "MMU translation mismatch at " + hex(va));
      if (t->writable != it->second.prop.writable() || t->executable != it->second.prop.executable()) die(step_, "MMU permission mismatch at " + hex(va));
      if (t->tracked != it->second.frame.has_value()) die(step_, "MMU tracked bit mismatch at " + hex(va));
    }
    report.max_nodes = std::max(report.max_nodes, shape.nodes);
    report.max_mapped_bytes = std::max(report.max_mapped_bytes, shape.mapped_bytes);
  }

  void teardown() {
    {
      auto cursor = pt_->cursor_mut(window_, WINDOW_GIBS * GiB1);
      if (!cursor) die(step_, "cursor refused");
      if (auto r = cursor->unmap(WINDOW_GIBS * GiB1); !r) die(step_, "final unmap failed");
    }
    model_.clear();  // drops the model's handles: frames go back
    PtShape shape;
    if (const std::string error = check_pt_invariants(*pt_, &shape); !error.empty()) die(step_, "invariant at end: " + error);
    if (shape.nodes != 1 || shape.leaves != 0) die(step_, "nodes or leaves left after unmapping everything");
    if (live_pt_nodes() != nodes_at_start_) die(step_, "page-table node count not back to its start");
    allocator::drain_cpu_cache();
    pt_.reset();
    allocator::drain_cpu_cache();
    if (allocator::allocator_stats().total_free_frames != free_at_start_ + 1) {
      die(step_, "allocator free frames not back to their start (+ the root)");
    }
  }

  PtModelOptions options_;
  std::uint64_t& step_;
  Vaddr window_;
  std::optional<PageTable<C>> pt_;
  std::map<Vaddr, Interval> model_;
  std::uint64_t nodes_at_start_ = 0;
  std::uint64_t free_at_start_ = 0;
};

}  // namespace

PtModelReport run_pt_model_on_bytes(std::span<const std::uint8_t> bytes, const PtModelOptions& options) {
  const std::uint64_t phys = options.frames_1g ? SIM_PHYS_1G : SIM_PHYS;
  const PhysRange usable[] = {{1ull << 20, phys}};
  mm::allocator::testing::SimFrames world(phys, usable);
  ByteReader in(bytes);
  PtModelReport report;
  std::uint64_t step = 0;
  if (options.levels == 5) {
    Model<KernelPtConfig<5>>(options, step).run(in, report);
  } else {
    Model<KernelPtConfig<4>>(options, step).run(in, report);
  }
  return report;
}

}  // namespace mm::page_table::testing
