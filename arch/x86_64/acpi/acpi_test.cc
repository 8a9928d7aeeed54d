// Host tests of the portable ACPI parsing over synthetic tables in simulated physical
// memory: each table lives in its own exactly-sized buffer, so ASan catches an over-read.
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "arch/x86_64/acpi/discovery.h"
#include "arch/x86_64/acpi/fadt.h"
#include "arch/x86_64/acpi/rsdp.h"
#include "arch/x86_64/acpi/s5_scan.h"
#include "arch/x86_64/acpi/table.h"
#include "lib/fmt/format.h"

namespace arch::acpi {
namespace {

using Bytes = std::vector<std::byte>;

// ---- Simulated physical memory ------------------------------------------------------

std::map<std::uint64_t, Bytes>& memory() {
  static std::map<std::uint64_t, Bytes> regions;
  return regions;
}

std::span<const std::byte> read_sim(std::uint64_t paddr, std::uint64_t size) {
  auto it = memory().upper_bound(paddr);
  if (it == memory().begin()) return {};
  --it;
  const std::uint64_t offset = paddr - it->first;
  if (offset >= it->second.size()) return {};
  const std::uint64_t available = it->second.size() - offset;
  return std::span<const std::byte>(it->second).subspan(offset, size < available ? size : available);
}

// ---- Table builders -------------------------------------------------------------------

template <typename T>
void put(Bytes& b, std::size_t offset, T value) {
  if (b.size() < offset + sizeof(T)) b.resize(offset + sizeof(T));
  std::memcpy(b.data() + offset, &value, sizeof(T));
}

void put_text(Bytes& b, std::size_t offset, std::string_view text) {
  if (b.size() < offset + text.size()) b.resize(offset + text.size());
  std::memcpy(b.data() + offset, text.data(), text.size());
}

void fix_checksum(Bytes& b, std::size_t checksum_offset, std::size_t length) {
  b[checksum_offset] = std::byte{0};
  std::uint8_t sum = 0;
  for (std::size_t i = 0; i < length; ++i) sum = static_cast<std::uint8_t>(sum + std::to_integer<std::uint8_t>(b[i]));
  b[checksum_offset] = std::byte{static_cast<std::uint8_t>(-sum)};
}

Bytes make_table(std::string_view signature, std::uint8_t revision, const Bytes& body) {
  Bytes t(TABLE_HEADER_SIZE);
  put_text(t, 0, signature);
  put<std::uint32_t>(t, 4, static_cast<std::uint32_t>(TABLE_HEADER_SIZE + body.size()));
  put<std::uint8_t>(t, 8, revision);
  put_text(t, 10, "KEELOE");
  put_text(t, 16, "KEELTEST");
  t.insert(t.end(), body.begin(), body.end());
  fix_checksum(t, 9, t.size());
  return t;
}

Bytes make_rsdp(std::uint8_t revision, std::uint32_t rsdt, std::uint64_t xsdt) {
  Bytes r;
  put_text(r, 0, "RSD PTR ");
  put_text(r, 9, "KEELOE");
  put<std::uint8_t>(r, 15, revision);
  put<std::uint32_t>(r, 16, rsdt);
  if (revision >= 2) {
    put<std::uint32_t>(r, 20, 36);
    put<std::uint64_t>(r, 24, xsdt);
    put<std::uint32_t>(r, 33, 0);
    r.resize(36);
  }
  fix_checksum(r, 8, 20);
  if (revision >= 2) fix_checksum(r, 32, 36);
  return r;
}

Bytes pointer_list(const std::vector<std::uint64_t>& paddrs, std::size_t entry_size) {
  Bytes body;
  for (const auto p : paddrs) {
    if (entry_size == 8) put<std::uint64_t>(body, body.size(), p);
    else put<std::uint32_t>(body, body.size(), static_cast<std::uint32_t>(p));
  }
  return body;
}

void put_gas(Bytes& body, std::size_t table_offset, std::uint8_t space, std::uint8_t width,
             std::uint64_t address) {
  const std::size_t o = table_offset - TABLE_HEADER_SIZE;
  put<std::uint8_t>(body, o, space);
  put<std::uint8_t>(body, o + 1, width);
  put<std::uint8_t>(body, o + 2, 0);
  put<std::uint8_t>(body, o + 3, 0);
  put<std::uint64_t>(body, o + 4, address);
}

// An ACPI 6 FADT (276 bytes) the way QEMU's q35 builds it: legacy + X_ PM1a blocks, reset
// register at 0xcf9, X_DSDT.
Bytes modern_fadt_body(std::uint64_t dsdt) {
  Bytes body(276 - TABLE_HEADER_SIZE);
  put<std::uint32_t>(body, 40 - 36, static_cast<std::uint32_t>(dsdt));
  put<std::uint32_t>(body, 48 - 36, 0xb2);      // SMI_CMD
  put<std::uint8_t>(body, 52 - 36, 0xf1);       // ACPI_ENABLE
  put<std::uint32_t>(body, 64 - 36, 0x604);     // PM1a_CNT_BLK
  put<std::uint8_t>(body, 89 - 36, 2);          // PM1_CNT_LEN
  put<std::uint32_t>(body, 112 - 36, FADT_RESET_REG_SUP);
  put_gas(body, 116, 1, 8, 0xcf9);              // RESET_REG
  put<std::uint8_t>(body, 128 - 36, 0x0f);      // RESET_VALUE
  put<std::uint64_t>(body, 140 - 36, dsdt);     // X_DSDT
  put_gas(body, 172, 1, 16, 0x604);             // X_PM1a_CNT_BLK
  return body;
}

// An ACPI 1.0 FADT: 116 bytes, no reset register, 32-bit DSDT.
Bytes legacy_fadt_body(std::uint32_t dsdt, std::uint32_t pm1a, std::uint32_t pm1b) {
  Bytes body(116 - TABLE_HEADER_SIZE);
  put<std::uint32_t>(body, 40 - 36, dsdt);
  put<std::uint32_t>(body, 64 - 36, pm1a);
  put<std::uint32_t>(body, 68 - 36, pm1b);
  put<std::uint8_t>(body, 89 - 36, 2);
  return body;
}

// Some AML before and after: Name(_S5_, Package(4){a, b, Zero, Zero}) as iasl emits it.
Bytes aml_with_s5(std::uint8_t a, std::uint8_t b) {
  Bytes aml = {std::byte{0x10}, std::byte{0x05}, std::byte{'_'}, std::byte{'S'}, std::byte{'B'},
               std::byte{'_'}, std::byte{0x5b}};
  const std::uint8_t s5[] = {0x08, '_', 'S', '5', '_', 0x12, 0x08, 0x04, 0x0a, a, 0x0a, b, 0x00, 0x00};
  for (const auto v : s5) aml.push_back(std::byte{v});
  aml.push_back(std::byte{0xa4});
  return aml;
}

Bytes aml_bytes(std::initializer_list<int> values) {
  Bytes out;
  for (const int v : values) out.push_back(std::byte{static_cast<std::uint8_t>(v)});
  return out;
}

constexpr std::uint64_t RSDP = 0xf5a40;
constexpr std::uint64_t RSDT = 0x7ffe1000;
constexpr std::uint64_t XSDT = 0x7ffe2000;
constexpr std::uint64_t FACP = 0x7ffe3000;
constexpr std::uint64_t DSDT = 0x7ffe4000;
constexpr std::uint64_t APIC = 0x7ffe5000;
constexpr std::uint64_t SSDT = 0x7ffe6000;

class AcpiTest : public ::testing::Test {
 protected:
  void SetUp() override { memory().clear(); }
  void TearDown() override { memory().clear(); }

