// ACPI Generic Address Structure (GAS): where a register lives (I/O port, memory, PCI
// configuration space) and how wide it is.
#pragma once

#include <cstdint>
#include <optional>
#include <span>

#include "lib/fmt/format_fwd.h"

namespace arch::acpi {

enum class AddressSpace : std::uint8_t {
  SystemMemory = 0,
  SystemIo = 1,
  PciConfig = 2,  // segment 0, bus 0: device in bits 47:32, function 31:16, offset 15:0
};

struct GenericAddress {
  std::uint8_t space_id = 0;
  std::uint8_t bit_width = 0;
  std::uint8_t bit_offset = 0;
  std::uint8_t access_size = 0;  // 0 legacy/undefined, 1 byte, 2 word, 3 dword, 4 qword
  std::uint64_t address = 0;

  bool present() const { return address != 0; }
  AddressSpace space() const { return static_cast<AddressSpace>(space_id); }
  // Register width in bits: bit_width, else what access_size implies, else 0.
  unsigned width_bits() const;
};

inline constexpr std::size_t GENERIC_ADDRESS_SIZE = 12;

// The GAS at `offset` in `bytes`, or nullopt if it does not fit.
std::optional<GenericAddress> read_generic_address(std::span<const std::byte> bytes,
                                                   std::size_t offset);

// "io 0x604/16", "mem 0xfea00000/8", "pci 0:1.0+0x60/8"; "none" when absent.
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const GenericAddress& gas);

}  // namespace arch::acpi
