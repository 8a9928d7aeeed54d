// The screen table's rows from results: the median figure with its unit, the counter
// set_figure named, failures; and the header's machine summary.
#include "kernel/kbench/screen_rows.h"

#include <gtest/gtest.h>

#include <string>

#include "lib/fmt/string_sink.h"

namespace kernel::kbench {
namespace {

using keel::fmt::StringSink;

Repetition rep(std::uint64_t iterations, std::uint64_t cycles, std::uint64_t counter = 0) {
  Repetition r;
  r.iterations = iterations;
  r.cycles = cycles;
  r.counters[1] = counter;
  return r;
}

InstanceResult instance(std::string_view name) {
  InstanceResult result;
  name.copy(result.name, sizeof(result.name) - 1);
  return result;
}

TEST(ScreenRows, CyclesPerOperationIsTheMedianOverRepetitions) {
  const InstanceResult result = instance("cpu.cpuid");
  const Repetition reps[] = {rep(1000, 90'000), rep(1000, 30'500), rep(1000, 31'000)};
  KeptRow row;
  keep_row(result, reps, 3'000'000'000, "cycles", row);
  const ScreenRow view = row.view();
  EXPECT_EQ(view.name, "cpu.cpuid");
  EXPECT_EQ(view.value, "31.000");
  EXPECT_EQ(view.unit, "cycles/op");
  EXPECT_EQ(view.iterations, 1000u);
  EXPECT_EQ(view.outcome, Outcome::Ok);
  keep_row(result, reps, 3'000'000'000, "instructions", row);
  EXPECT_EQ(row.view().unit, "instructions/op");
}

TEST(ScreenRows, TheFigureCounterReplacesCyclesPerOperation) {
  InstanceResult result = instance("mm.meta.boot");
  result.counter_names[0] = "frames";
  result.counter_names[1] = "cycles_per_GiB";
  result.counter_count = 2;
  result.figure = "cycles_per_GiB";
  const Repetition one[] = {rep(1, 5, 123456)};
  KeptRow row;
  keep_row(result, one, 0, "cycles", row);
  EXPECT_EQ(row.view().value, "123456");
  EXPECT_EQ(row.view().unit, "cycles/GiB");
  // An even count's median lies between the two middle values.
  const Repetition two[] = {rep(1, 5, 10), rep(1, 5, 11)};
  keep_row(result, two, 0, "instructions", row);
  EXPECT_EQ(row.view().value, "10.500");
  EXPECT_EQ(row.view().unit, "instructions/GiB");
  // A figure naming no counter falls back to cycles per operation.
  result.figure = "missing";
  keep_row(result, one, 0, "cycles", row);
  EXPECT_EQ(row.view().unit, "cycles/op");
}

TEST(ScreenRows, CounterUnitsReadAsKxReadsThem) {
  const auto unit = [](std::string_view counter) {
    StringSink sink;
    format_counter_unit(sink, counter, "cycles");
    return sink.str();
  };
  EXPECT_EQ(unit("cycles_per_op_per_cpu"), "cycles/op_per_cpu");
  EXPECT_EQ(unit("items_per_second"), "items/s");
  EXPECT_EQ(unit("frames"), "frames");
}

TEST(ScreenRows, FailuresKeepTheirReason) {
  InstanceResult result = instance("mm/broken");
  result.outcome = Outcome::Failed;
  result.set_message("#PF at 0x0");
  KeptRow row;
  keep_row(result, {}, 0, "cycles", row);
  EXPECT_EQ(row.view().outcome, Outcome::Failed);
  EXPECT_EQ(row.view().message, "#PF at 0x0");
  // Ok without a single repetition (the store was full) is not shown as a result.
  keep_row(instance("lost"), {}, 0, "cycles", row);
  EXPECT_EQ(row.view().outcome, Outcome::Skipped);
  EXPECT_EQ(row.view().message, "no repetition recorded");
}

TEST(ScreenRows, SummaryNamesTheMachine) {
  ReportContext context;
  context.date = DateTime{2026, 12, 6, 2, 30, 0};
  context.cpu_model = "QEMU Virtual CPU";
  context.num_cpus = 2;
  context.memory_bytes = 512ull << 20;
  context.accelerator = "tcg";
  StringSink sink;
  format_screen_summary(sink, context, 5);
  EXPECT_EQ(sink.str(), "2026-12-06T02:30:00+00:00, QEMU Virtual CPU, 2 CPU(s), 512 MiB, tcg, "
                        "medians of 5 runs");
}

}  // namespace
}  // namespace kernel::kbench
