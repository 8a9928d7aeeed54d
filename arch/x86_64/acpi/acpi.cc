#include "arch/x86_64/acpi/acpi.h"

#include <cstring>

#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "lib/fmt/format.h"
#include "mm/linear_map.h"

namespace arch::acpi {
namespace {

// Where a BIOS keeps the RSDP (ACPI 6.5, 5.2.5.1): the first KiB of the EBDA, whose
// real-mode segment is the u16 at 0x40E, or the read-only BIOS area 0xE0000-0xFFFFF.
constexpr std::uint64_t EBDA_SEGMENT_POINTER = 0x40e;
constexpr std::uint64_t EBDA_SCAN_SIZE = 1024;
constexpr std::uint64_t EBDA_LOWEST = 0x80000;   // the EBDA lives just below 640 KiB
constexpr std::uint64_t EBDA_HIGHEST = 0xa0000;
constexpr std::uint64_t BIOS_AREA_BASE = 0xe0000;
constexpr std::uint64_t BIOS_AREA_SIZE = 0x20000;

constinit AcpiTables g_tables;
constinit bool g_found = false;
constinit std::optional<AcpiFailure> g_failure;
constinit std::optional<std::expected<Madt, AcpiFailure>> g_madt;

// Only what the linear map covers right now: firmware pointers may name anything.
std::span<const std::byte> read_phys(std::uint64_t paddr, std::uint64_t size) {
  const std::uint64_t readable = mm::kspace::linear_map_readable(paddr, size);
  return {static_cast<const std::byte*>(mm::phys_to_virt(paddr)),
          static_cast<std::size_t>(readable)};
}

}  // namespace

std::optional<Rsdp> find_rsdp_in_bios_areas() {
  std::uint16_t segment = 0;
  // The BIOS data area is in page 0, which keel leaves unmapped once its own page tables
  // are live: then only the fixed BIOS area is scanned.
  if (const auto pointer = read_phys(EBDA_SEGMENT_POINTER, 2); pointer.size() == 2) {
    std::memcpy(&segment, pointer.data(), sizeof(segment));
  }
  const std::uint64_t ebda = std::uint64_t{segment} << 4;
  if (ebda >= EBDA_LOWEST && ebda < EBDA_HIGHEST) {
    if (auto rsdp = scan_for_rsdp(&read_phys, ebda, EBDA_SCAN_SIZE)) return rsdp;
  }
  return scan_for_rsdp(&read_phys, BIOS_AREA_BASE, BIOS_AREA_SIZE);
}

void init(const boot::BootInfo& info, keel::fmt::Sink& sink) {
  std::uint64_t rsdp_paddr = info.acpi_rsdp_paddr;
  std::uint8_t revision = info.acpi_rsdp_revision;
  static_assert(boot::ACPI_RSDP_REVISION_UNKNOWN == RSDP_REVISION_UNKNOWN);
  if (rsdp_paddr == 0) {
    const auto found = find_rsdp_in_bios_areas();
    if (!found) {
      g_failure = AcpiFailure{AcpiError::NoRsdp};
      keel::fmt::print(sink, "acpi: none: the loader passed no RSDP and no valid \"RSD PTR \" is in "
                       "the EBDA or 0xE0000-0xFFFFF; no ACPI power-off or reset register\n");
      return;
    }
    rsdp_paddr = found->paddr;
    revision = RSDP_REVISION_UNKNOWN;
    keel::fmt::print(sink, "acpi: the loader passed no RSDP; found one at {:#x} in the BIOS area\n",
               rsdp_paddr);
  }
  auto tables = discover(&read_phys, rsdp_paddr, revision);
  if (!tables) {
    g_failure = tables.error();
    keel::fmt::print(sink, "acpi: unusable: {}; no ACPI power-off or reset register\n", tables.error());
    return;
  }
  g_tables = *tables;
  g_found = true;
  for (std::size_t i = 0; i < g_tables.table_count; ++i) {
    if (std::memcmp(g_tables.tables[i].signature.data(), "APIC", 4) != 0) continue;
    auto table = read_table(&read_phys, g_tables.tables[i].paddr, "APIC");
    if (table) {
      g_madt = parse_madt(*table);
    } else {
      g_madt = std::unexpected(table.error());
    }
    break;
  }
  print_summary(sink, g_tables);
}

[[nodiscard]] std::expected<Table, AcpiFailure> read_table_in_kernel(std::uint64_t paddr,
                                                       std::string_view expected_signature) {
  return read_table(&read_phys, paddr, expected_signature);
}

const std::optional<std::expected<Madt, AcpiFailure>>& madt() { return g_madt; }

const AcpiTables* tables() { return g_found ? &g_tables : nullptr; }

std::optional<AcpiFailure> init_failure() { return g_failure; }

}  // namespace arch::acpi
