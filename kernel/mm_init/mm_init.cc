#include "kernel/mm_init/mm_init.h"

#include <algorithm>
#include <array>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/apic/local_apic.h"
#include "arch/x86_64/early_paging.h"
#include "arch/x86_64/gdt.h"
#include "arch/x86_64/paging/paging_options.h"
#include "arch/x86_64/paging/pat.h"
#include "arch/x86_64/tsc.h"
#include "kernel/boot_phases.h"
#include "kernel/console.h"
#include "kernel/panic/panic.h"
#include "mm/allocator/frame_allocator.h"
#include "mm/allocator/invariants.h"
#include "mm/allocator/stats.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/layout.h"
#include "mm/memmap/early_frame_allocator.h"
#include "mm/memmap/reservation.h"
#include "mm/memmap/sanitize.h"
#include "mm/meta/deferred_init.h"
#include "mm/meta/memory_report.h"
#include "mm/meta/meta_backing.h"
#include "mm/meta/meta_invariants.h"
#include "mm/meta/meta_plan.h"
#include "mm/meta/meta_region.h"
#include "mm/meta/meta_units.h"

extern "C" char __kernel_phys_start[];
extern "C" char __kernel_phys_end[];
extern "C" char __text_start[], __text_end[], __rodata_start[], __rodata_end[];
extern "C" char __data_start[], __data_end[], __ksyms_start[], __ksyms_end[];
extern "C" char __bss_start[], __bss_end[];
extern "C" char boot_stack_guard[];

