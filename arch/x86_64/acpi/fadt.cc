#include "arch/x86_64/acpi/fadt.h"

namespace arch::acpi {
namespace {

// Field offsets (ACPI 6.5, table 5.9).
constexpr std::size_t DSDT = 40;
constexpr std::size_t SMI_CMD = 48;
constexpr std::size_t ACPI_ENABLE = 52;
constexpr std::size_t PM1A_CNT_BLK = 64;
constexpr std::size_t PM1B_CNT_BLK = 68;
constexpr std::size_t PM1_CNT_LEN = 89;
constexpr std::size_t FLAGS = 112;
constexpr std::size_t RESET_REG = 116;
constexpr std::size_t RESET_VALUE = 128;
constexpr std::size_t X_DSDT = 140;
constexpr std::size_t X_PM1A_CNT_BLK = 172;
constexpr std::size_t X_PM1B_CNT_BLK = 184;
constexpr std::size_t SLEEP_CONTROL_REG = 244;

template <typename T>
T field_or_zero(std::span<const std::byte> bytes, std::size_t offset) {
  return read_field<T>(bytes, offset).value_or(T{0});
}

bool usable_space(const GenericAddress& gas) {
  return gas.space() == AddressSpace::SystemIo || gas.space() == AddressSpace::SystemMemory;
}

// X_PM1x_CNT_BLK wins when the table has it and it names an I/O or memory register;
// otherwise the legacy 32-bit I/O port. PM1_CNT_LEN fills in a missing width.
GenericAddress pm1_control(std::span<const std::byte> bytes, std::size_t legacy_offset,
                           std::size_t extended_offset) {
  const auto length_bits = static_cast<std::uint8_t>(field_or_zero<std::uint8_t>(bytes, PM1_CNT_LEN) * 8);
  if (const auto x = read_generic_address(bytes, extended_offset); x && x->present() && usable_space(*x)) {
    GenericAddress gas = *x;
    if (gas.width_bits() == 0) gas.bit_width = length_bits != 0 ? length_bits : 16;
    return gas;
  }
  const std::uint32_t port = field_or_zero<std::uint32_t>(bytes, legacy_offset);
  if (port == 0) return {};
  return GenericAddress{static_cast<std::uint8_t>(AddressSpace::SystemIo),
                        length_bits != 0 ? length_bits : std::uint8_t{16}, 0, 0, port};
}

}  // namespace

[[nodiscard]] std::expected<Fadt, AcpiFailure> parse_fadt(const Table& facp) {
  const auto bytes = facp.bytes;
  if (bytes.size() < FADT_MIN_LENGTH) {
    return std::unexpected(AcpiFailure{AcpiError::TableTooShort, facp.signature, facp.paddr});
  }
  Fadt fadt;
  fadt.paddr = facp.paddr;
  fadt.revision = facp.revision;
  fadt.flags = field_or_zero<std::uint32_t>(bytes, FLAGS);
  fadt.hardware_reduced = (fadt.flags & FADT_HW_REDUCED_ACPI) != 0;
  fadt.pm1a_control = pm1_control(bytes, PM1A_CNT_BLK, X_PM1A_CNT_BLK);
  fadt.pm1b_control = pm1_control(bytes, PM1B_CNT_BLK, X_PM1B_CNT_BLK);
  if (const auto sleep = read_generic_address(bytes, SLEEP_CONTROL_REG); sleep && usable_space(*sleep)) {
    fadt.sleep_control = *sleep;
  }
  fadt.smi_command = field_or_zero<std::uint32_t>(bytes, SMI_CMD);
  fadt.acpi_enable = field_or_zero<std::uint8_t>(bytes, ACPI_ENABLE);

  // The reset register arrived with FADT revision 2 (ACPI 2.0).
  const auto reset = read_generic_address(bytes, RESET_REG);
  const auto reset_value = read_field<std::uint8_t>(bytes, RESET_VALUE);
  if (fadt.revision >= 2 && (fadt.flags & FADT_RESET_REG_SUP) != 0 && reset && reset_value &&
      reset->present()) {
    fadt.reset_supported = true;
    fadt.reset_register = *reset;
    fadt.reset_value = *reset_value;
  }

  const std::uint64_t x_dsdt = field_or_zero<std::uint64_t>(bytes, X_DSDT);
  fadt.dsdt_paddr = x_dsdt != 0 ? x_dsdt : field_or_zero<std::uint32_t>(bytes, DSDT);
  return fadt;
}

}  // namespace arch::acpi