  // A complete ACPI 2.0+ machine: RSDP v2, XSDT and RSDT (FACP, APIC), DSDT with _S5_.
  void install_modern_machine() {
    memory()[RSDP] = make_rsdp(2, RSDT, XSDT);
    memory()[XSDT] = make_table("XSDT", 1, pointer_list({FACP, APIC}, 8));
    memory()[RSDT] = make_table("RSDT", 1, pointer_list({FACP, APIC}, 4));
    memory()[FACP] = make_table("FACP", 6, modern_fadt_body(DSDT));
    memory()[APIC] = make_table("APIC", 3, Bytes(8));
    memory()[DSDT] = make_table("DSDT", 2, aml_with_s5(5, 5));
  }
};

std::string summary_of(const AcpiTables& t) {
  keel::fmt::FixedString<1024> out;
  print_summary(out, t);
  return std::string(out.view());
}

std::string name_of(AcpiError e) { return error_name(e); }

// ---- Discovery ------------------------------------------------------------------------

TEST_F(AcpiTest, ModernMachineUsesXsdtAndFindsEverything) {
  install_modern_machine();
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value()) << name_of(t.error().error);
  EXPECT_EQ(t->rsdp.revision, 2);
  EXPECT_TRUE(t->via_xsdt);
  EXPECT_EQ(t->root_paddr, XSDT);
  EXPECT_FALSE(t->xsdt_failure.has_value());
  EXPECT_EQ(t->table_count, 3u);  // FACP APIC DSDT
  EXPECT_TRUE(t->has_table("FACP"));
  EXPECT_TRUE(t->has_table("APIC"));
  EXPECT_TRUE(t->has_table("DSDT"));
  EXPECT_EQ(t->bad_tables, 0u);

