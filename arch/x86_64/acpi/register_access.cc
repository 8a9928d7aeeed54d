#include "arch/x86_64/acpi/register_access.h"

#include "arch/x86_64/cpu.h"
#include "mm/hal.h"
#include "mm/kspace/kernel_space.h"
#include "mm/linear_map.h"

namespace arch::acpi {
namespace {

// Memory-space registers are reached through the linear map: the boot tables' low 4 GiB,
// then the kernel table, where mm_init maps them uncached.
bool mmio_reachable(std::uint64_t paddr, unsigned bits) {
  return mm::kspace::linear_map_readable(paddr, bits / 8) == bits / 8;
}

constexpr std::uint16_t PCI_CONFIG_ADDRESS = 0xcf8;
constexpr std::uint16_t PCI_CONFIG_DATA = 0xcfc;

bool valid_width(unsigned bits, bool allow_64) {
  return bits == 8 || bits == 16 || bits == 32 || (allow_64 && bits == 64);
}

template <typename T>
volatile T* mmio(std::uint64_t paddr) {
  return static_cast<volatile T*>(mm::phys_to_virt(paddr));
}

// Selects the dword holding `reg` in PCI configuration space; returns the data port for
// its byte offset.
std::uint16_t select_pci_register(const GenericAddress& reg) {
  const std::uint64_t device = (reg.address >> 32) & 0x1f;
  const std::uint64_t function = (reg.address >> 16) & 0x7;
  const std::uint64_t offset = reg.address & 0xff;
  outl(PCI_CONFIG_ADDRESS, static_cast<std::uint32_t>(0x8000'0000u | (device << 11) |
                                                      (function << 8) | (offset & 0xfc)));
  return static_cast<std::uint16_t>(PCI_CONFIG_DATA + (offset & 3));
}

}  // namespace

bool write_register(const GenericAddress& reg, std::uint64_t value) {
  const unsigned bits = reg.width_bits();
  switch (reg.space()) {
    case AddressSpace::SystemIo: {
      if (!valid_width(bits, false) || reg.address > 0xffff) return false;
      const auto port = static_cast<std::uint16_t>(reg.address);
      if (bits == 8) outb(port, static_cast<std::uint8_t>(value));
      else if (bits == 16) outw(port, static_cast<std::uint16_t>(value));
      else outl(port, static_cast<std::uint32_t>(value));
      return true;
    }
    case AddressSpace::SystemMemory: {
      if (!valid_width(bits, true) || !mmio_reachable(reg.address, bits)) return false;
      if (bits == 8) *mmio<std::uint8_t>(reg.address) = static_cast<std::uint8_t>(value);
      else if (bits == 16) *mmio<std::uint16_t>(reg.address) = static_cast<std::uint16_t>(value);
      else if (bits == 32) *mmio<std::uint32_t>(reg.address) = static_cast<std::uint32_t>(value);
      else *mmio<std::uint64_t>(reg.address) = value;
      return true;
    }
    case AddressSpace::PciConfig: {
      if (!valid_width(bits, false) || (reg.address >> 48) != 0) return false;
      const std::uint16_t port = select_pci_register(reg);
      if (bits == 8) outb(port, static_cast<std::uint8_t>(value));
      else if (bits == 16) outw(port, static_cast<std::uint16_t>(value));
      else outl(port, static_cast<std::uint32_t>(value));
      return true;
    }
  }
  return false;
}

std::optional<std::uint64_t> read_register(const GenericAddress& reg) {
  const unsigned bits = reg.width_bits();
  switch (reg.space()) {
    case AddressSpace::SystemIo: {
      if (!valid_width(bits, false) || reg.address > 0xffff) return std::nullopt;
      const auto port = static_cast<std::uint16_t>(reg.address);
      if (bits == 8) return inb(port);
      if (bits == 16) return inw(port);
      return inl(port);
    }
    case AddressSpace::SystemMemory: {
      if (!valid_width(bits, true) || !mmio_reachable(reg.address, bits)) return std::nullopt;
      if (bits == 8) return *mmio<std::uint8_t>(reg.address);
      if (bits == 16) return *mmio<std::uint16_t>(reg.address);
      if (bits == 32) return *mmio<std::uint32_t>(reg.address);
      return *mmio<std::uint64_t>(reg.address);
    }
    case AddressSpace::PciConfig: {
      if (!valid_width(bits, false) || (reg.address >> 48) != 0) return std::nullopt;
      const std::uint16_t port = select_pci_register(reg);
      if (bits == 8) return inb(port);
      if (bits == 16) return inw(port);
      return inl(port);
    }
  }
  return std::nullopt;
}

}  // namespace arch::acpi
