// The benchmark harness's entry point, called from kernel_main:
//
//   if (kernel::kbench::requested(cmdline)) finish_benchmarks(kernel::kbench::run(cmdline, info));
//
// run() calibrates the TSC, runs every selected benchmark (boot phases first), prints a
// table on the console and writes the Google Benchmark JSON report between the lines
//   ----- BEGIN KBENCH JSON -----
//   ----- END KBENCH JSON -----
// on COM2 (0x2f8) when running under QEMU/KVM and a UART answers there, otherwise on the
// console (COM1 and the screen). Either way the host takes the text between the markers
// (lines end in \r\n; firmware output may precede the BEGIN line on COM2).
#pragma once

#include "boot/boot_info.h"
#include "boot/cmdline.h"
#include "kernel/kbench/options.h"  // requested()

namespace kernel::kbench {

struct RunSummary {
  unsigned passed = 0;   // ran and produced results
  unsigned failed = 0;   // faulted, panicked, called state.error() or misused State
  unsigned skipped = 0;  // called state.skip(), or the result store was full
};

RunSummary run(const boot::Cmdline& cmdline, const boot::BootInfo& info);

}  // namespace kernel::kbench
