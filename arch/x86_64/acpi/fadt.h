// The Fixed ACPI Description Table ("FACP"): the power-management registers keel needs to
// power off (PM1 control blocks, or the sleep control register on hardware-reduced ACPI)
// and reboot (the reset register), and where the DSDT is.
#pragma once

#include <cstdint>
#include <expected>

#include "arch/x86_64/acpi/acpi_error.h"
#include "arch/x86_64/acpi/generic_address.h"
#include "arch/x86_64/acpi/table.h"

namespace arch::acpi {

// ACPI 1.0's FADT is 116 bytes (up to Flags); keel needs nothing shorter.
inline constexpr std::size_t FADT_MIN_LENGTH = 116;

inline constexpr std::uint32_t FADT_RESET_REG_SUP = 1u << 10;
inline constexpr std::uint32_t FADT_HW_REDUCED_ACPI = 1u << 20;

struct Fadt {
  std::uint64_t paddr = 0;
  std::uint8_t revision = 0;
  std::uint32_t flags = 0;
  // X_PM1x_CNT_BLK when present, else the 32-bit I/O block with PM1_CNT_LEN's width.
  GenericAddress pm1a_control;
  GenericAddress pm1b_control;  // absent on most machines
  // Hardware-reduced ACPI (no PM1 blocks, e.g. QEMU microvm): SLEEP_CONTROL_REG.
  bool hardware_reduced = false;
  GenericAddress sleep_control;
  // Revision >= 2 with RESET_REG_SUP in Flags: write reset_value to reset_register.
  bool reset_supported = false;
  GenericAddress reset_register;
  std::uint8_t reset_value = 0;
  // Legacy-mode handshake: writing acpi_enable to SMI_CMD switches the chipset to ACPI
  // mode (sets PM1_CNT.SCI_EN). smi_command 0 = the machine is always in ACPI mode.
  std::uint32_t smi_command = 0;
  std::uint8_t acpi_enable = 0;
  // X_DSDT when non-zero, else DSDT.
  std::uint64_t dsdt_paddr = 0;
};

// `facp` is a validated table with signature "FACP". Fields beyond its length read as 0,
// as ACPI specifies for older, shorter revisions.
[[nodiscard]] std::expected<Fadt, AcpiFailure> parse_fadt(const Table& facp);

}  // namespace arch::acpi
