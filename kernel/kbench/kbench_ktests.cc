// The harness runs benchmarks the way `kbench kbench.smoke` does and records what they did;
// a benchmark that faults, panics, skips or misuses State is recorded as such and the
// runner survives it.
#define KTEST_SUITE "kernel.kbench"
#include <string_view>

#include "arch/x86_64/tsc.h"
#include "kernel/kbench/json_report.h"
#include "kernel/kbench/kbench.h"
#include "kernel/kbench/runner.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"

namespace {

using kbench::Outcome;

constinit kbench::InstanceResult g_instances[4];
constinit kbench::Repetition g_repetitions[8];

kbench::Options smoke_options() {
  kbench::Options options;
  options.iterations = 1;
  options.repetitions = 1;
  options.smoke = true;
  return options;
}

// Runs `body` as benchmark "test/<name>" and returns its record (the store is reset).
const kbench::InstanceResult& run_body(void (*body)(kbench::State&), const kbench::Options& options,
                                       kbench::ResultStore& store, std::int64_t arg = 0) {
  static constinit kbench::Benchmark benchmark{};
  benchmark = kbench::Benchmark{"test", "body", body, {}, __FILE__, __LINE__};
  const kbench::InstanceSpec spec{&benchmark, arg, arg != 0, 0, 0};
  return *kbench::run_instance(spec, options, /*min_cycles=*/100'000, store);
}

std::uint64_t g_body_calls = 0;

KTEST(smoke_run_records_one_iteration) {
  kbench::ResultStore store(g_instances, g_repetitions);
  g_body_calls = 0;
  const auto& result = run_body(
      [](kbench::State& state) {
        ++g_body_calls;
        for (auto _ : state) kbench::clobber_memory();
        state.set_items_processed(state.iterations());
        state.counters["answer"] = 42;
      },
      smoke_options(), store, 7);
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  KEXPECT_EQ(result.name_view(), std::string_view("test/body/7"));
  KEXPECT_EQ(g_body_calls, 1u);
  KASSERT_TRUE(store.repetitions_of(result).size() == 1);
  KEXPECT_EQ(store.repetitions_of(result)[0].iterations, 1u);
  KEXPECT_TRUE(result.has_items);
  KASSERT_TRUE(result.counter_count == 1);
  KEXPECT_EQ(std::string_view(result.counter_names[0]), std::string_view("answer"));
  KEXPECT_EQ(store.repetitions_of(result)[0].counters[0], 42u);
}

KTEST(auto_scaling_reaches_min_time) {
  kbench::ResultStore store(g_instances, g_repetitions);
  kbench::Options options;
  options.repetitions = 2;
  const auto& result = run_body(
      [](kbench::State& state) {
        while (state.keep_running()) kbench::clobber_memory();
      },
      options, store);
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  const auto reps = store.repetitions_of(result);
  KASSERT_TRUE(reps.size() == 2);
  // What the harness guarantees by construction (the growth policy itself is unit-tested
  // on the host): the measured repetition ran for at least the minimum time (10 ms is
  // far more than 100k cycles at any real TSC rate), and later repetitions reuse the
  // count. How many iterations that took depends on the machine, so it is not checked.
  KEXPECT_GE(reps[0].cycles, 100'000u);
  KEXPECT_GE(reps[0].iterations, 1u);
  KEXPECT_EQ(reps[1].iterations, reps[0].iterations);
}

// Not a speed check (keel's tests have no timing thresholds): an accounting identity.
// The body measures its own paused section; if the harness excluded it, the timed cycles
// plus the paused cycles fit inside the whole run. Had the paused section been counted,
// the sum would be about twice the run, since the paused loop dominates it.
KTEST(paused_time_is_excluded) {
  kbench::ResultStore store(g_instances, g_repetitions);
  kbench::Options options = smoke_options();
  options.iterations = 4;
  static constinit std::uint64_t paused_cycles = 0;
  paused_cycles = 0;
  const std::uint64_t run_start = arch::rdtsc_ordered();
  const auto& result = run_body(
      [](kbench::State& state) {
        for (auto _ : state) {
          state.pause_timing();
          const std::uint64_t start = arch::rdtsc_ordered();
          for (int i = 0; i < 100'000; ++i) kbench::clobber_memory();  // not timed
          paused_cycles += arch::rdtsc_ordered() - start;
          state.resume_timing();
        }
      },
      options, store);
  const std::uint64_t run_cycles = arch::rdtsc_ordered() - run_start;
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  KASSERT_TRUE(store.repetitions_of(result).size() == 1);
  KEXPECT_LE(store.repetitions_of(result)[0].cycles + paused_cycles, run_cycles);
}

KTEST(skip_is_recorded_as_skipped) {
  kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kbench::State& state) {
        state.skip("not on this machine");
        for (auto _ : state) {
        }
      },
      smoke_options(), store);
  KEXPECT_EQ(result.outcome, Outcome::Skipped);
  KEXPECT_EQ(result.message_view(), std::string_view("not on this machine"));
  KEXPECT_EQ(store.repetitions_of(result).size(), 0u);
}

KTEST(returning_from_inside_the_loop_fails) {
  kbench::ResultStore store(g_instances, g_repetitions);
  kbench::Options options = smoke_options();
  options.iterations = 10;
  const auto& result = run_body(
      [](kbench::State& state) {
        for (auto _ : state) return;
      },
      options, store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
}

KTEST(faulting_benchmark_fails_and_the_runner_goes_on) {
  kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kbench::State& state) {
        for (auto _ : state) asm volatile("ud2");
      },
      smoke_options(), store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  KEXPECT_TRUE(result.message_view().starts_with("CPU exception 6"));
}

KTEST(panicking_benchmark_fails_and_the_runner_goes_on) {
  kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kbench::State& state) {
        for (auto _ : state) panic("deliberate panic from a benchmark (expected by a ktest)");
      },
      smoke_options(), store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  KEXPECT_TRUE(result.message_view().starts_with("panic"));
}

KTEST(json_report_of_a_run_is_well_formed) {
  kbench::ResultStore store(g_instances, g_repetitions);
  kbench::Options options = smoke_options();
  options.repetitions = 3;
  run_body([](kbench::State& state) { for (auto _ : state) kbench::clobber_memory(); }, options,
           store);
  static char text[8192];
  fmt::BufferSink json(text, sizeof(text));
  KEXPECT_TRUE(kbench::write_json_report(json, kbench::ReportContext{}, store));
  KEXPECT_FALSE(json.truncated());
  KEXPECT_NE(json.view().find("\"run_type\": \"aggregate\""), std::string_view::npos);
  KEXPECT_NE(json.view().find("\"name\": \"test/body_median\""), std::string_view::npos);
}

}  // namespace
