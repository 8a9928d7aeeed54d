// The Multiple APIC Description Table ("APIC"): where the local APICs are and which CPUs
// the firmware says exist. keel brings up every CPU whose entry is enabled; online-capable
// ones (hot-pluggable, not enabled at boot) are counted but left alone.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <expected>

#include "arch/x86_64/acpi/acpi_error.h"
#include "arch/x86_64/acpi/table.h"

namespace arch::acpi {

// The MADT's fixed part: header, Local Interrupt Controller Address (u32), Flags (u32).
inline constexpr std::size_t MADT_FIXED_LENGTH = TABLE_HEADER_SIZE + 8;
inline constexpr std::uint32_t MADT_PCAT_COMPAT = 1u << 0;  // a legacy 8259 pair is present

// Local APIC / local x2APIC entry flags (ACPI 6.5, table 5.23).
inline constexpr std::uint32_t MADT_CPU_ENABLED = 1u << 0;
inline constexpr std::uint32_t MADT_CPU_ONLINE_CAPABLE = 1u << 1;

// More CPU entries than keel can run (mm::hal::MAX_CPUS) are counted, not stored.
inline constexpr std::size_t MADT_MAX_CPUS = 256;

struct MadtCpu {
  std::uint32_t apic_id = 0;
  std::uint32_t acpi_uid = 0;
  bool x2apic_entry = false;  // from a type-9 entry (IDs above 254 need one)
};

struct Madt {
  std::uint64_t paddr = 0;
  // The 32-bit field, or the 64-bit Local APIC Address Override (type 5) when present.
  std::uint64_t lapic_paddr = 0;
  std::uint32_t flags = 0;
  // Enabled CPUs in table order (the firmware lists the boot CPU first, but keel does not
  // rely on it). An APIC ID listed twice (a type-0 and a type-9 entry) is stored once.
  std::array<MadtCpu, MADT_MAX_CPUS> cpus{};
  std::size_t cpu_count = 0;
  std::size_t cpus_not_stored = 0;   // enabled, but past MADT_MAX_CPUS
  std::size_t online_capable = 0;    // not enabled at boot; left alone
  std::size_t disabled = 0;          // neither flag: unusable entries
  std::size_t duplicate_ids = 0;     // entries naming an APIC ID already stored
  // An entry whose length is below 2 or runs past the table: parsing stopped there.
  bool truncated = false;
  std::size_t truncated_at = 0;  // byte offset of that entry in the table

  bool has_apic_id(std::uint32_t apic_id) const;
};

// `apic` is a validated table with signature "APIC". Fails only if it is shorter than the
// fixed part; bad entries are recorded in the result.
[[nodiscard]] std::expected<Madt, AcpiFailure> parse_madt(const Table& apic);

}  // namespace arch::acpi
