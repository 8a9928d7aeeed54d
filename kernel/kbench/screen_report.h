// The kbench results for a box without a serial port: after the run keel keeps the
// results table (screen_table) and a copy of the JSON report and, once it halts, shows
// them on the framebuffer: the table's pages first, then the report as pages of QR codes
// (lib/qr: numbered pieces "keel-bench i/n LENGTH CRC" that `./kx bench --from-qr` puts
// back together), each page for PAGE_SECONDS, round and round.
#pragma once

#include <cstdint>

#include "kernel/kbench/json_report.h"
#include "kernel/kbench/results.h"

namespace kernel::kbench {

inline constexpr std::uint64_t PAGE_SECONDS = 10;

// Keeps the table's rows and a copy of the report for the screen. False (said on the
// console) when the report does not fit: then the screen shows the table alone.
bool keep_report_for_screen(const ReportContext& context, const ResultStore& store,
                            std::uint64_t tsc_hz);

// Results were kept and there is a framebuffer to show them on (the table needs text
// cells, the QR codes pixels).
bool screen_report_ready();

// Shows the kept results forever (one page: drawn once, then the CPU halts).
// Requires screen_report_ready().
[[noreturn]] void show_report_forever();

}  // namespace kernel::kbench
