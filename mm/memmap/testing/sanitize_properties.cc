#include "mm/memmap/testing/sanitize_properties.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <set>
#include <sstream>

#include "mm/memmap/early_frame_allocator.h"
#include "mm/memmap/firmware_types.h"
#include "mm/memmap/memory_map.h"
#include "mm/memmap/reservation.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/meta_plan.h"

namespace mm::memmap::testing {
namespace {

constexpr std::size_t ENTRY_BYTES = 24;

template <typename T>
T load_le(const std::uint8_t* p) {
  T value{};
  std::memcpy(&value, p, sizeof(T));  // x86-64 hosts are little endian
  return value;
}

std::string hex(std::uint64_t v) {
  std::ostringstream out;
  out << "0x" << std::hex << v;
  return out.str();
}

bool runs_past_top(const memmap::FirmwareRegion& e) {
  return e.length_saturated ||
         static_cast<unsigned __int128>(e.base) + e.length > (static_cast<unsigned __int128>(1) << 64);
}

// The brute-force model of one address: the type of the most restrictive entry covering
// `pa` after clipping and page rounding, or nullopt.
std::optional<memmap::RegionType> reference_type(const FuzzInput& input, Paddr limit, Paddr pa) {
  if (pa >= limit) return std::nullopt;
  std::optional<memmap::RegionType> best;
  for (const memmap::FirmwareRegion& e : input.entries) {
    const memmap::RegionType type = memmap::classify_firmware_type(e.kind, e.type).type;
    // Past 2^64 the length is garbage: usable is dropped, other types reach the limit.
    // The saturation mark wins over whatever length came with it.
    if (runs_past_top(e) && type == memmap::RegionType::Usable) continue;
    if ((e.length == 0 && !runs_past_top(e)) || e.base >= limit) continue;
    const Paddr end = runs_past_top(e) ? limit
                                       : std::min<unsigned __int128>(
                                             static_cast<unsigned __int128>(e.base) + e.length, limit);
    const bool covers = type == memmap::RegionType::Usable
                            ? pa >= align_up(e.base, PAGE_SIZE) && pa < align_down(end, PAGE_SIZE)
                            : pa >= align_down(e.base, PAGE_SIZE) && pa < align_up(end, PAGE_SIZE);
    if (covers && (!best || memmap::is_more_restrictive(type, *best))) best = type;
  }
  return best;
}

std::optional<std::string> check_error(const FuzzInput& input, const memmap::MemoryMapError& error,
                                       Paddr limit, const std::set<Paddr>& samples) {
  const auto& entries = input.entries;
  switch (error.code) {
    case memmap::MemoryMapErrorCode::TooManyEntries:
      if (entries.size() <= memmap::MAX_FIRMWARE_REGIONS) return "TooManyEntries for a short map";
      return std::nullopt;
    case memmap::MemoryMapErrorCode::NoUsableMemory:
      for (Paddr pa : samples) {
        if (reference_type(input, limit, pa) == memmap::RegionType::Usable) {
          return "NoUsableMemory but " + hex(pa) + " is usable";
        }
      }
      return std::nullopt;
    case memmap::MemoryMapErrorCode::MapFull:
      return "MapFull cannot happen within MAX_FIRMWARE_REGIONS entries";
  }
  return "unknown error code";
}

// Every entry running past 2^64 is named by its own warning (while the list has room).
std::optional<std::string> check_past_top_warnings(const FuzzInput& input, const memmap::MapWarnings& warnings) {
  if (input.entries.size() > memmap::MAX_FIRMWARE_REGIONS || warnings.dropped() != 0) return std::nullopt;
  for (std::size_t i = 0; i < input.entries.size(); ++i) {
    const bool named = std::any_of(warnings.list().begin(), warnings.list().end(), [&](const memmap::MapWarning& w) {
      return w.kind == memmap::MapWarningKind::RunsPast2To64 && w.entry_index == i;
    });
    if (named != runs_past_top(input.entries[i])) {
      return "entry " + std::to_string(i) + (named ? " does not run past 2^64 but is warned about"
                                                   : " runs past 2^64 without a warning");
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_map_shape(const memmap::MemoryMap& map, Paddr limit) {
  const auto regions = map.regions();
  for (std::size_t i = 0; i < regions.size(); ++i) {
    const memmap::MemoryRegion& r = regions[i];
    if (r.range.empty()) return "empty region " + std::to_string(i);
    if (!is_page_aligned(r.range.start) || !is_page_aligned(r.range.end)) {
      return "region " + std::to_string(i) + " not page aligned";
    }
    if (r.range.end > limit) return "region " + std::to_string(i) + " above the limit";
    if (i > 0) {
      const memmap::MemoryRegion& prev = regions[i - 1];
      if (prev.range.end > r.range.start) return "regions " + std::to_string(i) + " unsorted/overlapping";
      if (prev.range.end == r.range.start && prev.type == r.type) {
        return "regions " + std::to_string(i) + " not merged";
      }
    }
  }
  if (map.usable_bytes() == 0) return "success without usable memory";
  return std::nullopt;
}

std::optional<std::string> check_plan(const memmap::MemoryMap& map) {
  const auto plan = meta::plan_meta_region(map);
  if (!plan) return "plan failed on a sanitized map";
  if (plan->slot_count * PAGE_SIZE != map.max_usable_end()) return "plan slot_count wrong";
  if (plan->backed_bytes + plan->saved_bytes != plan->region_bytes) return "plan bytes do not add up";
  for (const memmap::MemoryRegion& r : map.regions()) {
    if (r.type != memmap::RegionType::Usable) continue;
    if (!plan->slot_is_backed(r.range.start) || !plan->slot_is_backed(r.range.end - PAGE_SIZE)) {
      return "usable region at " + hex(r.range.start) + " has unbacked slots";
    }
  }
  return std::nullopt;
}

std::optional<std::string> check_early_allocator(const memmap::MemoryMap& map) {
  memmap::ReservationList reservations;
  if (!memmap::reserve_low_memory(reservations)) return "reserve_low_memory failed";
  const auto& first = map.regions()[0];
  (void)reservations.add(first.range.start + PAGE_SIZE, 3 * PAGE_SIZE, memmap::FrameUsage::Module);
  const memmap::ReservationList before = reservations;
  memmap::EarlyFrameAllocator early(map, reservations);
  const std::uint64_t sizes[] = {1, 3, 512, 1};
  std::vector<PhysRange> handed_out;
  for (std::uint64_t frames : sizes) {
    const std::uint64_t align = frames == 512 ? meta::META_CHUNK_SIZE : PAGE_SIZE;
    const auto pa = early.allocate(frames, memmap::FrameUsage::EarlyAlloc, align);
    if (!pa) continue;
    const PhysRange got{*pa, *pa + frames * PAGE_SIZE};
    if (*pa % align != 0) return "early allocation misaligned";
    if (before.overlaps(got)) return "early allocation overlaps a reservation";
    for (const PhysRange& other : handed_out) {
      if (other.start < got.end && got.start < other.end) return "early allocations overlap";
    }
    for (Paddr p = got.start; p < got.end; p += PAGE_SIZE) {
      if (map.type_at(p) != memmap::RegionType::Usable) return "early allocation not in usable RAM";
    }
    handed_out.push_back(got);
  }
  return std::nullopt;
}

}  // namespace

FuzzInput decode_fuzz_input(const std::uint8_t* data, std::size_t size) {
  FuzzInput input;
  if (size == 0) return input;
  input.phys_addr_bits = data[0] % 64;
  ++data;
  --size;
  for (std::size_t off = 0; off + ENTRY_BYTES <= size && input.entries.size() <= memmap::MAX_FIRMWARE_REGIONS;
       off += ENTRY_BYTES) {
    const std::uint32_t reserved = load_le<std::uint32_t>(data + off + 20);
    input.entries.push_back(memmap::FirmwareRegion{
        .base = load_le<std::uint64_t>(data + off),
        .length = load_le<std::uint64_t>(data + off + 8),
        .type = load_le<std::uint32_t>(data + off + 16),
        .kind = (reserved & 1) != 0 ? memmap::FirmwareMapKind::Efi : memmap::FirmwareMapKind::E820,
        .length_saturated = (reserved & 2) != 0,
    });
  }
  return input;
}

std::optional<std::string> sanitizer_property_violation(const FuzzInput& input) {
  const memmap::SanitizeOptions options{.phys_addr_bits = input.phys_addr_bits};
  const Paddr limit = memmap::physical_limit(options);
  auto map = std::make_unique<memmap::MemoryMap>();
  memmap::MapWarnings warnings;
  const auto result = memmap::sanitize_memory_map(input.entries, options, *map, warnings);

  std::set<Paddr> samples;
  auto add_sample = [&](Paddr p) {
    for (Paddr q : {p - 1, p, p + 1}) samples.insert(q);
  };
  for (const memmap::FirmwareRegion& e : input.entries) {
    if (runs_past_top(e)) {
      add_sample(e.base);
      add_sample(align_down(e.base, PAGE_SIZE));
      continue;
    }
    const Paddr end = e.base + e.length;
    for (Paddr p : {e.base, end, align_up(std::min(e.base, limit), PAGE_SIZE),
                    align_down(e.base, PAGE_SIZE), align_down(std::min(end, limit), PAGE_SIZE),
                    align_up(std::min(end, limit), PAGE_SIZE)}) {
      add_sample(p);
    }
  }
  if (auto named = check_past_top_warnings(input, warnings)) return named;
  if (!result) {
    if (!map->empty()) return "error but the map is not empty";
    return check_error(input, result.error(), limit, samples);
  }
  if (auto shape = check_map_shape(*map, limit)) return shape;
  for (const memmap::MemoryRegion& r : map->regions()) {
    add_sample(r.range.start);
    add_sample(r.range.end);
  }
  for (Paddr pa : samples) {
    const auto want = reference_type(input, limit, pa);
    const auto got = map->type_at(pa);
    if (want != got) {
      return "type at " + hex(pa) + " is " +
             (got ? std::string(memmap::region_type_name(*got)) : std::string("hole")) + ", expected " +
             (want ? std::string(memmap::region_type_name(*want)) : std::string("hole"));
    }
  }
  if (auto plan = check_plan(*map)) return plan;
  return check_early_allocator(*map);
}

int run_sanitizer_fuzz_input(const std::uint8_t* data, std::size_t size) {
  const FuzzInput input = decode_fuzz_input(data, size);
  if (const auto violation = sanitizer_property_violation(input)) {
    std::fprintf(stderr, "sanitizer property violated: %s\n", violation->c_str());
    std::abort();
  }
  return 0;
}

}  // namespace mm::memmap::testing
