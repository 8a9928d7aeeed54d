// The harness runs benchmarks the way `kbench kbench.smoke` does and records what they did;
// a benchmark that faults, panics, skips or misuses State is recorded as such and the
// runner survives it. Every-CPU benchmarks run the body on each online CPU with the same
// iteration count and are recorded as one mean figure, or as failed if any CPU failed.
#define KTEST_SUITE "kernel.kbench"
#include <atomic>
#include <string_view>

#include "arch/x86_64/tsc.h"
#include "kernel/kbench/json_report.h"
#include "kernel/kbench/kbench.h"
#include "kernel/kbench/runner.h"
#include "kernel/ktest/ktest.h"
#include "kernel/panic/panic.h"
#include "mm/hal.h"

namespace kernel::kbench {
namespace {

using kernel::kbench::Outcome;

constinit kernel::kbench::InstanceResult g_instances[4];
constinit kernel::kbench::Repetition g_repetitions[8];

kernel::kbench::Options smoke_options() {
  kernel::kbench::Options options;
  options.iterations = 1;
  options.repetitions = 1;
  options.smoke = true;
  return options;
}

// Runs `body` as benchmark "test.<name>" and returns its record (the store is reset).
const kernel::kbench::InstanceResult& run_body(void (*body)(kernel::kbench::State&), const kernel::kbench::Options& options,
                                       kernel::kbench::ResultStore& store, std::int64_t arg = 0,
                                       bool every_cpu = false) {
  static constinit kernel::kbench::Benchmark benchmark{};
  benchmark = kernel::kbench::Benchmark{"test", "body", body, {}, __FILE__, __LINE__, every_cpu};
  const kernel::kbench::InstanceSpec spec{&benchmark, arg, arg != 0, 0, 0};
  return *kernel::kbench::run_instance(spec, options, /*min_cycles=*/100'000, store);
}

std::uint64_t g_body_calls = 0;

// A body that counts its calls in g_body_calls and runs an empty loop, for the tests that
// check whether and how often the harness called it.
void count_call_and_loop(kernel::kbench::State& state) {
  ++g_body_calls;
  for (auto _ : state) kernel::kbench::clobber_memory();
}

KTEST(smoke_run_records_one_iteration) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  g_body_calls = 0;
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        count_call_and_loop(state);
        state.set_items_processed(state.iterations());
        state.counters["answer"] = 42;
      },
      smoke_options(), store, 7);
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  KEXPECT_EQ(result.name_view(), std::string_view("test.body/7"));
  KEXPECT_EQ(g_body_calls, 1u);
  KTEST_ASSERT_TRUE(store.repetitions_of(result).size() == 1);
  KEXPECT_EQ(store.repetitions_of(result)[0].iterations, 1u);
  KEXPECT_TRUE(result.has_items);
  KTEST_ASSERT_TRUE(result.counter_count == 1);
  KEXPECT_EQ(std::string_view(result.counter_names[0]), std::string_view("answer"));
  KEXPECT_EQ(store.repetitions_of(result)[0].counters[0], 42u);
}

KTEST(auto_scaling_reaches_min_time) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options;
  options.repetitions = 2;
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        while (state.keep_running()) kernel::kbench::clobber_memory();
      },
      options, store);
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  const auto reps = store.repetitions_of(result);
  KTEST_ASSERT_TRUE(reps.size() == 2);
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
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options = smoke_options();
  options.iterations = 4;
  static constinit std::uint64_t paused_cycles = 0;
  paused_cycles = 0;
  const std::uint64_t run_start = arch::rdtsc_ordered();
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        for (auto _ : state) {
          state.pause_timing();
          const std::uint64_t start = arch::rdtsc_ordered();
          for (int i = 0; i < 100'000; ++i) kernel::kbench::clobber_memory();  // not timed
          paused_cycles += arch::rdtsc_ordered() - start;
          state.resume_timing();
        }
      },
      options, store);
  const std::uint64_t run_cycles = arch::rdtsc_ordered() - run_start;
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  KTEST_ASSERT_TRUE(store.repetitions_of(result).size() == 1);
  KEXPECT_LE(store.repetitions_of(result)[0].cycles + paused_cycles, run_cycles);
}

KTEST(skip_is_recorded_as_skipped) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
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
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options = smoke_options();
  options.iterations = 10;
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        for (auto _ : state) return;
      },
      options, store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
}

KTEST(faulting_benchmark_fails_and_the_runner_goes_on) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        for (auto _ : state) asm volatile("ud2");
      },
      smoke_options(), store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  KEXPECT_TRUE(result.message_view().starts_with("CPU exception 6"));
}

KTEST(panicking_benchmark_fails_and_the_runner_goes_on) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        for (auto _ : state) ::panic("deliberate panic from a benchmark (expected by a ktest)");
      },
      smoke_options(), store);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  KEXPECT_TRUE(result.message_view().starts_with("panic"));
}

KTEST(json_report_of_a_run_is_well_formed) {
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options = smoke_options();
  options.repetitions = 3;
  run_body([](kernel::kbench::State& state) { for (auto _ : state) kernel::kbench::clobber_memory(); }, options,
           store);
  static char text[8192];
  keel::fmt::BufferSink json(text, sizeof(text));
  KEXPECT_TRUE(kernel::kbench::write_json_report(json, kernel::kbench::ReportContext{}, store));
  KEXPECT_FALSE(json.truncated());
  KEXPECT_NE(json.view().find("\"run_type\": \"aggregate\""), std::string_view::npos);
  KEXPECT_NE(json.view().find("\"name\": \"test.body_median\""), std::string_view::npos);
}

// ---- Every-CPU benchmarks ----------------------------------------------------------------