  ASSERT_TRUE(t->fadt.has_value());
  const Fadt& f = *t->fadt;
  EXPECT_EQ(f.revision, 6);
  EXPECT_EQ(f.pm1a_control.space(), AddressSpace::SystemIo);
  EXPECT_EQ(f.pm1a_control.address, 0x604u);
  EXPECT_EQ(f.pm1a_control.width_bits(), 16u);
  EXPECT_FALSE(f.pm1b_control.present());
  EXPECT_TRUE(f.reset_supported);
  EXPECT_EQ(f.reset_register.address, 0xcf9u);
  EXPECT_EQ(f.reset_value, 0x0f);
  EXPECT_EQ(f.dsdt_paddr, DSDT);
  EXPECT_EQ(f.smi_command, 0xb2u);
  EXPECT_EQ(f.acpi_enable, 0xf1);
  EXPECT_FALSE(f.hardware_reduced);

  ASSERT_TRUE(t->s5.has_value());
  EXPECT_EQ(t->s5->a, 5);
  EXPECT_EQ(t->s5->b, 5);

  const std::string line = summary_of(*t);
  EXPECT_NE(line.find("ACPI 2.0+ (RSDP rev 2 at 0xf5a40)"), std::string::npos) << line;
  EXPECT_NE(line.find("OEM \"KEELOE\""), std::string::npos) << line;
  EXPECT_NE(line.find("XSDT at 0x7ffe2000: FACP APIC DSDT"), std::string::npos) << line;
  EXPECT_NE(line.find("S5 SLP_TYP 5/5"), std::string::npos) << line;
  EXPECT_NE(line.find("PM1a_CNT io 0x604/16"), std::string::npos) << line;
  EXPECT_NE(line.find("reset io 0xcf9/8 <- 0xf"), std::string::npos) << line;
  EXPECT_EQ(line.find("warning"), std::string::npos) << line;
}

TEST_F(AcpiTest, OemIdIsPrintedSafely) {
  install_modern_machine();
  Bytes rsdp = make_rsdp(2, RSDT, XSDT);
  put_text(rsdp, 9, std::string_view("AB\x01\0\0\0", 6));
  fix_checksum(rsdp, 8, 20);
  fix_checksum(rsdp, 32, 36);
  memory()[RSDP] = rsdp;
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_NE(summary_of(*t).find("OEM \"AB?\","), std::string::npos) << summary_of(*t);
}

TEST_F(AcpiTest, UnknownRevisionIsReadFromTheRsdp) {
  install_modern_machine();
  const auto t = discover(&read_sim, RSDP, RSDP_REVISION_UNKNOWN);
  ASSERT_TRUE(t.has_value());
  EXPECT_TRUE(t->via_xsdt);
}

TEST_F(AcpiTest, Acpi1MachineUsesRsdtAndLegacyFadt) {
  memory()[RSDP] = make_rsdp(0, RSDT, 0);
  memory()[RSDT] = make_table("RSDT", 1, pointer_list({FACP}, 4));
  memory()[FACP] = make_table("FACP", 1, legacy_fadt_body(DSDT, 0x4004, 0x8004));
  memory()[DSDT] = make_table("DSDT", 1, aml_with_s5(7, 3));
  const auto t = discover(&read_sim, RSDP, 0);
  ASSERT_TRUE(t.has_value()) << name_of(t.error().error);
  EXPECT_FALSE(t->via_xsdt);
  EXPECT_EQ(t->root_paddr, RSDT);
  ASSERT_TRUE(t->fadt.has_value());
  EXPECT_EQ(t->fadt->pm1a_control.address, 0x4004u);
  EXPECT_EQ(t->fadt->pm1a_control.space(), AddressSpace::SystemIo);
  EXPECT_EQ(t->fadt->pm1b_control.address, 0x8004u);
  EXPECT_FALSE(t->fadt->reset_supported);  // revision 1 has no reset register
  ASSERT_TRUE(t->s5.has_value());
  EXPECT_EQ(t->s5->a, 7);
  EXPECT_EQ(t->s5->b, 3);
  EXPECT_NE(summary_of(*t).find("ACPI 1.0"), std::string::npos);
}

TEST_F(AcpiTest, LoaderRevisionZeroNeverReadsPastTheV1Copy) {
  install_modern_machine();
  // multiboot2 tag 14: a 20-byte copy of a revision-2 RSDP. ASan catches a longer read.
  Bytes copy = make_rsdp(2, RSDT, XSDT);
  copy.resize(20);
  memory()[RSDP] = copy;
  const auto t = discover(&read_sim, RSDP, 0);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->via_xsdt);
  EXPECT_EQ(t->root_paddr, RSDT);
}

