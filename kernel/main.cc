#include "kernel/main.h"

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/qemu_exit.h"
#include "arch/x86_64/smp/idle_work.h"
#include "arch/x86_64/smp/smp.h"
#include "boot/cmdline.h"
#include "kernel/banner.h"
#include "kernel/boot_phases.h"
#include "kernel/boot_world.h"
#include "kernel/console.h"
#include "kernel/kbench/run.h"
#include "kernel/kbench/screen_report.h"
#include "kernel/ktest/ktest.h"
#include "kernel/mm_init/mm_init.h"

namespace kernel {
namespace {

// Keys keel understands; anything else on the command line is warned about, not fatal.
constexpr std::array<std::string_view, 12> KNOWN_KEYS = {
    "ktest", "ktest.filter", "kbench", "kbench.", "console", "mm.check", "poweroff", "reboot",
    "no1gb", "smp", "smp.fault_ap", "quiet"};

// Ends the boot as the command line asks: `poweroff` (ACPI S5), `reboot`, or else a halt
// that says so on every console. `after` names what just finished, for the messages.
[[noreturn]] void end_as_asked(const boot::Cmdline& cmdline, std::string_view after) {
  const bool power_off = cmdline.has("poweroff"), reboot = cmdline.has("reboot");
  if (power_off && reboot) {
    kernel::console_print("keel: both poweroff and reboot on the command line; powering off\n");
  }
  if (power_off) {
    kernel::console_print("keel: {} done; powering off (poweroff on the command line)\n", after);
    arch::power_off();  // says why and halts if ACPI cannot do it
  }
  if (reboot) {
    kernel::console_print("keel: {} done; rebooting (reboot on the command line)\n", after);
    arch::reboot();
  }
  kernel::console_print("keel: halted after {}: no poweroff or reboot on the command line; "
                 "switch the machine off or reset it\n", after);
  // A box without serial still gets the benchmark report out: as QR codes on the screen.
  if (kernel::kbench::screen_report_ready()) kernel::kbench::show_report_forever();
  arch::halt_forever();
}

// After ktest or kbench: under QEMU the isa-debug-exit device ends the run with its
// result (QEMU exits inside qemu_debug_exit). Anywhere else — a real box, another
// emulator, QEMU without that device — the run ends as the command line asks, and the
// console says why keel did not simply exit.
[[noreturn]] void finish_run(const boot::Cmdline& cmdline, std::string_view what, bool ok) {
  arch::qemu_debug_exit(ok ? arch::QEMU_EXIT_TESTS_PASSED : arch::QEMU_EXIT_TESTS_FAILED);
  if (arch::running_under_qemu_or_kvm()) {
    kernel::console_print("{}: QEMU/KVM did not exit on isa-debug-exit (port {:#x}): the device is "
                   "not attached\n", what, arch::QEMU_DEBUG_EXIT_PORT);
  } else {
    kernel::console_print("{}: not running under QEMU/KVM, so there is no isa-debug-exit device to "
                   "end the run with its result ({})\n", what, ok ? "passed" : "FAILED");
  }
  end_as_asked(cmdline, what);
}

[[noreturn]] void finish_tests(const boot::Cmdline& cmdline, const kernel::ktest::RunSummary& summary) {
  kernel::console_print("ktest: {} passed, {} failed, {} skipped\n", summary.passed, summary.failed,
                 summary.skipped);
  finish_run(cmdline, "ktest", summary.failed == 0);
}

}  // namespace

void kernel_main(const boot::BootInfo& info) {
  auto& out = kernel::console_sink();
  const auto cmdline = boot::Cmdline::parse(info.command_line());
  // console= before the banner, so the banner goes where the user asked and its console
  // lines describe the choice in effect.
  const auto console_choice = cmdline.find("console");
  const bool console_choice_known = !console_choice || kernel::select_console(*console_choice);
  // Quiet: the log to `ready` is kept in memory and written out at `ready` (or a panic).
  if (cmdline.has("quiet")) kernel::hold_log();
  print_banner(out, info);
  if (!console_choice_known) {
    kernel::console_print("cmdline: console={} is not serial, fb or both; keeping both\n",
                   *console_choice);
  }
  cmdline.warn_unknown(KNOWN_KEYS, out);
  print_raw_memory_map(out, info);
  arch::acpi::init(info, out);  // before mm: the loader's RSDP copy lives in its info block
  // The ktests and kbenchs read the boot's facts from here, not from mm init.
  install_boot_world(info, mm_init::init_memory(info, cmdline.has("mm.check"), !cmdline.has("no1gb")));
  // After mm: the xAPIC page is mapped by then, and AP stacks come from the allocator.
  const auto smp = cmdline.find("smp");
  if (smp && *smp != "off") kernel::console_print("cmdline: smp={} is not `off`; ignored\n", *smp);
  // Posted before the APs start, so each takes deferred metadata units as it comes online.
  arch::smp::post_to_idle_aps(&mm_init::init_deferred_memory_on_this_cpu);
  // Tests only: the AP with this APIC ID faults on purpose while it starts (and is skipped).
  std::optional<std::uint32_t> fault_ap;
  if (cmdline.has("smp.fault_ap")) {
    const auto id = cmdline.find_u64("smp.fault_ap");
    if (id && *id <= UINT32_MAX) {
      fault_ap = static_cast<std::uint32_t>(*id);
    } else {
      kernel::console_print("cmdline: smp.fault_ap={} is not an APIC ID; ignored\n",
                     *cmdline.find("smp.fault_ap"));
    }
  }
  arch::smp::init(smp && *smp == "off", fault_ap, out);

  boot_phases().mark(BootPhase::Ready);
  kernel::release_held_log();
  kernel::console_print("keel: ready\n");
  // Tests and benchmarks see all of RAM: the boot CPU joins the APs on what is left.
  mm_init::finish_deferred_memory_init(out);

  if (cmdline.has("ktest")) {
    finish_tests(cmdline, kernel::ktest::run_all(cmdline.find("ktest.filter").value_or("")));
  }
  if (kernel::kbench::requested(cmdline)) {
    const auto result = kernel::kbench::run(cmdline, info);
    finish_run(cmdline, "kbench", result.failed == 0);
  }
  if (cmdline.has("poweroff") || cmdline.has("reboot")) end_as_asked(cmdline, "boot");
  kernel::console_print("keel: nothing more to do; halted (use ktest or kbench on the command line)\n");
  arch::halt_forever();
}

}  // namespace kernel
