#include "kernel/main.h"

#include <array>
#include <string_view>

#include "arch/x86_64/acpi/acpi.h"
#include "arch/x86_64/cpu.h"
#include "arch/x86_64/power.h"
#include "arch/x86_64/qemu_exit.h"
#include "boot/cmdline.h"
#include "kernel/banner.h"
#include "kernel/boot_phases.h"
#include "kernel/console.h"
#include "kernel/kbench/run.h"
#include "kernel/ktest/ktest.h"
#include "kernel/mm_init/mm_init.h"

namespace kernel {
namespace {

// Keys keel understands; anything else on the command line is warned about, not fatal.
constexpr std::array<std::string_view, 9> kKnownKeys = {
    "ktest", "ktest.filter", "kbench", "kbench.", "console", "mm.check", "poweroff", "reboot",
    "no1gb"};

[[noreturn]] void finish_tests(const ktest::RunSummary& summary) {
  const bool ok = summary.failed == 0;
  console::print("ktest: {} passed, {} failed, {} skipped\n", summary.passed, summary.failed,
                 summary.skipped);
  arch::qemu_debug_exit(ok ? arch::QEMU_EXIT_TESTS_PASSED : arch::QEMU_EXIT_TESTS_FAILED);
  console::print("ktest: done; not running under QEMU, so halting here\n");
  arch::halt_forever();
}

}  // namespace

void kernel_main(const boot::BootInfo& info) {
  auto& out = console::sink();
  print_banner(out, info);
  const auto cmdline = boot::Cmdline::parse(info.command_line());
  cmdline.warn_unknown(kKnownKeys, out);
  if (const auto which = cmdline.find("console"); which && !console::select(*which)) {
    console::print("cmdline: console={} is not serial, fb or both; keeping both\n", *which);
  }
  print_raw_memory_map(out, info);
  arch::acpi::init(info, out);  // before mm: the loader's RSDP copy lives in its info block
  init_memory(info, cmdline.has("mm.check"), !cmdline.has("no1gb"));

  boot_phases().mark(BootPhase::Ready);
  console::print("keel: ready\n");

  if (cmdline.has("ktest")) {
    finish_tests(ktest::run_all(cmdline.find("ktest.filter").value_or("")));
  }
  if (kbench::requested(cmdline)) {
    const auto result = kbench::run(cmdline, info);
    arch::qemu_debug_exit(result.failed == 0 ? arch::QEMU_EXIT_TESTS_PASSED
                                             : arch::QEMU_EXIT_TESTS_FAILED);
    console::print("kbench: done; not running under QEMU, so halting here\n");
    arch::halt_forever();
  }
  if (cmdline.has("poweroff")) arch::power_off();
  if (cmdline.has("reboot")) arch::reboot();
  console::print("keel: nothing more to do; halted (use ktest or kbench on the command line)\n");
  arch::halt_forever();
}

}  // namespace kernel