TEST_F(AcpiTest, BadXsdtFallsBackToRsdt) {
  install_modern_machine();
  memory()[XSDT][40] ^= std::byte{1};  // breaks the checksum
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_FALSE(t->via_xsdt);
  ASSERT_TRUE(t->xsdt_failure.has_value());
  EXPECT_EQ(t->xsdt_failure->error, AcpiError::BadTableChecksum);
  EXPECT_NE(summary_of(*t).find("XSDT unusable (BadTableChecksum (XSDT at 0x7ffe2000))"),
            std::string::npos)
      << summary_of(*t);
}

TEST_F(AcpiTest, RsdpErrors) {
  install_modern_machine();
  EXPECT_EQ(discover(&read_sim, 0, 2).error().error, AcpiError::RsdpUnreadable);
  EXPECT_EQ(discover(&read_sim, 0x1234, 2).error().error, AcpiError::RsdpUnreadable);

  memory()[RSDP][0] = std::byte{'X'};
  EXPECT_EQ(discover(&read_sim, RSDP, 2).error().error, AcpiError::BadRsdpSignature);

  memory()[RSDP] = make_rsdp(2, RSDT, XSDT);
  memory()[RSDP][16] ^= std::byte{1};  // inside the first 20 bytes
  EXPECT_EQ(discover(&read_sim, RSDP, 2).error().error, AcpiError::BadRsdpChecksum);

  memory()[RSDP] = make_rsdp(2, RSDT, XSDT);
  memory()[RSDP][24] ^= std::byte{1};  // the XSDT address: only the extended checksum
  EXPECT_EQ(discover(&read_sim, RSDP, 2).error().error, AcpiError::BadRsdpExtendedChecksum);

  memory()[RSDP] = make_rsdp(2, RSDT, XSDT);
  memory()[RSDP].resize(30);  // revision 2 but the structure is cut short
  EXPECT_EQ(discover(&read_sim, RSDP, 2).error().error, AcpiError::BadRsdpLength);

  memory()[RSDP] = make_rsdp(0, 0, 0);
  const auto none = discover(&read_sim, RSDP, 0);
  ASSERT_FALSE(none.has_value());
  EXPECT_EQ(none.error().error, AcpiError::NoRootTable);
}

