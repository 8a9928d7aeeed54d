// The Root System Description Pointer: where the ACPI tables start.
#pragma once

#include <array>
#include <cstdint>
#include <expected>
#include <optional>
#include <span>

#include "arch/x86_64/acpi/acpi_error.h"
#include "arch/x86_64/acpi/table.h"

namespace arch::acpi {

inline constexpr std::size_t RSDP_V1_SIZE = 20;  // ACPI 1.0: up to RsdtAddress
inline constexpr std::size_t RSDP_V2_SIZE = 36;  // ACPI 2.0+: Length, XsdtAddress, ext. checksum
// What the loader passes when it knows only the RSDP's address (PVH): read the revision
// byte from the RSDP. Same value as boot::ACPI_RSDP_REVISION_UNKNOWN.
inline constexpr std::uint8_t RSDP_REVISION_UNKNOWN = 0xff;

struct Rsdp {
  std::uint64_t paddr = 0;
  std::uint8_t revision = 0;  // the structure's own byte: 0 = ACPI 1.0, 2+ = ACPI 2.0+
  std::array<char, 6> oem_id{};
  std::uint32_t rsdt_paddr = 0;
  std::uint64_t xsdt_paddr = 0;  // 0 unless an ACPI 2.0+ RSDP was validated
};

// Validates the RSDP at `paddr`. `revision_hint` is what the loader said: 0 (multiboot2
// tag 14: only the 20-byte ACPI 1.0 copy exists, never read past it), 2 (tag 15) or
// RSDP_REVISION_UNKNOWN. The XSDT address is used only when both the hint (if known) and
// the structure's own revision byte say ACPI 2.0+ and the extended checksum holds.
[[nodiscard]] std::expected<Rsdp, AcpiFailure> read_rsdp(PhysReader read, std::uint64_t paddr,
                                           std::uint8_t revision_hint);

// Looks for "RSD PTR " with a valid checksum at 16-byte steps in `area` (which starts at
// physical `base_paddr`), as the BIOS places it in the EBDA or at 0xE0000-0xFFFFF.
// Candidates with a bad checksum are skipped.
std::optional<Rsdp> scan_for_rsdp(PhysReader read, std::uint64_t base_paddr, std::uint64_t size);

}  // namespace arch::acpi
