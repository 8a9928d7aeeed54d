// In-kernel tests against the firmware's real ACPI tables: every machine keel boots on
// (QEMU pc/q35/microvm, real boxes) must give a FADT, a DSDT and an \_S5_ package.
#define KTEST_SUITE "arch.x86_64.acpi"
#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/acpi/register_access.h"
#include "kernel/ktest/ktest.h"

namespace arch::acpi {
namespace {

const arch::acpi::AcpiTables* tables_or_diagnostic(kernel::ktest::Context& ktest_ctx) {
  const auto* tables = arch::acpi::tables();
  if (tables != nullptr) return tables;
  if (const auto why = arch::acpi::init_failure()) {
    ktest_ctx.print_diagnostic("ACPI unusable: {}", *why);
  } else {
    ktest_ctx.print_diagnostic("arch::acpi::init() did not run before the tests");
  }
  return nullptr;
}

KTEST(tables_are_found_and_valid) {
  const auto* t = tables_or_diagnostic(ktest_ctx);
  KTEST_ASSERT_TRUE(t != nullptr);
  KEXPECT_TRUE(t->has_table("FACP"));
  KEXPECT_TRUE(t->has_table("DSDT"));
  KEXPECT_EQ(t->bad_tables, 0u);
  KEXPECT_TRUE(t->rsdp.rsdt_paddr != 0 || t->rsdp.xsdt_paddr != 0);
  if (t->rsdp.xsdt_paddr != 0) KEXPECT_TRUE(t->via_xsdt);
}

KTEST(power_off_registers_and_s5_are_known) {
  const auto* t = tables_or_diagnostic(ktest_ctx);
  KTEST_ASSERT_TRUE(t != nullptr);
  KTEST_ASSERT_TRUE(t->fadt.has_value());
  KEXPECT_TRUE(t->s5.has_value());
  const auto& fadt = *t->fadt;
  if (fadt.hardware_reduced) {
    KEXPECT_TRUE(fadt.sleep_control.present());
  } else {
    KEXPECT_TRUE(fadt.pm1a_control.present());
    // Reading PM1a_CNT has no side effect; it proves the register is reachable.
    KEXPECT_TRUE(arch::acpi::read_register(fadt.pm1a_control).has_value());
  }
}

// The fallback scan finds the same tables the loader pointed at (BIOS and PVH firmware
// keep the RSDP in the BIOS area; the loader's RSDP may be a copy elsewhere).
KTEST(bios_area_scan_agrees_with_the_loader) {
  const auto* t = tables_or_diagnostic(ktest_ctx);
  KTEST_ASSERT_TRUE(t != nullptr);
  const auto scanned = arch::acpi::find_rsdp_in_bios_areas();
  if (!scanned) {
    ktest_ctx.skip("no RSDP in the BIOS area (UEFI firmware need not put one there)");
    return;
  }
  KEXPECT_EQ(scanned->rsdt_paddr, t->rsdp.rsdt_paddr);
  if (t->via_xsdt) KEXPECT_EQ(scanned->xsdt_paddr, t->rsdp.xsdt_paddr);
}

}  // namespace

}  // namespace arch::acpi