TEST_F(AcpiTest, GarbledEntriesAreSkippedAndCounted) {
  install_modern_machine();
  memory()[XSDT] = make_table("XSDT", 1, pointer_list({0xdead0000, APIC, FACP, SSDT}, 8));
  memory()[APIC][40] ^= std::byte{0xff};               // bad checksum
  memory()[SSDT] = make_table("SSDT", 1, Bytes(64));
  memory()[SSDT].resize(80);                           // length says 100, only 80 readable
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->bad_tables, 3u);
  ASSERT_TRUE(t->first_bad_table.has_value());
  EXPECT_EQ(t->first_bad_table->error, AcpiError::TableUnreadable);
  EXPECT_EQ(t->first_bad_table->paddr, 0xdead0000u);
  EXPECT_TRUE(t->fadt.has_value());
  EXPECT_TRUE(t->s5.has_value());
  EXPECT_NE(summary_of(*t).find("3 table(s) skipped as invalid; first: TableUnreadable (at 0xdead0000)"),
            std::string::npos)
      << summary_of(*t);
}

TEST_F(AcpiTest, TableLengthChecks) {
  Bytes tiny = make_table("APIC", 1, {});
  put<std::uint32_t>(tiny, 4, 20);
  memory()[APIC] = tiny;
  EXPECT_EQ(read_table(&read_sim, APIC).error().error, AcpiError::TableTooShort);

  Bytes huge = make_table("APIC", 1, {});
  put<std::uint32_t>(huge, 4, 0xffffff00u);
  memory()[APIC] = huge;
  EXPECT_EQ(read_table(&read_sim, APIC).error().error, AcpiError::TableTooLong);

  memory()[APIC] = make_table("APIC", 1, Bytes(4));
  const auto wrong = read_table(&read_sim, APIC, "FACP");
  ASSERT_FALSE(wrong.has_value());
  EXPECT_EQ(wrong.error().error, AcpiError::WrongSignature);
  keel::fmt::FixedString<128> text;
  keel::fmt::print(text, "{}", wrong.error());
  EXPECT_EQ(text.view(), "WrongSignature (APIC at 0x7ffe5000)");

  memory()[APIC].resize(TABLE_HEADER_SIZE - 1);
  EXPECT_EQ(read_table(&read_sim, APIC).error().error, AcpiError::TableUnreadable);
}

TEST_F(AcpiTest, MissingFadtAndShortFadt) {
  install_modern_machine();
  memory()[XSDT] = make_table("XSDT", 1, pointer_list({APIC}, 8));
  auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->fadt.error().error, AcpiError::NoFadt);
  EXPECT_FALSE(t->s5.has_value());
  EXPECT_NE(summary_of(*t).find("no usable FADT (NoFadt)"), std::string::npos) << summary_of(*t);

  install_modern_machine();
  memory()[FACP] = make_table("FACP", 1, Bytes(60));
  t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->fadt.error().error, AcpiError::TableTooShort);
}

TEST_F(AcpiTest, MissingS5IsReportedWithTheDsdt) {
  install_modern_machine();
  memory()[DSDT] = make_table("DSDT", 2, aml_bytes({0x10, 0x05, '_', 'S', 'B', '_', 0x5b}));
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  ASSERT_FALSE(t->s5.has_value());
  EXPECT_EQ(t->s5.error().error, AcpiError::NoS5);
  EXPECT_EQ(t->s5.error().paddr, DSDT);
  EXPECT_NE(summary_of(*t).find("no S5 sleep type (NoS5 (DSDT at 0x7ffe4000))"), std::string::npos)
      << summary_of(*t);
}

