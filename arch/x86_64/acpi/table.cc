#include "arch/x86_64/acpi/table.h"

namespace arch::acpi {
namespace {

constexpr std::size_t LENGTH_OFFSET = 4;
constexpr std::size_t REVISION_OFFSET = 8;
constexpr std::size_t OEM_ID_OFFSET = 10;

}  // namespace

bool checksum_ok(std::span<const std::byte> bytes) {
  std::uint8_t sum = 0;
  for (const std::byte b : bytes) sum = static_cast<std::uint8_t>(sum + std::to_integer<std::uint8_t>(b));
  return sum == 0;
}

std::array<char, 4> signature_of(std::string_view sig) {
  std::array<char, 4> out{};
  for (std::size_t i = 0; i < 4 && i < sig.size(); ++i) out[i] = sig[i];
  return out;
}

[[nodiscard]] std::expected<Table, AcpiFailure> read_table(PhysReader read, std::uint64_t paddr,
                                             std::string_view expected) {
  AcpiFailure failure{AcpiError::TableUnreadable, signature_of(expected), paddr};
  if (paddr == 0) return std::unexpected(failure);
  const auto header = read(paddr, TABLE_HEADER_SIZE);
  if (header.size() < TABLE_HEADER_SIZE) return std::unexpected(failure);

  Table table;
  std::memcpy(table.signature.data(), header.data(), 4);
  failure.signature = table.signature;
  if (!expected.empty() && !table.is(expected)) {
    failure.error = AcpiError::WrongSignature;
    return std::unexpected(failure);
  }
  const std::uint32_t length = *read_field<std::uint32_t>(header, LENGTH_OFFSET);
  if (length < TABLE_HEADER_SIZE) {
    failure.error = AcpiError::TableTooShort;
    return std::unexpected(failure);
  }
  if (length > MAX_TABLE_LENGTH) {
    failure.error = AcpiError::TableTooLong;
    return std::unexpected(failure);
  }
  const auto bytes = read(paddr, length);
  if (bytes.size() < length) return std::unexpected(failure);  // TableUnreadable
  table.bytes = bytes.first(length);
  if (!checksum_ok(table.bytes)) {
    failure.error = AcpiError::BadTableChecksum;
    return std::unexpected(failure);
  }
  table.paddr = paddr;
  table.revision = *read_field<std::uint8_t>(table.bytes, REVISION_OFFSET);
  std::memcpy(table.oem_id.data(), table.bytes.data() + OEM_ID_OFFSET, table.oem_id.size());
  return table;
}

}  // namespace arch::acpi
