#include "arch/x86_64/acpi/rsdp.h"

#include <cstring>

namespace arch::acpi {
namespace {

constexpr char RSDP_SIGNATURE[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};
constexpr std::size_t OEM_ID_OFFSET = 9;
constexpr std::size_t REVISION_OFFSET = 15;
constexpr std::size_t RSDT_OFFSET = 16;
constexpr std::size_t LENGTH_OFFSET = 20;
constexpr std::size_t XSDT_OFFSET = 24;
constexpr std::size_t RSDP_ALIGNMENT = 16;

}  // namespace

[[nodiscard]] std::expected<Rsdp, AcpiFailure> read_rsdp(PhysReader read, std::uint64_t paddr,
                                           std::uint8_t revision_hint) {
  AcpiFailure failure{AcpiError::RsdpUnreadable, signature_of("RSD "), paddr};
  if (paddr == 0) return std::unexpected(failure);
  const auto v1 = read(paddr, RSDP_V1_SIZE);
  if (v1.size() < RSDP_V1_SIZE) return std::unexpected(failure);
  if (std::memcmp(v1.data(), RSDP_SIGNATURE, sizeof(RSDP_SIGNATURE)) != 0) {
    failure.error = AcpiError::BadRsdpSignature;
    return std::unexpected(failure);
  }
  if (!checksum_ok(v1.first(RSDP_V1_SIZE))) {
    failure.error = AcpiError::BadRsdpChecksum;
    return std::unexpected(failure);
  }
  Rsdp rsdp;
  rsdp.paddr = paddr;
  rsdp.revision = *read_field<std::uint8_t>(v1, REVISION_OFFSET);
  std::memcpy(rsdp.oem_id.data(), v1.data() + OEM_ID_OFFSET, rsdp.oem_id.size());
  rsdp.rsdt_paddr = *read_field<std::uint32_t>(v1, RSDT_OFFSET);
  if (rsdp.revision < 2 || revision_hint == 0) return rsdp;

  const auto v2 = read(paddr, RSDP_V2_SIZE);
  const auto length = read_field<std::uint32_t>(v2, LENGTH_OFFSET);
  if (!length || *length < RSDP_V2_SIZE || *length > MAX_TABLE_LENGTH) {
    failure.error = AcpiError::BadRsdpLength;
    return std::unexpected(failure);
  }
  const auto whole = read(paddr, *length);
  if (whole.size() < *length) {
    failure.error = AcpiError::BadRsdpLength;
    return std::unexpected(failure);
  }
  if (!checksum_ok(whole.first(*length))) {
    failure.error = AcpiError::BadRsdpExtendedChecksum;
    return std::unexpected(failure);
  }
  rsdp.xsdt_paddr = *read_field<std::uint64_t>(whole, XSDT_OFFSET);
  return rsdp;
}

std::optional<Rsdp> scan_for_rsdp(PhysReader read, std::uint64_t base_paddr, std::uint64_t size) {
  const auto area = read(base_paddr, size);
  for (std::size_t offset = 0; offset + RSDP_V1_SIZE <= area.size(); offset += RSDP_ALIGNMENT) {
    if (std::memcmp(area.data() + offset, RSDP_SIGNATURE, sizeof(RSDP_SIGNATURE)) != 0) continue;
    if (auto rsdp = read_rsdp(read, base_paddr + offset, RSDP_REVISION_UNKNOWN)) return *rsdp;
  }
  return std::nullopt;
}

}  // namespace arch::acpi
