// Results storage, per-op figures, options, the console table and the JSON report.
#include <gtest/gtest.h>

#include <string>

#include "boot/cmdline.h"
#include "kernel/kbench/json_report.h"
#include "kernel/kbench/options.h"
#include "kernel/kbench/results.h"
#include "kernel/kbench/table.h"
#include "lib/fmt/string_sink.h"

namespace kernel::kbench {
namespace {

using keel::fmt::StringSink;

Repetition rep(std::uint64_t iterations, std::uint64_t cycles) {
  Repetition r;
  r.iterations = iterations;
  r.cycles = cycles;
  return r;
}

TEST(ResultStore, KeepsRepetitionsPerInstanceAndCountsDrops) {
  InstanceResult instances[2];
  Repetition repetitions[3];
  ResultStore store(instances, repetitions);
  InstanceResult* a = store.add_instance("a", 0, 0, 2);
  ASSERT_NE(a, nullptr);
  EXPECT_TRUE(store.add_repetition(*a, rep(1, 10)));
  EXPECT_TRUE(store.add_repetition(*a, rep(1, 20)));
  InstanceResult* b = store.add_instance("b", 1, 0, 2);
  ASSERT_NE(b, nullptr);
  EXPECT_FALSE(store.add_repetition(*a, rep(1, 30)));  // only the newest instance grows
  EXPECT_TRUE(store.add_repetition(*b, rep(1, 30)));
  EXPECT_FALSE(store.add_repetition(*b, rep(1, 40)));  // pool full
  EXPECT_EQ(store.add_instance("c", 2, 0, 1), nullptr);
  EXPECT_EQ(store.dropped_instances(), 1u);
  EXPECT_EQ(store.dropped_repetitions(), 2u);
  ASSERT_EQ(store.instances().size(), 2u);
  EXPECT_EQ(store.repetitions_of(store.instances()[0]).size(), 2u);
  EXPECT_EQ(store.repetitions_of(store.instances()[1])[0].cycles, 30u);
}

TEST(ResultStore, TruncatesLongNamesAndMessages) {
  InstanceResult instances[1];
  Repetition repetitions[1];
  ResultStore store(instances, repetitions);
  const std::string long_name(300, 'n');
  InstanceResult* a = store.add_instance(long_name, 0, 0, 1);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(a->name_view().size(), MAX_NAME_LENGTH - 1);
  a->set_message(std::string(300, 'm'));
  EXPECT_EQ(a->message_view().size(), MAX_MESSAGE_LENGTH - 1);
}

TEST(Figures, FromCyclesAndFrequency) {
  Repetition r = rep(1000, 3'000'000);  // 3000 cycles/op at 3 GHz: 1 us/op
  r.items = 2000;
  const Figures f = figures_of(r, 3'000'000'000);
  EXPECT_EQ(f.time_ps_per_op, 1'000'000u);
  EXPECT_EQ(f.millicycles_per_op, 3'000'000u);
  EXPECT_EQ(f.milli_items_per_second, 2'000'000'000u);  // 2e6 items/s
}

TEST(Figures, UncalibratedCountsCyclesAsNanoseconds) {
  const Figures f = figures_of(rep(3, 10), 0);
  EXPECT_EQ(f.time_ps_per_op, 3333u);  // 3.333 "ns"
  EXPECT_EQ(f.millicycles_per_op, 3333u);
}

TEST(Options, DefaultsSmokeAndClamping) {
  const auto defaults = parse_options(boot::Cmdline::parse("kbench"));
  EXPECT_EQ(defaults.repetitions, 5u);
  EXPECT_EQ(defaults.min_time_ms, 10u);
  EXPECT_EQ(defaults.iterations, 0u);
  EXPECT_FALSE(defaults.smoke);
  EXPECT_TRUE(requested(boot::Cmdline::parse("kbench")));
  EXPECT_TRUE(requested(boot::Cmdline::parse("kbench.smoke")));
  EXPECT_FALSE(requested(boot::Cmdline::parse("ktest kbench.filter=x")));

  const auto smoke =
      parse_options(boot::Cmdline::parse("kbench kbench.smoke kbench.repetitions=9"));
  EXPECT_TRUE(smoke.smoke);
  EXPECT_EQ(smoke.iterations, 1u);
  EXPECT_EQ(smoke.repetitions, 1u);

  const auto custom = parse_options(
      boot::Cmdline::parse("kbench kbench.filter=mm.* kbench.repetitions=1000 "
                           "kbench.min_time_ms=0 kbench.iterations=7"));
  EXPECT_EQ(custom.filter, "mm.*");
  EXPECT_EQ(custom.repetitions, 100u);
  EXPECT_EQ(custom.min_time_ms, 1u);
  EXPECT_EQ(custom.iterations, 7u);
}

ResultStore& sample_store() {
  static InstanceResult instances[4];
  static Repetition repetitions[8];
  static ResultStore store(instances, repetitions);
  static bool filled = false;
  if (filled) return store;
  filled = true;
  InstanceResult* ok = store.add_instance("mm/alloc/3", 1, 2, 3);
  ok->counter_names[0] = "frames";
  ok->counter_count = 1;
  for (std::uint64_t c : {3000u, 1000u, 2000u}) {
    Repetition r = rep(10, c);
    r.counters[0] = c / 1000;
    store.add_repetition(*ok, r);
  }
  InstanceResult* skipped = store.add_instance("mm/alloc/18", 1, 3, 3);
  skipped->outcome = Outcome::Skipped;
  skipped->set_message("not enough memory");
  InstanceResult* failed = store.add_instance("cpu/\"odd\"", 2, 0, 3);
  store.add_repetition(*failed, rep(1, 5));
  failed->outcome = Outcome::Failed;
  failed->set_message("CPU exception 14");
  return store;
}

TEST(JsonReport, RecordsFollowGoogleBenchmarksShape) {
  StringSink sink;
  ReportContext context;
  context.tsc_hz = 1'000'000'000;
  ASSERT_TRUE(write_json_report(sink, context, sample_store()));
  const std::string& json = sink.str();
  // Iterations, then the aggregates, named <run_name>_<aggregate>.
  const auto first = json.find("\"name\": \"mm/alloc/3\"");
  const auto mean = json.find("\"name\": \"mm/alloc/3_mean\"");
  const auto p99 = json.find("\"name\": \"mm/alloc/3_p99\"");
  ASSERT_NE(first, std::string::npos);
  ASSERT_NE(mean, std::string::npos);
  ASSERT_NE(p99, std::string::npos);
  EXPECT_LT(first, mean);
  EXPECT_LT(mean, p99);
  EXPECT_NE(json.find("\"aggregate_name\": \"median\""), std::string::npos);
  EXPECT_NE(json.find("\"aggregate_unit\": \"time\""), std::string::npos);
  // Median of 100, 200, 300 ns per op.
  EXPECT_NE(json.find("\"real_time\": 200.000"), std::string::npos);
  EXPECT_NE(json.find("\"frames\": 2.000"), std::string::npos);  // aggregated counter
  EXPECT_NE(json.find("\"skipped\": true"), std::string::npos);
  EXPECT_NE(json.find("\"skip_message\": \"not enough memory\""), std::string::npos);
  EXPECT_NE(json.find("\"error_occurred\": true"), std::string::npos);
  EXPECT_NE(json.find("\"name\": \"cpu/\\\"odd\\\"\""), std::string::npos);
  EXPECT_EQ(json.find("cpu/\\\"odd\\\"_mean"), std::string::npos);  // no aggregates on failure
}

TEST(Table, PrintsRepetitionsAggregatesAndOutcomes) {
  StringSink sink;
  const ResultStore& store = sample_store();
  for (const InstanceResult& instance : store.instances()) {
    print_instance_rows(sink, instance, store.repetitions_of(instance), 1'000'000'000);
  }
  const std::string& table = sink.str();
  EXPECT_NE(table.find("mm/alloc/3 "), std::string::npos);
  EXPECT_NE(table.find("mm/alloc/3_median"), std::string::npos);
  EXPECT_NE(table.find("200.000 ns"), std::string::npos);
  EXPECT_NE(table.find("frames=3"), std::string::npos);
  EXPECT_NE(table.find("SKIPPED: not enough memory"), std::string::npos);
  EXPECT_NE(table.find("ERROR OCCURRED: CPU exception 14"), std::string::npos);
}

}  // namespace
}  // namespace kernel::kbench
