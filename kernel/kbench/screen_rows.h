// The screen table's rows and header summary, taken from the results while they exist:
// each benchmark's primary figure (the median over its repetitions of the cycles per
// operation, or of the counter State::set_figure named) formatted with its unit.
#pragma once

#include <cstdint>
#include <span>

#include "kernel/kbench/json_report.h"
#include "kernel/kbench/results.h"
#include "kernel/kbench/screen_table.h"
#include "lib/fmt/format.h"

namespace kernel::kbench {

// A ScreenRow with its own text, so it outlives the result store.
struct KeptRow {
  char name[MAX_NAME_LENGTH] = {};
  char value[32] = {};
  char unit[48] = {};
  char message[MAX_MESSAGE_LENGTH] = {};
  std::uint64_t iterations = 0;
  Outcome outcome = Outcome::Ok;

  ScreenRow view() const;
};

// `counted`: what a TSC cycle is ("cycles", or "instructions" under QEMU icount, where the
// TSC ticks once per instruction).
void keep_row(const InstanceResult& instance, std::span<const Repetition> repetitions,
              std::uint64_t tsc_hz, std::string_view counted, KeptRow& row);

// A counter's unit from its name, as kx reads it: "cycles_per_GiB" is cycles/GiB, a bare
// name counts itself. A counter of cycles counts `counted`.
void format_counter_unit(keel::fmt::Sink& sink, std::string_view counter, std::string_view counted);

// The header line's machine summary: date, CPU model, CPUs, memory, accelerator, and how
// many repetitions the figures are medians of.
void format_screen_summary(keel::fmt::Sink& sink, const ReportContext& context,
                           std::uint32_t repetitions);

}  // namespace kernel::kbench
