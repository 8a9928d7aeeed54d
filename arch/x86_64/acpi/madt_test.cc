// parse_madt over synthetic tables: local APIC and x2APIC entries, their flags, the
// address override, duplicates, overflow and truncated entries.
#include "arch/x86_64/acpi/madt.h"

#include <gtest/gtest.h>

#include <cstring>
#include <vector>

namespace arch::acpi {
namespace {

using Bytes = std::vector<std::byte>;

template <typename T>
void append(Bytes& b, T value) {
  const std::size_t at = b.size();
  b.resize(at + sizeof(T));
  std::memcpy(b.data() + at, &value, sizeof(T));
}

// A table whose header is zero except for the signature and length (parse_madt trusts
// read_table for the checksum).
struct MadtBuilder {
  Bytes bytes = Bytes(TABLE_HEADER_SIZE);
  explicit MadtBuilder(std::uint32_t lapic = 0xfee00000, std::uint32_t flags = MADT_PCAT_COMPAT) {
    std::memcpy(bytes.data(), "APIC", 4);
    append(bytes, lapic);
    append(bytes, flags);
  }
  MadtBuilder& lapic(std::uint8_t uid, std::uint8_t apic_id, std::uint32_t flags) {
    append<std::uint8_t>(bytes, 0);
    append<std::uint8_t>(bytes, 8);
    append(bytes, uid);
    append(bytes, apic_id);
    append(bytes, flags);
    return *this;
  }
  MadtBuilder& x2apic(std::uint32_t apic_id, std::uint32_t flags, std::uint32_t uid) {
    append<std::uint8_t>(bytes, 9);
    append<std::uint8_t>(bytes, 16);
    append<std::uint16_t>(bytes, 0);
    append(bytes, apic_id);
    append(bytes, flags);
    append(bytes, uid);
    return *this;
  }
  MadtBuilder& override_address(std::uint64_t address) {
    append<std::uint8_t>(bytes, 5);
    append<std::uint8_t>(bytes, 12);
    append<std::uint16_t>(bytes, 0);
    append(bytes, address);
    return *this;
  }
  MadtBuilder& raw(std::initializer_list<std::uint8_t> raw_bytes) {
    for (auto b : raw_bytes) append(bytes, b);
    return *this;
  }
  Table table() {
    const auto length = static_cast<std::uint32_t>(bytes.size());
    std::memcpy(bytes.data() + 4, &length, 4);
    Table t;
    std::memcpy(t.signature.data(), "APIC", 4);
    t.paddr = 0x7ffe5000;
    t.bytes = bytes;
    return t;
  }
};

TEST(Madt, LocalApicEntriesWithFlags) {
  MadtBuilder b;
  b.lapic(0, 0, MADT_CPU_ENABLED)
      .lapic(1, 1, MADT_CPU_ENABLED)
      .lapic(2, 4, MADT_CPU_ONLINE_CAPABLE)
      .lapic(3, 6, 0)
      .lapic(4, 7, MADT_CPU_ENABLED | MADT_CPU_ONLINE_CAPABLE);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  EXPECT_EQ(madt->lapic_paddr, 0xfee00000u);
  EXPECT_EQ(madt->flags, MADT_PCAT_COMPAT);
  ASSERT_EQ(madt->cpu_count, 3u);
  EXPECT_EQ(madt->cpus[0].apic_id, 0u);
  EXPECT_EQ(madt->cpus[1].apic_id, 1u);
  EXPECT_EQ(madt->cpus[2].apic_id, 7u);
  EXPECT_EQ(madt->cpus[2].acpi_uid, 4u);
  EXPECT_FALSE(madt->cpus[2].x2apic_entry);
  EXPECT_EQ(madt->online_capable, 1u);
  EXPECT_EQ(madt->disabled, 1u);
  EXPECT_FALSE(madt->truncated);
  EXPECT_TRUE(madt->has_apic_id(7));
  EXPECT_FALSE(madt->has_apic_id(4));
}

TEST(Madt, X2ApicEntriesCarryIdsAbove255AndDuplicatesAreStoredOnce) {
  MadtBuilder b;
  b.lapic(0, 0, MADT_CPU_ENABLED)
      .x2apic(0, MADT_CPU_ENABLED, 0)  // the same CPU again, as firmware may list it
      .x2apic(300, MADT_CPU_ENABLED, 77)
      .x2apic(0x12345, MADT_CPU_ONLINE_CAPABLE, 78);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  ASSERT_EQ(madt->cpu_count, 2u);
  EXPECT_EQ(madt->cpus[1].apic_id, 300u);
  EXPECT_EQ(madt->cpus[1].acpi_uid, 77u);
  EXPECT_TRUE(madt->cpus[1].x2apic_entry);
  EXPECT_EQ(madt->duplicate_ids, 1u);
  EXPECT_EQ(madt->online_capable, 1u);
}

TEST(Madt, AddressOverrideWins) {
  MadtBuilder b;
  b.lapic(0, 0, MADT_CPU_ENABLED).override_address(0x1'2345'6000);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  EXPECT_EQ(madt->lapic_paddr, 0x1'2345'6000u);
}

TEST(Madt, UnknownAndShortEntriesAreSkippedByTheirLength) {
  MadtBuilder b;
  b.raw({1, 12, 0, 0, 0, 0, 0xc0, 0xfe, 0, 0, 0, 0})  // an I/O APIC: not a CPU
      .raw({0, 4, 9, 9})                                // a local APIC cut to 4 bytes
      .lapic(1, 3, MADT_CPU_ENABLED);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  ASSERT_EQ(madt->cpu_count, 1u);
  EXPECT_EQ(madt->cpus[0].apic_id, 3u);
  EXPECT_FALSE(madt->truncated);
}

TEST(Madt, AnEntryRunningPastTheTableStopsTheWalk) {
  MadtBuilder b;
  b.lapic(0, 0, MADT_CPU_ENABLED).raw({0, 8, 1, 1});  // claims 8 bytes, has 4
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  EXPECT_EQ(madt->cpu_count, 1u);
  EXPECT_TRUE(madt->truncated);
  EXPECT_EQ(madt->truncated_at, MADT_FIXED_LENGTH + 8);
}

TEST(Madt, AZeroLengthEntryStopsTheWalkInsteadOfLooping) {
  MadtBuilder b;
  b.raw({0, 0}).lapic(0, 0, MADT_CPU_ENABLED);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  EXPECT_EQ(madt->cpu_count, 0u);
  EXPECT_TRUE(madt->truncated);
  EXPECT_EQ(madt->truncated_at, MADT_FIXED_LENGTH);
}

TEST(Madt, MoreCpusThanKeelRunsAreCounted) {
  MadtBuilder b;
  for (std::uint32_t id = 0; id < MADT_MAX_CPUS + 3; ++id) b.x2apic(id, MADT_CPU_ENABLED, id);
  const auto madt = parse_madt(b.table());
  ASSERT_TRUE(madt.has_value());
  EXPECT_EQ(madt->cpu_count, MADT_MAX_CPUS);
  EXPECT_EQ(madt->cpus_not_stored, 3u);
}

TEST(Madt, TooShortForTheFixedPartFails) {
  MadtBuilder b;
  b.bytes.resize(MADT_FIXED_LENGTH - 1);
  const auto madt = parse_madt(b.table());
  ASSERT_FALSE(madt.has_value());
  EXPECT_EQ(madt.error().error, AcpiError::TableTooShort);
  EXPECT_EQ(madt.error().paddr, 0x7ffe5000u);
}

}  // namespace
}  // namespace arch::acpi
