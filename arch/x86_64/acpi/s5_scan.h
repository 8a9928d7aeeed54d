// Finding the \_S5_ (soft-off) sleep type values in AML without an AML interpreter.
//
// The standard minimal scan: look for NameOp (0x08) '_S5_' (optionally '\_S5_') followed
// by PackageOp (0x12), a PkgLength, NumElements, then SLP_TYPa and SLP_TYPb, each a
// BytePrefix (0x0A) + byte, ZeroOp (0x00), OneOp (0x01) or a Word/DWord constant. It covers
// every firmware keel is likely to meet (QEMU, OVMF, SeaBIOS, common vendor DSDTs); an
// _S5_ computed by a method is not supported.
#pragma once

#include <cstdint>
#include <expected>
#include <span>

#include "arch/x86_64/acpi/acpi_error.h"

namespace arch::acpi {

struct SleepType {
  std::uint8_t a = 0;  // SLP_TYPa, for PM1a_CNT (or the sleep control register)
  std::uint8_t b = 0;  // SLP_TYPb, for PM1b_CNT
};

// Scans `aml` (a DSDT/SSDT body, after the 36-byte header). NoS5 if there is no
// NameOp '_S5_' at all; BadS5Package if the first one is followed by something this scan
// cannot decode (truncated package, unknown data encoding, a value over 7).
[[nodiscard]] std::expected<SleepType, AcpiError> find_s5_sleep_type(std::span<const std::byte> aml);

}  // namespace arch::acpi
