// Why ACPI table discovery failed, and where: printed as e.g.
// "BadTableChecksum (FACP at 0x7ffe1a2b)".
#pragma once

#include <array>
#include <cstdint>

#include "lib/fmt/format_fwd.h"

namespace arch::acpi {

enum class AcpiError : std::uint8_t {
  NoRsdp,                   // the loader gave no RSDP and none is in the EBDA or BIOS area
  RsdpUnreadable,           // the RSDP's bytes are not in readable physical memory
  BadRsdpSignature,         // not "RSD PTR "
  BadRsdpChecksum,          // the ACPI 1.0 part (20 bytes) does not sum to 0
  BadRsdpLength,            // ACPI 2.0+: Length < 36 or unreadable
  BadRsdpExtendedChecksum,  // ACPI 2.0+: the Length bytes do not sum to 0
  NoRootTable,              // the RSDP points at neither an XSDT nor an RSDT
  TableUnreadable,          // a table's header or body is not in readable physical memory
  TableTooShort,            // a table's length is below its header or its fixed fields
  TableTooLong,             // a table's length is over MAX_TABLE_LENGTH (garbled)
  BadTableChecksum,         // a table's bytes do not sum to 0
  WrongSignature,           // a pointer names a table with an unexpected signature
  NoFadt,                   // no valid FACP among the root table's entries
  NoDsdt,                   // the FADT's DSDT pointers are both 0
  NoS5,                     // no \_S5_ package in the DSDT (or any SSDT)
  BadS5Package,             // an _S5_ name whose package is truncated or malformed
};
const char* error_name(AcpiError error);

// `signature` is the table at fault ("RSD " for the RSDP, all zero when unknown); `paddr`
// its physical address (0 when unknown).
struct AcpiFailure {
  AcpiError error = AcpiError::NoRsdp;
  std::array<char, 4> signature{};
  std::uint64_t paddr = 0;
};

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const AcpiFailure& failure);

// Prints a 4-character signature, with '?' for bytes that are not printable ASCII.
struct Signature {
  std::array<char, 4> chars;
};
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const Signature& signature);

}  // namespace arch::acpi