TEST_F(AcpiTest, S5InAnSsdtIsFoundWhenTheDsdtHasNone) {
  install_modern_machine();
  memory()[DSDT] = make_table("DSDT", 2, aml_bytes({0x5b, 0x80}));
  memory()[SSDT] = make_table("SSDT", 2, aml_with_s5(2, 6));
  memory()[XSDT] = make_table("XSDT", 1, pointer_list({FACP, SSDT}, 8));
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  ASSERT_TRUE(t->s5.has_value());
  EXPECT_EQ(t->s5->a, 2);
  EXPECT_EQ(t->s5->b, 6);
  EXPECT_EQ(t->s5_source, signature_of("SSDT"));
}

TEST_F(AcpiTest, BadDsdtChecksumIsTheS5Error) {
  install_modern_machine();
  memory()[DSDT][40] ^= std::byte{0x10};
  const auto t = discover(&read_sim, RSDP, 2);
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->s5.error().error, AcpiError::BadTableChecksum);
}

TEST_F(AcpiTest, HardwareReducedFadt) {
  // QEMU microvm: no PM1 blocks; sleep control and reset registers in the GED's MMIO.
  Bytes body(276 - TABLE_HEADER_SIZE);
  put<std::uint32_t>(body, 112 - 36, FADT_HW_REDUCED_ACPI | FADT_RESET_REG_SUP);
  put_gas(body, 116, 0, 8, 0xfea00002);
  put<std::uint8_t>(body, 128 - 36, 0x42);
  put<std::uint64_t>(body, 140 - 36, DSDT);
  put_gas(body, 244, 0, 8, 0xfea00000);
  put_gas(body, 256, 0, 8, 0xfea00001);
  memory()[FACP] = make_table("FACP", 5, body);
  const auto facp = read_table(&read_sim, FACP, "FACP");
  ASSERT_TRUE(facp.has_value());
  const auto f = parse_fadt(*facp);
  ASSERT_TRUE(f.has_value());
  EXPECT_TRUE(f->hardware_reduced);
  EXPECT_FALSE(f->pm1a_control.present());
  EXPECT_EQ(f->sleep_control.space(), AddressSpace::SystemMemory);
  EXPECT_EQ(f->sleep_control.address, 0xfea00000u);
  EXPECT_TRUE(f->reset_supported);
  EXPECT_EQ(f->reset_register.address, 0xfea00002u);
  EXPECT_EQ(f->reset_value, 0x42);
}

