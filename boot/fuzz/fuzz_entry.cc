// The boot-info fuzz entry (see fuzz_entry.h).
#include "boot/fuzz/fuzz_entry.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <memory>
#include <string_view>

#include "boot/boot_info.h"
#include "boot/cmdline.h"
#include "boot/fuzz/boot_blobs.h"
#include "lib/fmt/format.h"

namespace boot::fuzz {
namespace {

// Names the broken invariant, then aborts (a crash libFuzzer and gtest both report).
void require_at(bool condition, const char* what, int line) {
  if (condition) return;
  std::fprintf(stderr, "boot-info fuzz invariant broken (fuzz_entry.cc:%d): %s\n", line, what);
  std::abort();
}
#define require(condition) require_at((condition), #condition, __LINE__)

template <std::size_t N>
bool nul_terminated(const std::array<char, N>& text) {
  return std::memchr(text.data(), '\0', N) != nullptr;
}

void check_invariants(const BootInfo& info, std::uint64_t info_paddr, std::size_t info_bytes) {
  require(info.memory_map_count <= MAX_MEMORY_REGIONS);
  require(info.memory_map_count > 0);
  require(info.module_count <= MAX_MODULES);
  require(nul_terminated(info.cmdline));
  require(nul_terminated(info.loader_name));
  require(info.command_line().size() < MAX_CMDLINE);
  for (std::size_t i = 0; i < info.module_count; ++i) {
    require(info.modules[i].start <= info.modules[i].end);
    require(nul_terminated(info.modules[i].name));
  }
  // Entries are passed on as given (the sanitizer owns the policy for ones running past
  // 2^64); only an EFI page count too large for a 64-bit byte length is saturated, and marked.
  for (const auto& region : info.regions()) {
    if (region.length_saturated) {
      require(region.kind == mm::memmap::FirmwareMapKind::Efi);
      require(region.length == std::numeric_limits<std::uint64_t>::max());
      require(info.memory_map_clamped);
    }
  }
  require(info.info_paddr == info_paddr);
  require(info.info_size <= info_bytes);
  if (info.path != BootPath::Pvh && info.acpi_rsdp_paddr != 0) {
    // The RSDP copy must lie inside the block.
    require(info.acpi_rsdp_paddr >= info_paddr + 16);
    require(info.acpi_rsdp_paddr + 20 <= info_paddr + info.info_size);
  }
  // Exercise the consumers of the parsed strings, too.
  const auto cmdline = Cmdline::parse(info.command_line());
  require(cmdline.words().size() <= MAX_CMDLINE_WORDS);
}

struct NullSink final : keel::fmt::Sink {
  void write(std::string_view) override {}
};

void format_failure(const BootInfoFailure& failure) {
  char buffer[128];
  keel::fmt::BufferSink sink(buffer, sizeof(buffer));
  keel::fmt::print(sink, "{}", failure);
  require(!sink.view().empty());
}

bool fuzz_multiboot2(std::span<const std::byte> blob) {
  const AlignedCopy copy(blob);  // exact size and 8-aligned: over-reads are ASan reports
  auto info = std::make_unique<BootInfo>();
  const auto result = parse_multiboot2(MULTIBOOT2_BOOTLOADER_MAGIC, copy.span(),
                                       GRUB_INFO_PADDR, *info);
  if (!result) {
    format_failure(result.error());
    return false;
  }
  check_invariants(*info, GRUB_INFO_PADDR, blob.size());
  return true;
}

bool fuzz_pvh(std::span<const std::byte> image) {
  const ScopedPhysImage phys(image);
  const AlignedCopy start_info(phys.start_info(64));
  auto info = std::make_unique<BootInfo>();
  const auto result = parse_pvh(start_info.span(), SIM_PHYS_BASE, sim_read_phys, *info);
  if (!result) {
    format_failure(result.error());
    return false;
  }
  check_invariants(*info, SIM_PHYS_BASE, 64);
  require(info->path == BootPath::Pvh);
  return true;
}

bool fuzz_cmdline(std::span<const std::byte> bytes) {
  const AlignedCopy copy(bytes);
  const std::string_view text(reinterpret_cast<const char*>(copy.span().data()), bytes.size());
  const auto cmdline = Cmdline::parse(text);
  const std::string_view known[] = {"ktest", "kbench.", "console", "a"};
  NullSink sink;
  cmdline.warn_unknown(known, sink);
  for (const auto& word : cmdline.words()) {
    // Every view must point into the text it came from.
    require(word.key.empty() || (word.key.data() >= text.data() &&
                                 word.key.data() + word.key.size() <= text.data() + text.size()));
    (void)cmdline.find_u64(word.key);
  }
  return true;
}

std::vector<std::uint8_t> with_selector(FuzzTarget target, std::span<const std::byte> payload) {
  std::vector<std::uint8_t> input;
  input.push_back(static_cast<std::uint8_t>(target));
  for (const std::byte b : payload) input.push_back(static_cast<std::uint8_t>(b));
  return input;
}

}  // namespace

FuzzOutcome run_boot_info_fuzz_input(std::span<const std::uint8_t> input) {
  if (input.empty()) return {FuzzTarget::Multiboot2, false};
  const auto target = static_cast<FuzzTarget>(input[0] % 3);
  const auto payload = std::as_bytes(input.subspan(1));
  switch (target) {
    case FuzzTarget::Multiboot2: return {target, fuzz_multiboot2(payload)};
    case FuzzTarget::Pvh: return {target, fuzz_pvh(payload)};
    case FuzzTarget::Cmdline: return {target, fuzz_cmdline(payload)};
  }
  return {target, false};
}

std::vector<std::vector<std::uint8_t>> boot_info_seed_inputs() {
  std::vector<std::vector<std::uint8_t>> seeds;
  seeds.push_back(with_selector(FuzzTarget::Multiboot2, grub_bios_blob()));
  seeds.push_back(with_selector(FuzzTarget::Multiboot2, grub_uefi_blob()));
  seeds.push_back(with_selector(FuzzTarget::Pvh, PvhImageBuilder{}.build()));
  const std::string_view lines[] = {
      "/boot/keel.elf console=ttyS0 ktest ktest.filter=\"mm buddy*\" kbench.repetitions=0x10",
      "a=1 b c=\"unterminated"};
  for (const std::string_view line : lines) {
    seeds.push_back(with_selector(FuzzTarget::Cmdline, std::as_bytes(std::span(line))));
  }
  return seeds;
}

}  // namespace boot::fuzz
