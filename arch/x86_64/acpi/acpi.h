// ACPI in the kernel: finds the RSDP (the loader's, else a BIOS-area scan), validates the
// tables through the early linear map and keeps what power.cc needs. The parsing itself
// is portable (discovery.h).
#pragma once

#include <expected>
#include <optional>
#include <string_view>

#include "arch/x86_64/acpi/discovery.h"
#include "arch/x86_64/acpi/madt.h"
#include "boot/boot_info.h"
#include "lib/fmt/format_fwd.h"

namespace arch::acpi {

// Call once from kernel_main, after the consoles and the boot info and before anything
// calls power_off()/reboot(). Prints the one-line summary (plus warning lines for any
// problem) to `sink`. The RSDP is scanned for in the EBDA and 0xE0000-0xFFFFF only when
// the loader gave none.
void init(const boot::BootInfo& info, keel::fmt::Sink& sink);

// What init() found; nullptr before init() or when no usable RSDP/root table exists.
const AcpiTables* tables();
// Why tables() is nullptr after init() (nullopt before init() or on success).
std::optional<AcpiFailure> init_failure();

// The MADT, parsed during init() (firmware may keep its tables in reserved memory that
// only the early linear map covers): its value, the reason it is unusable, or nullopt
// when init() found no "APIC" table.
const std::optional<std::expected<Madt, AcpiFailure>>& madt();

// Reads and validates the table at `paddr` through the linear map (see read_table).
[[nodiscard]] std::expected<Table, AcpiFailure> read_table_in_kernel(std::uint64_t paddr,
                                                       std::string_view expected_signature);

// The BIOS way of finding the RSDP: the first KiB of the EBDA, then 0xE0000-0xFFFFF.
// init() uses it only when the loader passed none (UEFI firmware need not put one there).
std::optional<Rsdp> find_rsdp_in_bios_areas();

}  // namespace arch::acpi
