#include "arch/x86_64/acpi/rsdp.h"

#include <cstring>

namespace arch::acpi {
namespace {

constexpr char kRsdpSignature[8] = {'R', 'S', 'D', ' ', 'P', 'T', 'R', ' '};
constexpr std::size_t kOemIdOffset = 9;
constexpr std::size_t kRevisionOffset = 15;
constexpr std::size_t kRsdtOffset = 16;
constexpr std::size_t kLengthOffset = 20;
constexpr std::size_t kXsdtOffset = 24;
constexpr std::size_t kRsdpAlignment = 16;

}  // namespace

[[nodiscard]] std::expected<Rsdp, AcpiFailure> read_rsdp(PhysReader read, std::uint64_t paddr,
                                           std::uint8_t revision_hint) {
  AcpiFailure failure{AcpiError::RsdpUnreadable, signature_of("RSD "), paddr};
  if (paddr == 0) return std::unexpected(failure);
  const auto v1 = read(paddr, kRsdpV1Size);
  if (v1.size() < kRsdpV1Size) return std::unexpected(failure);
  if (std::memcmp(v1.data(), kRsdpSignature, sizeof(kRsdpSignature)) != 0) {
    failure.error = AcpiError::BadRsdpSignature;
    return std::unexpected(failure);
  }
  if (!checksum_ok(v1.first(kRsdpV1Size))) {
    failure.error = AcpiError::BadRsdpChecksum;
    return std::unexpected(failure);
  }
  Rsdp rsdp;
  rsdp.paddr = paddr;
  rsdp.revision = *read_field<std::uint8_t>(v1, kRevisionOffset);
  std::memcpy(rsdp.oem_id.data(), v1.data() + kOemIdOffset, rsdp.oem_id.size());
  rsdp.rsdt_paddr = *read_field<std::uint32_t>(v1, kRsdtOffset);
  if (rsdp.revision < 2 || revision_hint == 0) return rsdp;

  const auto v2 = read(paddr, kRsdpV2Size);
  const auto length = read_field<std::uint32_t>(v2, kLengthOffset);
  if (!length || *length < kRsdpV2Size || *length > kMaxTableLength) {
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
  rsdp.xsdt_paddr = *read_field<std::uint64_t>(whole, kXsdtOffset);
  return rsdp;
}

std::optional<Rsdp> scan_for_rsdp(PhysReader read, std::uint64_t base_paddr, std::uint64_t size) {
  const auto area = read(base_paddr, size);
  for (std::size_t offset = 0; offset + kRsdpV1Size <= area.size(); offset += kRsdpAlignment) {
    if (std::memcmp(area.data() + offset, kRsdpSignature, sizeof(kRsdpSignature)) != 0) continue;
    if (auto rsdp = read_rsdp(read, base_paddr + offset, kRsdpRevisionUnknown)) return *rsdp;
  }
  return std::nullopt;
}

}  // namespace arch::acpi
