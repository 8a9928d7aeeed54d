// Reading and writing the registers an ACPI Generic Address names: I/O ports, memory-mapped
// registers (through the linear map) and PCI configuration space (segment 0, bus 0, via
// ports 0xCF8/0xCFC). Kernel-only.
#pragma once

#include <cstdint>
#include <optional>

#include "arch/x86_64/acpi/generic_address.h"

namespace arch::acpi {

// Writes the low width_bits() of `value`. Returns false, touching nothing, when the
// register's space or width is one keel does not handle or its address is out of reach
// (memory above the early 4 GiB map, an I/O port above 0xffff).
bool write_register(const GenericAddress& reg, std::uint64_t value);
std::optional<std::uint64_t> read_register(const GenericAddress& reg);

}  // namespace arch::acpi