namespace kernel::mm_init {
namespace {

constexpr std::uint64_t GIB = 1ull << 30;
static_assert(mm::allocator::MAX_USABLE_RANGES >= mm::memmap::MAX_MAP_REGIONS,
              "every usable range of a sanitized map must fit the allocator's table");
constexpr std::uint64_t EARLY_LINEAR_LIMIT = mm::layout::BOOT_LINEAR_MAP_LIMIT;
// What the boot CPU writes before `ready`: enough for page tables, AP stacks and the
// tests' first needs; the rest of the metadata is written by every CPU after that
// (mm/meta/deferred_init.h), so the time to `ready` does not grow with RAM.
constexpr std::uint64_t EAGER_USABLE_BYTES = GIB;

constinit mm::memmap::MemoryMap g_sanitized;
constinit mm::memmap::MapWarnings g_warnings;
constinit mm::memmap::ReservationList g_reservations;
constinit MemoryInitReport g_report;
// Units init_meta_region left for deferred init (written once, before other CPUs start).
constinit std::uint64_t g_deferred_units = 0;
// The metadata backing's physically contiguous pieces (see mm/meta/meta_backing.h): at
// least 1 TiB of metadata (64 TiB of RAM) even where no two 1 GiB pieces are adjacent.
constexpr std::size_t MAX_META_PIECES = 1024;
constinit std::array<mm::meta::MetaBackingPiece, MAX_META_PIECES> g_backing{};
constinit std::array<mm::kspace::MetaPiece, MAX_META_PIECES> g_meta_pieces{};
constinit std::size_t g_meta_piece_count = 0;

template <typename T, typename E>
T expect_ok(std::expected<T, E>&& result, const char* what) {
  if (!result) ::panic("mm init: {} failed: {}", what, result.error());
  if constexpr (!std::is_void_v<T>) return *std::move(result);
}

template <typename E>
void expect_ok(std::expected<void, E>&& result, const char* what) {
  if (!result) ::panic("mm init: {} failed: {}", what, result.error());
}

void reserve(std::uint64_t start, std::uint64_t size, mm::memmap::FrameUsage usage, const char* what) {
  if (size == 0) return;
  if (auto r = g_reservations.add(start, size, usage); !r) {
    ::panic("mm init: reserving {} [{:#x}, +{:#x}) failed: {}", what, start, size,
          error_name(r.error()));
  }
}

void reserve_boot_occupants(const boot::BootInfo& info) {
  if (auto r = mm::memmap::reserve_low_memory(g_reservations); !r) {
    ::panic("mm init: reserving low memory failed: {}", error_name(r.error()));
  }
  const auto kernel_start = reinterpret_cast<std::uint64_t>(__kernel_phys_start);
  const auto kernel_end = reinterpret_cast<std::uint64_t>(__kernel_phys_end);
  reserve(kernel_start, kernel_end - kernel_start, mm::memmap::FrameUsage::KernelImage, "the kernel image");
  reserve(info.info_paddr, info.info_size, mm::memmap::FrameUsage::BootInfo, "the boot information");
  for (std::size_t i = 0; i < info.module_count; ++i) {
    const auto& module = info.modules[i];
    reserve(module.start, module.end - module.start, mm::memmap::FrameUsage::Module, "a module");
  }
  if (info.framebuffer.present()) {
    reserve(info.framebuffer.paddr,
            std::uint64_t{info.framebuffer.pitch} * info.framebuffer.height,
            mm::memmap::FrameUsage::Framebuffer, "the framebuffer");
  }
}

// Early frames come from RAM above 4 GiB first (once the linear map reaches it), then
// from below 4 GiB; page-table frames must lie below `reach`, the linear map's end.
struct EarlyContext {
  mm::meta::EarlyFrameSources sources;
  std::uint64_t reach = EARLY_LINEAR_LIMIT;
};

std::uint64_t early_table_frame(void* context) {
  auto& early = *static_cast<EarlyContext*>(context);
  auto frame = early.sources.allocate(1, mm::memmap::FrameUsage::EarlyPageTable);
  return frame ? *frame : 0;
}

void early_map_or_panic(std::uint64_t va, std::uint64_t pa, std::uint64_t size, bool use_1g,
                        EarlyContext& early, const char* what) {
  const auto result =
      arch::early_map(va, pa, size, use_1g, early.reach, &early_table_frame, &early);
  if (!result.ok) {
    ::panic("mm init: mapping {} at {:#x} failed: {}", what, result.va,
          error_name(result.error));
  }
}

// The boot tables map RAM only up to 4 GiB; map the rest before anything touches it.
// Returns the end of the linear map's reach afterwards.
std::uint64_t extend_linear_map(const mm::memmap::MemoryMap& map, EarlyContext& early, bool use_1g) {
  const std::uint64_t end = mm::align_up(map.max_usable_end(), 2ull << 20);
  if (end <= EARLY_LINEAR_LIMIT) return EARLY_LINEAR_LIMIT;
  early_map_or_panic(mm::layout::LINEAR_MAP_BASE + EARLY_LINEAR_LIMIT, EARLY_LINEAR_LIMIT,
                     end - EARLY_LINEAR_LIMIT, use_1g, early, "the linear map above 4 GiB");
  return end;
}

// Backs the planned stretches of the metadata region with RAM from anywhere and maps them.
void back_meta_region(const mm::meta::MetaPlan& plan, const mm::memmap::MemoryMap& map, EarlyContext& early) {
  const auto pieces = mm::meta::choose_meta_backing(plan, early.sources, g_backing);
  if (!pieces) {
    const auto& f = pieces.error();
    if (f.kind == mm::meta::MetaBackingFailure::Kind::TooManyPieces) {
      ::panic("mm init: the frame metadata ({} for {} frames) needs more than {} physically "
            "contiguous pieces ({} placed): free RAM is too fragmented",
            keel::fmt::HumanBytes{f.needed_bytes}, plan.slot_count, f.pieces,
            keel::fmt::HumanBytes{f.backed_bytes});
    }
    ::panic("mm init: not enough RAM for the frame metadata: it needs {} for {} frames, {} of "
          "{} usable RAM placed before no free 2 MiB-aligned 2 MiB was left ({})",
          keel::fmt::HumanBytes{f.needed_bytes}, plan.slot_count, keel::fmt::HumanBytes{f.backed_bytes},
          keel::fmt::HumanBytes{map.usable_bytes()}, error_name(f.error));
  }
  for (std::size_t i = 0; i < *pieces; ++i) {
    const auto& piece = g_backing[i];
    early_map_or_panic(mm::layout::FRAME_METADATA_BASE + piece.offset, piece.backing.start,
                       piece.backing.size(), /*use_1g_pages=*/false, early, "the frame metadata");
    g_meta_pieces[i] = {piece.offset, piece.backing};
  }
  g_meta_piece_count = *pieces;
}

mm::Vaddr va_of(const char* symbol) { return reinterpret_cast<mm::Vaddr>(symbol); }

// ACPI registers in memory space (hardware-reduced machines such as microvm) are reached
// through the linear map after boot; they are device memory, so map them uncached.
std::size_t add_acpi_register_pages(std::span<mm::kspace::ExtraPhysRange> out) {
  const auto* tables = arch::acpi::tables();
  if (tables == nullptr || !tables->fadt) return 0;
  const auto& fadt = *tables->fadt;
  std::size_t count = 0;
  for (const auto* reg : {&fadt.pm1a_control, &fadt.pm1b_control, &fadt.sleep_control,
                          &fadt.reset_register}) {
    if (!reg->present() || reg->space() != arch::acpi::AddressSpace::SystemMemory) continue;
    if (count == out.size()) break;
    const mm::Paddr page = mm::align_down(reg->address, mm::PAGE_SIZE);
    out[count++] = {{page, page + mm::PAGE_SIZE}, mm::page_table::CachePolicy::Uncached, true};
  }
  return count;
}

// Replaces the boot page tables with the kernel's own, built from frames it owns: the
// linear map of RAM, the metadata region, and the kernel image with W^X permissions.
// Every range of the sanitized map can be RAM: kept here, not on the boot stack.
constinit std::array<mm::PhysRange, mm::memmap::MAX_MAP_REGIONS> g_ram_ranges{};

void init_kernel_address_space(const boot::BootInfo& info, bool allow_1g_pages) {
  auto& ram = g_ram_ranges;
  std::size_t ram_count = 0;
  for (const auto& region : g_sanitized.regions()) {
    // RAM of every kind (usable, ACPI, NVS, persistent) is cacheable memory; firmware
    // holes and "reserved" ranges are not mapped unless asked for below.
    if (region.type == mm::memmap::RegionType::Reserved || region.type == mm::memmap::RegionType::Unusable) {
      continue;
    }
    if (ram_count == ram.size()) ::panic("mm init: more than {} RAM ranges", ram.size());
    ram[ram_count++] = region.range;
  }
  std::array<mm::kspace::ExtraPhysRange, 8> extra{};
  std::size_t extra_count = 0;
  if (info.framebuffer.present()) {
    const mm::Paddr start = mm::align_down(info.framebuffer.paddr, mm::PAGE_SIZE);
    const mm::Paddr end = mm::align_up(
        info.framebuffer.paddr + std::uint64_t{info.framebuffer.pitch} * info.framebuffer.height,
        mm::PAGE_SIZE);
    extra[extra_count++] = {{start, end}, mm::page_table::CachePolicy::WriteCombining, true};
  }
  // The BIOS area keeps the RSDP on legacy machines (read-only firmware data).
  extra[extra_count++] = {{0xe0000, 0x100000}, mm::page_table::CachePolicy::Writeback, false};
  extra_count += add_acpi_register_pages({extra.data() + extra_count, extra.size() - extra_count});
  // The xAPIC registers (device memory) for arch/x86_64/apic, also when x2APIC is used:
  // one page, and the mode is only chosen later.
  if (const mm::Paddr lapic = arch::apic::xapic_mmio_paddr(); lapic != 0) {
    extra[extra_count++] = {{lapic, lapic + mm::PAGE_SIZE}, mm::page_table::CachePolicy::Uncached, true};
  }

  std::array<mm::Vaddr, 4> guards = {va_of(boot_stack_guard), arch::ist_guard_page(1).lo,
                                     arch::ist_guard_page(2).lo, arch::ist_guard_page(3).lo};
  mm::kspace::KernelSpaceSpec spec{
      .ram = {ram.data(), ram_count},
      .extra = {extra.data(), extra_count},
      .meta = {g_meta_pieces.data(), g_meta_piece_count},
      .image =
          {
              .text_start = va_of(__text_start),
              .text_end = va_of(__text_end),
              .rodata_start = va_of(__rodata_start),
              .rodata_end = va_of(__rodata_end),
              .data_start = va_of(__data_start),
              .data_end = va_of(__data_end),
              .ksyms_start = va_of(__ksyms_start),
              .ksyms_end = va_of(__ksyms_end),
              .bss_start = va_of(__bss_start),
              .bss_end = va_of(__bss_end),
              .vma_offset = mm::layout::KERNEL_IMAGE_BASE,
          },
      .guard_pages = guards,
  };
  arch::paging::program_pat();
  const std::uint64_t start = arch::rdtsc();
  const mm::PagingLevel levels = arch::paging::active_paging_levels();  // boot/entry.S chose
  const auto stats = expect_ok(
      mm::kspace::init_kernel_space(spec, arch::paging::paging_options(allow_1g_pages), levels),
      "building the kernel address space");
  g_report.kspace_cycles = arch::rdtsc() - start;
  boot_phases().mark(BootPhase::PageTables);
  keel::fmt::print(kernel::console_sink(), "mm: kernel page table active, {}-level ({} cycles): {}\n",
             levels, g_report.kspace_cycles, stats);
}

std::uint64_t cycles_to_us(std::uint64_t cycles, std::uint64_t hz) {
  return hz == 0 ? 0 : cycles * 1000 / (hz / 1000);
}

}  // namespace

const MemoryInitReport& init_memory(const boot::BootInfo& info, bool check_invariants,
                                    bool allow_1g_pages) {
  auto& out = kernel::console_sink();
  const auto& cpu = arch::detect_cpu_features();

  expect_ok(mm::memmap::sanitize_memory_map(info.regions(), {cpu.phys_addr_bits}, g_sanitized, g_warnings),
            "sanitizing the firmware memory map");
  g_warnings.print(out, "memmap: warning: ");
  boot_phases().mark(BootPhase::MemoryMap);

  reserve_boot_occupants(info);
  const mm::meta::MetaPlan plan = expect_ok(mm::meta::plan_meta_region(g_sanitized), "planning the metadata");

  // Early allocations (metadata backing, their page tables) must all happen before the
  // slots are initialized: init_meta_region marks exactly what was reserved by then.
  mm::memmap::EarlyFrameAllocator low(g_sanitized, g_reservations, {mm::memmap::LOW_MEMORY_END, EARLY_LINEAR_LIMIT});
  EarlyContext early{.sources = {.low = &low}};
  const std::uint64_t reach = extend_linear_map(g_sanitized, early, cpu.pages_1g);
  mm::memmap::EarlyFrameAllocator high(g_sanitized, g_reservations, {EARLY_LINEAR_LIMIT, reach});
  if (reach > EARLY_LINEAR_LIMIT) early = {.sources = {.high = &high, .low = &low}, .reach = reach};
  back_meta_region(plan, g_sanitized, early);

  const std::uint64_t meta_start = arch::rdtsc();
  const auto stats = expect_ok(mm::meta::init_meta_region(g_sanitized, plan, mm::layout::FRAME_METADATA_BASE,
                                                    g_reservations.list(),
                                                    {.eager_usable_bytes = EAGER_USABLE_BYTES}),
                               "initializing the frame metadata");
  g_report.meta_init_cycles = arch::rdtsc() - meta_start;
  g_report.meta_slots = stats.slots_initialized;
  g_report.usable_bytes = g_sanitized.usable_bytes();
  boot_phases().mark(BootPhase::MetaRegion);

  mm::meta::print_memory_map(out, g_sanitized);
  mm::meta::print_memory_summary(out, g_sanitized, plan);
  const auto hz = arch::tsc_frequency_if_known().hz;
  const std::uint64_t slot_gib_milli = stats.slots_initialized * mm::PAGE_SIZE / (GIB / 1000);
  keel::fmt::print(out, "mm: {} slots initialized ({} unused, {} in use) in {} cycles", stats.slots_initialized,
             stats.unused, stats.in_use, g_report.meta_init_cycles);
  if (hz != 0 && slot_gib_milli != 0) {
    const std::uint64_t us = cycles_to_us(g_report.meta_init_cycles, hz);
    keel::fmt::print(out, " = {} us, {} us per GiB of RAM covered", us, us * 1000 / slot_gib_milli);
  }
  g_deferred_units = mm::meta::meta_units_unfinished();
  keel::fmt::print(out, "; {} of {} units of {} deferred\n", g_deferred_units,
             mm::meta::meta_unit_count(), keel::fmt::HumanBytes{mm::meta::meta_unit_frames() * mm::PAGE_SIZE});

  // The buddy allocator takes every unused frame inside the usable regions.
  std::array<mm::PhysRange, mm::memmap::MAX_MAP_REGIONS> usable{};
  std::size_t usable_count = 0;
  for (const auto& region : g_sanitized.regions()) {
    if (region.type == mm::memmap::RegionType::Usable) usable[usable_count++] = region.range;
  }
  const std::uint64_t alloc_start = arch::rdtsc();
  const auto summary = expect_ok(mm::allocator::init_frame_allocator(
                                     std::span<const mm::PhysRange>(usable.data(), usable_count)),
                                 "initializing the frame allocator");
  g_report.allocator_init_cycles = arch::rdtsc() - alloc_start;
  boot_phases().mark(BootPhase::Allocator);
  keel::fmt::print(out, "mm: allocator: {} of {} usable frames free in {} ranges ({} cycles)\n",
             summary.free_frames, summary.usable_frames, summary.ranges,
             g_report.allocator_init_cycles);
  mm::allocator::print_stats(out);

  init_kernel_address_space(info, allow_1g_pages);

  if (check_invariants && !check_memory_invariants(out)) {
    ::panic("mm.check: memory invariants violated at boot (see above)");
  }
  return g_report;
}

void init_deferred_memory_on_this_cpu() { (void)mm::meta::run_pending_meta_units(); }

void finish_deferred_memory_init(keel::fmt::Sink& sink) {
  if (mm::meta::meta_units_unfinished() == 0) return;
  const std::uint64_t start = arch::rdtsc();
  const mm::meta::DeferredInitProgress here = mm::meta::finish_pending_meta_units();
  const std::uint64_t cycles = arch::rdtsc() - start;
  keel::fmt::print(sink, "mm: deferred metadata done: {} of {} unit(s) ({} free frames) written by "
             "the boot CPU, the rest by other CPUs; {} cycles after ready\n", here.units,
             g_deferred_units, here.frames_added, cycles);
  mm::allocator::print_stats(sink);
}

bool check_memory_invariants(keel::fmt::Sink& sink) {
  bool ok = true;
  if (auto meta = mm::meta::check_meta_invariants(); !meta) {
    keel::fmt::print(sink, "mm.check: metadata: {}\n", meta.error());
    ok = false;
  } else {
    keel::fmt::print(sink, "mm.check: metadata invariants hold\n");
  }
  if (auto alloc = mm::allocator::check_allocator_invariants(); !alloc) {
    keel::fmt::print(sink, "mm.check: allocator: {}\n", alloc.error());
    ok = false;
  } else {
    keel::fmt::print(sink, "mm.check: allocator invariants hold\n");
  }
  return ok;
}

}  // namespace kernel::mm_init