TEST_F(AcpiTest, ExtendedPm1WithoutAddressFallsBackToLegacyPort) {
  Bytes body = modern_fadt_body(DSDT);
  put_gas(body, 172, 1, 16, 0);  // X_PM1a_CNT_BLK present in the table but zero
  put<std::uint32_t>(body, 64 - 36, 0xb004);
  memory()[FACP] = make_table("FACP", 4, body);
  const auto f = parse_fadt(*read_table(&read_sim, FACP, "FACP"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->pm1a_control.address, 0xb004u);
  EXPECT_EQ(f->pm1a_control.width_bits(), 16u);
}

TEST_F(AcpiTest, ResetRegisterNeedsTheFlag) {
  Bytes body = modern_fadt_body(DSDT);
  put<std::uint32_t>(body, 112 - 36, 0);
  memory()[FACP] = make_table("FACP", 6, body);
  const auto f = parse_fadt(*read_table(&read_sim, FACP, "FACP"));
  ASSERT_TRUE(f.has_value());
  EXPECT_FALSE(f->reset_supported);
}

// ---- RSDP scan ------------------------------------------------------------------------

TEST_F(AcpiTest, ScanFindsOnlyAlignedRsdpsWithValidChecksums) {
  install_modern_machine();
  Bytes area(0x20000);
  Bytes broken = make_rsdp(2, RSDT, XSDT);
  broken[16] ^= std::byte{1};
  std::memcpy(area.data() + 0x100, broken.data(), broken.size());        // bad checksum
  const Bytes good = make_rsdp(2, RSDT, XSDT);
  std::memcpy(area.data() + 0x208, good.data(), good.size());            // not 16-aligned
  std::memcpy(area.data() + 0x1ffd0, good.data(), good.size());     // the real one
  memory().erase(RSDP);
  memory()[0xe0000] = area;
  const auto found = scan_for_rsdp(&read_sim, 0xe0000, 0x20000);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(found->paddr, 0xe0000u + 0x1ffd0);
  EXPECT_EQ(found->xsdt_paddr, XSDT);

  memory()[0xe0000] = Bytes(0x20000);
  EXPECT_FALSE(scan_for_rsdp(&read_sim, 0xe0000, 0x20000).has_value());
  EXPECT_FALSE(scan_for_rsdp(&read_sim, 0x9fc00, 0x400).has_value());  // unreadable
}

// ---- AML _S5_ scan --------------------------------------------------------------------

[[nodiscard]] std::expected<SleepType, AcpiError> scan(std::initializer_list<int> aml) {
  const Bytes bytes = aml_bytes(aml);
  return find_s5_sleep_type(bytes);
}

TEST(S5Scan, Encodings) {
  auto s = scan({0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x00, 0x00, 0x00, 0x00});  // QEMU pc
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->a, 0);
  EXPECT_EQ(s->b, 0);
  s = scan({0x08, '\\', '_', 'S', '5', '_', 0x12, 0x06, 0x02, 0x01, 0x0b, 0x07, 0x00});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->a, 1);
  EXPECT_EQ(s->b, 7);
  // One element only: SLP_TYPb is 0.
  s = scan({0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x01, 0x0a, 0x05});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->a, 5);
  EXPECT_EQ(s->b, 0);
  // A two-byte PkgLength (lead 0x40 | low nibble, then the next 8 bits).
  s = scan({0x08, '_', 'S', '5', '_', 0x12, 0x4a, 0x00, 0x02, 0x0a, 0x03, 0x0c, 0x04, 0, 0, 0});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->a, 3);
  EXPECT_EQ(s->b, 4);
}

TEST(S5Scan, ReferencesAreSkipped) {
  // "_S5_" used as a name reference (e.g. inside a method), then the real definition.
  const auto s = scan({0x70, '_', 'S', '5', '_', 0x60, 0x08, '_', 'S', '5', '_', 0x12, 0x06,
                       0x04, 0x0a, 0x06, 0x0a, 0x06, 0x00, 0x00});
  ASSERT_TRUE(s.has_value());
  EXPECT_EQ(s->a, 6);
}

TEST(S5Scan, MissingAndMalformed) {
  EXPECT_EQ(scan({}).error(), AcpiError::NoS5);
  EXPECT_EQ(scan({'_', 'S', '5', '_'}).error(), AcpiError::NoS5);  // no NameOp before it
  EXPECT_EQ(scan({0x08, '_', 'S', '4', '_', 0x12, 0x06, 0x04, 0, 0, 0, 0}).error(), AcpiError::NoS5);
  // Truncated right after the name, inside PkgLength, before the elements, mid-element.
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_'}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x41}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x06}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x06, 0x04, 0x0a}).error(), AcpiError::BadS5Package);
  // PkgLength past the end of the table.
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x3f, 0x02, 0x00, 0x00}).error(), AcpiError::BadS5Package);
  // Not a package; an element that is not a constant; zero elements; SLP_TYP over 7.
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x0a, 0x05}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x04, 0x02, 0x70, 0x00}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x00}).error(), AcpiError::BadS5Package);
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x05, 0x02, 0x0a, 0x08, 0x00}).error(), AcpiError::BadS5Package);
  // Elements running past the package's own length.
  EXPECT_EQ(scan({0x08, '_', 'S', '5', '_', 0x12, 0x02, 0x02, 0x0a, 0x01, 0x0a, 0x01}).error(),
            AcpiError::BadS5Package);
}

}  // namespace
}  // namespace arch::acpi
