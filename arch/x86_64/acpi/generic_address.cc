#include "arch/x86_64/acpi/generic_address.h"

#include "arch/x86_64/acpi/table.h"
#include "lib/fmt/format.h"

namespace arch::acpi {

unsigned GenericAddress::width_bits() const {
  if (bit_width != 0) return bit_width;
  if (access_size >= 1 && access_size <= 4) return 8u << (access_size - 1);
  return 0;
}

std::optional<GenericAddress> read_generic_address(std::span<const std::byte> bytes,
                                                   std::size_t offset) {
  const auto b = [&](std::size_t i) { return read_field<std::uint8_t>(bytes, offset + i); };
  const auto address = read_field<std::uint64_t>(bytes, offset + 4);
  if (!address) return std::nullopt;
  return GenericAddress{*b(0), *b(1), *b(2), *b(3), *address};
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec&, const GenericAddress& gas) {
  if (!gas.present()) {
    sink.write("none");
    return;
  }
  switch (gas.space()) {
    case AddressSpace::SystemMemory: keel::fmt::print(sink, "mem {:#x}", gas.address); break;
    case AddressSpace::SystemIo: keel::fmt::print(sink, "io {:#x}", gas.address); break;
    case AddressSpace::PciConfig:
      keel::fmt::print(sink, "pci 0:{:x}.{:x}+{:#x}", (gas.address >> 32) & 0xffff,
                 (gas.address >> 16) & 0xffff, gas.address & 0xffff);
      break;
    default: keel::fmt::print(sink, "space{} {:#x}", gas.space_id, gas.address); break;
  }
  keel::fmt::print(sink, "/{}", gas.width_bits());
}

}  // namespace arch::acpi
