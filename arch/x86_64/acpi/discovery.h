// ACPI discovery: from the RSDP to the root table (XSDT preferred), every table it lists
// (validated), the FADT and the \_S5_ sleep type. Portable; the kernel wrapper (acpi.h)
// supplies the physical reader and the RSDP location.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>
#include <optional>

#include "arch/x86_64/acpi/acpi_error.h"
#include "arch/x86_64/acpi/fadt.h"
#include "arch/x86_64/acpi/rsdp.h"
#include "arch/x86_64/acpi/s5_scan.h"
#include "arch/x86_64/acpi/table.h"
#include "lib/fmt/format_fwd.h"

namespace arch::acpi {

inline constexpr std::size_t MAX_LISTED_TABLES = 32;
inline constexpr std::size_t MAX_SSDTS_SCANNED = 8;

struct TableEntry {
  std::array<char, 4> signature{};
  std::uint64_t paddr = 0;
  std::uint32_t length = 0;
};

struct AcpiTables {
  Rsdp rsdp;
  bool via_xsdt = false;
  std::uint64_t root_paddr = 0;
  // Why the XSDT was not used although the RSDP named one (the RSDT was used instead).
  std::optional<AcpiFailure> xsdt_failure;

  // Valid tables: the root table's entries in order, then the DSDT.
  std::array<TableEntry, MAX_LISTED_TABLES> tables{};
  std::size_t table_count = 0;
  std::size_t tables_not_listed = 0;  // valid, but past MAX_LISTED_TABLES
  // Entries that failed validation (skipped); the first failure is kept for the log.
  std::size_t bad_tables = 0;
  std::optional<AcpiFailure> first_bad_table;

  std::expected<Fadt, AcpiFailure> fadt = std::unexpected(AcpiFailure{AcpiError::NoFadt});
  // Which table the _S5_ package came from: "DSDT" or "SSDT".
  std::expected<SleepType, AcpiFailure> s5 = std::unexpected(AcpiFailure{AcpiError::NoS5});
  std::array<char, 4> s5_source{};

  bool has_table(std::string_view signature) const;
};

// Validates everything reachable from the RSDP at `rsdp_paddr` (see read_rsdp for
// `revision_hint`). Fails only if the RSDP or both root tables are unusable; a bad FADT,
// DSDT or _S5_ is recorded in `fadt` / `s5` and the rest is still reported.
[[nodiscard]] std::expected<AcpiTables, AcpiFailure> discover(PhysReader read, std::uint64_t rsdp_paddr,
                                                std::uint8_t revision_hint);

// One line: "acpi: ACPI 2.0+ (RSDP rev 2 at 0xf5a40), OEM BOCHS, XSDT at 0x7ffe2000: FACP
// APIC HPET WAET DSDT; S5 SLP_TYP 0/0". Problems follow on their own "acpi: warning:" lines.
void print_summary(keel::fmt::Sink& sink, const AcpiTables& tables);

}  // namespace arch::acpi