// What each CPU's body saw, indexed by CPU, reset by each test.
struct PerCpuSeen {
  std::uint64_t loops = 0;       // iterations the loop actually ran
  std::uint64_t cycles = 0;      // the State's timed cycles after the loop
  unsigned arrived_at_start = 0;  // CPUs that had reached their loop when this one started
  bool ran = false;
};
constinit PerCpuSeen g_seen[mm::hal::MAX_CPUS];
constinit std::atomic<unsigned> g_reached_loop{0};

void reset_seen() {
  for (PerCpuSeen& seen : g_seen) seen = PerCpuSeen{};
  g_reached_loop.store(0);
}

bool needs_two_cpus(kernel::ktest::Context& ktest_ctx) {
  if (mm::hal::cpu_count() > 1) return true;
  ktest_ctx.skip("one CPU online (run with --smp 2 or more)");
  return false;
}

// The figure is the mean of the CPUs' own timed cycles, counters are averaged, `cpus` is
// recorded, every CPU runs the count fixed on the boot CPU, and no CPU's timed loop starts
// before every CPU has reached its loop.
KTEST(every_cpu_run_records_the_cpu_count_and_the_mean_per_cpu_figure) {
  if (!needs_two_cpus(ktest_ctx)) return;
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options = smoke_options();
  options.iterations = 64;
  reset_seen();
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        PerCpuSeen& seen = g_seen[mm::hal::current_cpu()];
        seen.ran = true;
        g_reached_loop.fetch_add(1);
        bool first = true;
        for (auto _ : state) {
          if (first) seen.arrived_at_start = g_reached_loop.load();
          first = false;
          ++seen.loops;
        }
        seen.cycles = state.timed_cycles();
        state.set_items_processed(state.iterations());
        state.counters["cpu_index"] = mm::hal::current_cpu();
      },
      options, store, 0, /*every_cpu=*/true);
  const unsigned cpus = mm::hal::cpu_count();
  KEXPECT_EQ(result.outcome, Outcome::Ok);
  KEXPECT_EQ(result.name_view(), std::string_view("test.body/cpus:all"));
  std::uint64_t cycle_sum = 0;
  for (unsigned cpu = 0; cpu < cpus; ++cpu) {
    KEXPECT_TRUE(g_seen[cpu].ran);
    KEXPECT_EQ(g_seen[cpu].loops, 64u);
    KEXPECT_EQ(g_seen[cpu].arrived_at_start, cpus);
    cycle_sum += g_seen[cpu].cycles;
  }
  KTEST_ASSERT_TRUE(store.repetitions_of(result).size() == 1);
  const kernel::kbench::Repetition& rep = store.repetitions_of(result)[0];
  KEXPECT_EQ(rep.iterations, 64u);
  KEXPECT_EQ(rep.cycles, cycle_sum / cpus);
  KEXPECT_EQ(rep.items, 64u);
  KTEST_ASSERT_TRUE(result.counter_count == 2);
  KEXPECT_EQ(std::string_view(result.counter_names[0]), std::string_view("cpu_index"));
  KEXPECT_EQ(rep.counters[0], (cpus * (cpus - 1) / 2) / cpus);
  KEXPECT_EQ(std::string_view(result.counter_names[1]), std::string_view("cpus"));
  KEXPECT_EQ(rep.counters[1], cpus);
}

// An operation that fails on one AP, inside the timed loop, fails the whole benchmark
// (naming the CPU) and leaves no measurement behind.
KTEST(every_cpu_run_fails_when_an_operation_fails_on_an_ap) {
  if (!needs_two_cpus(ktest_ctx)) return;
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  kernel::kbench::Options options = smoke_options();
  options.iterations = 16;
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        const bool last_cpu = mm::hal::current_cpu() == mm::hal::cpu_count() - 1;
        for (auto _ : state) {
          if (last_cpu) return state.error("deliberate failure on an AP");
        }
      },
      options, store, 0, /*every_cpu=*/true);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  char expected[kernel::kbench::MAX_MESSAGE_LENGTH];
  keel::fmt::BufferSink text(expected, sizeof(expected));
  keel::fmt::print(text, "CPU {}: deliberate failure on an AP", mm::hal::cpu_count() - 1);
  KEXPECT_EQ(result.message_view(), text.view());
  KEXPECT_EQ(store.repetitions_of(result).size(), 0u);
}

// A body that gives up on an AP before reaching its loop must not leave the other CPUs
// waiting to start (the run would hang); the failure is still reported.
KTEST(every_cpu_run_survives_an_ap_failing_before_its_loop) {
  if (!needs_two_cpus(ktest_ctx)) return;
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  const auto& result = run_body(
      [](kernel::kbench::State& state) {
        if (mm::hal::current_cpu() == 1) return state.error("deliberate failure before the loop");
        for (auto _ : state) kernel::kbench::clobber_memory();
      },
      smoke_options(), store, 0, /*every_cpu=*/true);
  KEXPECT_EQ(result.outcome, Outcome::Failed);
  KEXPECT_EQ(result.message_view(), std::string_view("CPU 1: deliberate failure before the loop"));
}

KTEST(every_cpu_benchmark_is_skipped_on_one_cpu) {
  if (mm::hal::cpu_count() != 1) return ktest_ctx.skip("more than one CPU online");
  kernel::kbench::ResultStore store(g_instances, g_repetitions);
  g_body_calls = 0;
  const auto& result = run_body(count_call_and_loop, smoke_options(), store, 0, /*every_cpu=*/true);
  KEXPECT_EQ(result.outcome, Outcome::Skipped);
  KEXPECT_EQ(result.message_view(), std::string_view("one CPU online"));
  KEXPECT_EQ(g_body_calls, 0u);
}

}  // namespace

}  // namespace kernel::kbench
