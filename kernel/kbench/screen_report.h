// The kbench JSON report for a box without a serial port: after the run keel keeps a copy
// of the report and, once it halts, shows it on the framebuffer as pages of QR codes
// (lib/qr: numbered pieces "keel-bench i/n LENGTH CRC" that `./kx bench --from-qr`
// puts back together), each page for kPageSeconds, round and round.
#pragma once

#include <cstdint>

#include "kernel/kbench/json_report.h"
#include "kernel/kbench/results.h"

namespace kbench {

inline constexpr std::uint64_t kPageSeconds = 10;

// Copies the report for the screen. False (said on the console) when it does not fit.
bool keep_report_for_screen(const ReportContext& context, const ResultStore& store,
                            std::uint64_t tsc_hz);

// A report was kept and there is a framebuffer with pixels to draw it on.
bool screen_report_ready();

// Shows the kept report forever (one page: drawn once, then the CPU halts).
// Requires screen_report_ready().
[[noreturn]] void show_report_forever();

}  // namespace kbench
