#include "arch/x86_64/power.h"

#include <cstdint>

#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/acpi/register_access.h"
#include "arch/x86_64/cpu.h"
#include "kernel/console.h"

namespace arch {
namespace {

using acpi::GenericAddress;

// PM1 control register bits (ACPI 6.5, 4.8.4.2.1).
constexpr std::uint64_t PM1_SCI_EN = 1u << 0;
constexpr unsigned PM1_SLP_TYP_SHIFT = 10;
constexpr std::uint64_t PM1_SLP_TYP_MASK = 7u << PM1_SLP_TYP_SHIFT;
constexpr std::uint64_t PM1_SLP_EN = 1u << 13;
// Sleep control register (hardware-reduced ACPI, 4.8.3.7).
constexpr unsigned SLEEP_CONTROL_SLP_TYP_SHIFT = 2;
constexpr std::uint64_t SLEEP_CONTROL_SLP_EN = 1u << 5;

constexpr std::uint16_t KBC_STATUS_COMMAND = 0x64;
constexpr std::uint8_t KBC_INPUT_BUFFER_FULL = 1u << 1;
constexpr std::uint8_t KBC_PULSE_RESET_LINE = 0xfe;

// Power and reset requests can take effect asynchronously (QEMU handles them in its main
// loop; chipsets need a moment), so each attempt gets time before the next one.
// io_wait() is a ~1 µs port-0x80 write: no timer is needed.
void wait_about_ms(unsigned ms) {
  for (unsigned i = 0; i < ms * 1000; ++i) io_wait();
}

// Legacy-mode firmware (SCI_EN clear) may ignore SLP_EN until the OS asks for ACPI mode.
void enter_acpi_mode(const acpi::Fadt& fadt) {
  const auto control = acpi::read_register(fadt.pm1a_control);
  if (!control || (*control & PM1_SCI_EN) != 0) return;
  if (fadt.smi_command == 0 || fadt.acpi_enable == 0 || fadt.smi_command > 0xffff) return;
  kernel::console_print("power: enabling ACPI mode (SMI_CMD {:#x} <- {:#x})\n", fadt.smi_command,
                 fadt.acpi_enable);
  outb(static_cast<std::uint16_t>(fadt.smi_command), fadt.acpi_enable);
  for (unsigned ms = 0; ms < 1000; ++ms) {
    const auto now = acpi::read_register(fadt.pm1a_control);
    if (now && (*now & PM1_SCI_EN) != 0) return;
    wait_about_ms(1);
  }
  kernel::console_print("power: warning: SCI_EN still clear after 1 s; trying S5 anyway\n");
}

bool write_pm1_sleep(const GenericAddress& reg, std::uint8_t sleep_type) {
  const std::uint64_t current = acpi::read_register(reg).value_or(0);
  const std::uint64_t typed =
      (current & ~(PM1_SLP_TYP_MASK | PM1_SLP_EN)) | (std::uint64_t{sleep_type} << PM1_SLP_TYP_SHIFT);
  // SLP_TYP first, then SLP_EN with it, as the ACPI spec's sleep sequence does.
  return acpi::write_register(reg, typed) && acpi::write_register(reg, typed | PM1_SLP_EN);
}

// Returns only if S5 could not be requested or did not take effect.
void try_acpi_s5() {
  const acpi::AcpiTables* tables = acpi::tables();
  if (tables == nullptr) {
    const auto why = acpi::init_failure();
    if (why) kernel::console_print("power: no ACPI ({}); cannot power off\n", *why);
    else kernel::console_print("power: ACPI was not initialized (arch::acpi::init); cannot power off\n");
    return;
  }
  if (!tables->fadt) {
    kernel::console_print("power: no usable FADT ({}); cannot power off\n", tables->fadt.error());
    return;
  }
  if (!tables->s5) {
    kernel::console_print("power: no \\_S5_ sleep type ({}); cannot power off\n", tables->s5.error());
    return;
  }
  const acpi::Fadt& fadt = *tables->fadt;
  const acpi::SleepType s5 = *tables->s5;

  if (fadt.hardware_reduced && fadt.sleep_control.present()) {
    kernel::console_print("power: ACPI S5: SLP_TYP {} to SLEEP_CONTROL {}\n", s5.a, fadt.sleep_control);
    const std::uint64_t value = (std::uint64_t{s5.a} << SLEEP_CONTROL_SLP_TYP_SHIFT) | SLEEP_CONTROL_SLP_EN;
    if (!acpi::write_register(fadt.sleep_control, value)) {
      kernel::console_print("power: cannot access SLEEP_CONTROL {}\n", fadt.sleep_control);
      return;
    }
  } else if (fadt.pm1a_control.present()) {
    enter_acpi_mode(fadt);
    kernel::console_print("power: ACPI S5: SLP_TYPa {} to PM1a_CNT {}", s5.a, fadt.pm1a_control);
    if (fadt.pm1b_control.present()) {
      kernel::console_print(", SLP_TYPb {} to PM1b_CNT {}", s5.b, fadt.pm1b_control);
    }
    kernel::console_print("\n");
    if (!write_pm1_sleep(fadt.pm1a_control, s5.a)) {
      kernel::console_print("power: cannot access PM1a_CNT {}\n", fadt.pm1a_control);
      return;
    }
    if (fadt.pm1b_control.present()) write_pm1_sleep(fadt.pm1b_control, s5.b);
  } else {
    kernel::console_print("power: the FADT has neither PM1a_CNT nor SLEEP_CONTROL; cannot power off\n");
    return;
  }
  wait_about_ms(1000);
  kernel::console_print("power: the machine is still running 1 s after the S5 request\n");
}

void try_acpi_reset() {
  const acpi::AcpiTables* tables = acpi::tables();
  if (tables == nullptr || !tables->fadt || !tables->fadt->reset_supported) {
    kernel::console_print("reboot: no ACPI reset register\n");
    return;
  }
  const acpi::Fadt& fadt = *tables->fadt;
  kernel::console_print("reboot: ACPI reset register {} <- {:#x}\n", fadt.reset_register, fadt.reset_value);
  if (!acpi::write_register(fadt.reset_register, fadt.reset_value)) {
    kernel::console_print("reboot: cannot access the reset register {}\n", fadt.reset_register);
    return;
  }
  wait_about_ms(500);
}

void try_keyboard_controller_reset() {
  kernel::console_print("reboot: 8042 keyboard controller reset (port {:#x} <- {:#x})\n",
                 KBC_STATUS_COMMAND, KBC_PULSE_RESET_LINE);
  // Wait (bounded) for the controller to accept a command; a missing 8042 reads 0xff.
  for (unsigned i = 0; i < 100000 && (inb(KBC_STATUS_COMMAND) & KBC_INPUT_BUFFER_FULL) != 0; ++i) {
    pause();
  }
  outb(KBC_STATUS_COMMAND, KBC_PULSE_RESET_LINE);
  wait_about_ms(500);
}

[[noreturn]] void triple_fault() {
  kernel::console_print("reboot: forcing a triple fault (empty IDT, int3)\n");
  struct [[gnu::packed]] {
    std::uint16_t limit;
    std::uint64_t base;
  } const empty_idt{0, 0};
  asm volatile("lidt %0; int3" : : "m"(empty_idt) : "memory");
  halt_forever();
}

}  // namespace

void power_off() {
  cli();
  kernel::console_print("power: powering off\n");
  try_acpi_s5();
  kernel::console_print("power: ACPI power-off failed; halted (it is safe to switch the machine off)\n");
  halt_forever();
}

void reboot() {
  cli();
  kernel::console_print("reboot: rebooting\n");
  try_acpi_reset();
  try_keyboard_controller_reset();
  triple_fault();
}

}  // namespace arch
