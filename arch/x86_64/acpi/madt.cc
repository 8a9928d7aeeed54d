#include "arch/x86_64/acpi/madt.h"

namespace arch::acpi {
namespace {

// Interrupt controller structure types (ACPI 6.5, table 5.21) keel reads.
constexpr std::uint8_t TYPE_LOCAL_APIC = 0;
constexpr std::uint8_t TYPE_LOCAL_APIC_OVERRIDE = 5;
constexpr std::uint8_t TYPE_LOCAL_X2APIC = 9;

constexpr std::size_t LOCAL_APIC_LENGTH = 8;
constexpr std::size_t LOCAL_APIC_OVERRIDE_LENGTH = 12;
constexpr std::size_t LOCAL_X2APIC_LENGTH = 16;

void add_cpu(Madt& madt, MadtCpu cpu, std::uint32_t flags) {
  if ((flags & MADT_CPU_ENABLED) == 0) {
    if ((flags & MADT_CPU_ONLINE_CAPABLE) != 0) ++madt.online_capable;
    else ++madt.disabled;
    return;
  }
  if (madt.has_apic_id(cpu.apic_id)) {
    ++madt.duplicate_ids;
    return;
  }
  if (madt.cpu_count == madt.cpus.size()) {
    ++madt.cpus_not_stored;
    return;
  }
  madt.cpus[madt.cpu_count++] = cpu;
}

}  // namespace

bool Madt::has_apic_id(std::uint32_t apic_id) const {
  for (std::size_t i = 0; i < cpu_count; ++i) {
    if (cpus[i].apic_id == apic_id) return true;
  }
  return false;
}

[[nodiscard]] std::expected<Madt, AcpiFailure> parse_madt(const Table& apic) {
  const auto bytes = apic.bytes;
  if (bytes.size() < MADT_FIXED_LENGTH) {
    return std::unexpected(AcpiFailure{AcpiError::TableTooShort, apic.signature, apic.paddr});
  }
  Madt madt;
  madt.paddr = apic.paddr;
  madt.lapic_paddr = *read_field<std::uint32_t>(bytes, TABLE_HEADER_SIZE);
  madt.flags = *read_field<std::uint32_t>(bytes, TABLE_HEADER_SIZE + 4);

  std::size_t offset = MADT_FIXED_LENGTH;
  while (offset < bytes.size()) {
    const auto type = read_field<std::uint8_t>(bytes, offset);
    const auto length = read_field<std::uint8_t>(bytes, offset + 1);
    if (!type || !length || *length < 2 || *length > bytes.size() - offset) {
      madt.truncated = true;
      madt.truncated_at = offset;
      break;
    }
    const auto entry = bytes.subspan(offset, *length);
    // Entries shorter than their type's layout are skipped like unknown types: the
    // length byte is what keeps the walk in step, so it is trusted over the type.
    if (*type == TYPE_LOCAL_APIC && entry.size() >= LOCAL_APIC_LENGTH) {
      add_cpu(madt,
              MadtCpu{.apic_id = *read_field<std::uint8_t>(entry, 3),
                      .acpi_uid = *read_field<std::uint8_t>(entry, 2),
                      .x2apic_entry = false},
              *read_field<std::uint32_t>(entry, 4));
    } else if (*type == TYPE_LOCAL_X2APIC && entry.size() >= LOCAL_X2APIC_LENGTH) {
      add_cpu(madt,
              MadtCpu{.apic_id = *read_field<std::uint32_t>(entry, 4),
                      .acpi_uid = *read_field<std::uint32_t>(entry, 12),
                      .x2apic_entry = true},
              *read_field<std::uint32_t>(entry, 8));
    } else if (*type == TYPE_LOCAL_APIC_OVERRIDE && entry.size() >= LOCAL_APIC_OVERRIDE_LENGTH) {
      madt.lapic_paddr = *read_field<std::uint64_t>(entry, 4);
    }
    offset += *length;
  }
  return madt;
}

}  // namespace arch::acpi
