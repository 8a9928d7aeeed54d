#include "arch/x86_64/acpi/discovery.h"

#include <string_view>

#include "lib/fmt/format.h"

namespace arch::acpi {
namespace {

struct RootTable {
  Table table;
  std::size_t entry_size = 4;  // RSDT: 32-bit pointers; XSDT: 64-bit

  std::size_t entry_count() const { return table.body().size() / entry_size; }
  std::uint64_t entry(std::size_t i) const {
    const std::size_t offset = TABLE_HEADER_SIZE + i * entry_size;
    if (entry_size == 8) return read_field<std::uint64_t>(table.bytes, offset).value_or(0);
    return read_field<std::uint32_t>(table.bytes, offset).value_or(0);
  }
};

// The XSDT when the RSDP names one and it is valid, else the RSDT.
[[nodiscard]] std::expected<RootTable, AcpiFailure> read_root_table(PhysReader read, const Rsdp& rsdp,
                                                      AcpiTables& out) {
  if (rsdp.xsdt_paddr != 0) {
    auto xsdt = read_table(read, rsdp.xsdt_paddr, "XSDT");
    if (xsdt) return RootTable{*xsdt, 8};
    out.xsdt_failure = xsdt.error();
  }
  if (rsdp.rsdt_paddr == 0) {
    if (out.xsdt_failure) return std::unexpected(*out.xsdt_failure);
    return std::unexpected(AcpiFailure{AcpiError::NoRootTable, signature_of("RSD "), rsdp.paddr});
  }
  auto rsdt = read_table(read, rsdp.rsdt_paddr, "RSDT");
  if (!rsdt) return std::unexpected(rsdt.error());
  return RootTable{*rsdt, 4};
}

void record(AcpiTables& out, const Table& table) {
  if (out.table_count == out.tables.size()) {
    ++out.tables_not_listed;
    return;
  }
  out.tables[out.table_count++] =
      TableEntry{table.signature, table.paddr, static_cast<std::uint32_t>(table.bytes.size())};
}

void record_bad(AcpiTables& out, const AcpiFailure& failure) {
  if (out.bad_tables++ == 0) out.first_bad_table = failure;
}

// The DSDT's _S5_, else the first SSDT that has one.
void find_s5(PhysReader read, AcpiTables& out, std::span<const std::uint64_t> ssdts) {
  if (out.fadt->dsdt_paddr == 0) {
    out.s5 = std::unexpected(AcpiFailure{AcpiError::NoDsdt, signature_of("FACP"), out.fadt->paddr});
    return;
  }
  auto dsdt = read_table(read, out.fadt->dsdt_paddr, "DSDT");
  if (!dsdt) {
    out.s5 = std::unexpected(dsdt.error());
    return;
  }
  record(out, *dsdt);
  auto found = find_s5_sleep_type(dsdt->body());
  if (found) {
    out.s5 = *found;
    out.s5_source = dsdt->signature;
    return;
  }
  out.s5 = std::unexpected(AcpiFailure{found.error(), dsdt->signature, dsdt->paddr});
  if (found.error() != AcpiError::NoS5) return;
  for (const std::uint64_t paddr : ssdts) {
    auto ssdt = read_table(read, paddr, "SSDT");
    if (!ssdt) continue;  // already counted as bad while walking the root table
    if (auto in_ssdt = find_s5_sleep_type(ssdt->body()); in_ssdt) {
      out.s5 = *in_ssdt;
      out.s5_source = ssdt->signature;
      return;
    }
  }
}

// The OEM ID for printing: up to the first NUL, non-printable bytes as '?'.
struct OemIdText {
  char text[6];
  std::size_t length;
};
OemIdText printable_oem_id(const std::array<char, 6>& oem) {
  OemIdText out{};
  while (out.length < oem.size() && oem[out.length] != '\0') {
    const char c = oem[out.length];
    out.text[out.length++] = (c >= 0x20 && c < 0x7f) ? c : '?';
  }
  return out;
}

}  // namespace

bool AcpiTables::has_table(std::string_view signature) const {
  const auto wanted = signature_of(signature);
  for (std::size_t i = 0; i < table_count; ++i) {
    if (tables[i].signature == wanted) return true;
  }
  return false;
}

[[nodiscard]] std::expected<AcpiTables, AcpiFailure> discover(PhysReader read, std::uint64_t rsdp_paddr,
                                                std::uint8_t revision_hint) {
  AcpiTables out;
  auto rsdp = read_rsdp(read, rsdp_paddr, revision_hint);
  if (!rsdp) return std::unexpected(rsdp.error());
  out.rsdp = *rsdp;

  auto root = read_root_table(read, out.rsdp, out);
  if (!root) return std::unexpected(root.error());
  out.via_xsdt = root->entry_size == 8;
  out.root_paddr = root->table.paddr;

  std::array<std::uint64_t, MAX_SSDTS_SCANNED> ssdts{};
  std::size_t ssdt_count = 0;
  for (std::size_t i = 0; i < root->entry_count(); ++i) {
    const std::uint64_t paddr = root->entry(i);
    auto table = read_table(read, paddr);
    if (!table) {
      record_bad(out, table.error());
      continue;
    }
    record(out, *table);
    if (table->is("FACP") && !out.fadt) {
      out.fadt = parse_fadt(*table);
    } else if (table->is("SSDT") && ssdt_count < ssdts.size()) {
      ssdts[ssdt_count++] = paddr;
    }
  }
  if (out.fadt) {
    find_s5(read, out, std::span(ssdts.data(), ssdt_count));
  } else {
    out.s5 = std::unexpected(out.fadt.error());
  }
  return out;
}

void print_summary(keel::fmt::Sink& sink, const AcpiTables& t) {
  const OemIdText oem = printable_oem_id(t.rsdp.oem_id);
  keel::fmt::print(sink, "acpi: ACPI {} (RSDP rev {} at {:#x}), OEM \"{}\", {} at {:#x}:",
             t.via_xsdt ? "2.0+" : "1.0", t.rsdp.revision, t.rsdp.paddr,
             std::string_view(oem.text, oem.length), t.via_xsdt ? "XSDT" : "RSDT", t.root_paddr);
  for (std::size_t i = 0; i < t.table_count; ++i) keel::fmt::print(sink, " {}", Signature{t.tables[i].signature});
  if (t.tables_not_listed != 0) keel::fmt::print(sink, " (+{} more)", t.tables_not_listed);
  if (t.s5) {
    keel::fmt::print(sink, "; S5 SLP_TYP {}/{}", t.s5->a, t.s5->b);
  } else {
    keel::fmt::print(sink, "; S5 unknown");
  }
  if (t.fadt) {
    const Fadt& f = *t.fadt;
    if (f.hardware_reduced) {
      keel::fmt::print(sink, "; hardware-reduced, SLEEP_CONTROL {}", f.sleep_control);
    } else {
      keel::fmt::print(sink, "; PM1a_CNT {}", f.pm1a_control);
      if (f.pm1b_control.present()) keel::fmt::print(sink, " PM1b_CNT {}", f.pm1b_control);
    }
    if (f.reset_supported) {
      keel::fmt::print(sink, "; reset {} <- {:#x}", f.reset_register, f.reset_value);
    } else {
      sink.write("; no reset register");
    }
  }
  sink.write("\n");

  if (t.xsdt_failure) {
    keel::fmt::print(sink, "acpi: warning: XSDT unusable ({}); using the RSDT\n", *t.xsdt_failure);
  }
  if (t.bad_tables != 0) {
    keel::fmt::print(sink, "acpi: warning: {} table(s) skipped as invalid; first: {}\n", t.bad_tables,
               *t.first_bad_table);
  }
  if (!t.fadt) keel::fmt::print(sink, "acpi: warning: no usable FADT ({}): no ACPI power-off or reset\n", t.fadt.error());
  else if (!t.s5) keel::fmt::print(sink, "acpi: warning: no S5 sleep type ({}): no ACPI power-off\n", t.s5.error());
}

}  // namespace arch::acpi
