// In-kernel benchmarks (kbench), registered through a linker section next to the code they
// measure, in the shape of Google Benchmark:
//
//   #define KBENCH_SUITE "mm.frame"
//   #include "kernel/kbench/kbench.h"
//
//   KBENCH(refcount_inc) {                       // "mm.frame.refcount_inc"
//     auto frame = ...;
//     for (auto _ : state) frame.inc_ref();
//   }
//   KBENCH_ARGS(alloc_order, {0, 1, 3, 9, 18}) {  // "mm.frame.alloc_order/0", ".../1", ...
//     if (state.range(0) > max_order) return state.skip("not enough memory");
//     while (state.keep_running()) {
//       auto f = alloc(state.range(0));
//       state.pause_timing(); free(f); state.resume_timing();
//     }
//     state.set_items_processed(state.iterations());
//     state.counters["frames"] = frames_used;
//   }
//   KBENCH_RANGE(memset, 1, 64, 8) { ... }      // arguments 1, 8, 64
//   KBENCH_ARGS_EVERY_CPU(alloc_order, {0, 9})   // ".../alloc_order/0/cpus:all", ...
//
// An _EVERY_CPU variant (Google Benchmark's ->Threads(N) with N = every online CPU) runs
// an already defined body on the boot CPU and on each AP at once, each with its own State
// and the same iteration count (grown on the boot CPU alone), the timed loops starting
// together. It is reported as one CPU's figure: the mean over CPUs of each one's timed
// cycles (and of its items and counters), with the counter `cpus`. An error or skip on
// any CPU ends it like on one; a fault or panic on an AP is final (the runner's guard is
// the boot CPU's, and guards are per-CPU: arch/x86_64/guarded_call.h).
// Under QEMU's --icount the vCPUs take turns in long slices: a CPU's timed loop mostly runs
// alone, and now and then spans another CPU's whole loop (README, "Instruction counts").
//
// `kbench` on the kernel command line runs them (see options.h for the other keys); each
// runs enough iterations for min_time, repeated N times, and is reported as a console
// table and as Google Benchmark JSON (see run.h). A benchmark that faults, panics or calls
// state.error() fails; the run goes on.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

#include "arch/x86_64/tsc.h"
#include "kernel/kbench/args.h"
#include "kernel/kbench/results.h"

namespace kernel::kbench {

// Named integer counters, reported with each repetition (Google Benchmark's
// state.counters, but integers and at most MAX_COUNTERS of them).
class Counters {
 public:
  // The counter called `name` (keep it a string literal: the pointer is stored), created
  // at 0 on first use. Past MAX_COUNTERS names, writes go to a scratch slot and the
  // benchmark fails with "too many counters".
  std::uint64_t& operator[](const char* name);

  std::size_t size() const { return count_; }
  const char* name(std::size_t i) const { return names_[i]; }
  std::uint64_t value(std::size_t i) const { return values_[i]; }
  bool overflowed() const { return overflowed_; }

 private:
  const char* names_[MAX_COUNTERS] = {};
  std::uint64_t values_[MAX_COUNTERS] = {};
  std::size_t count_ = 0;
  bool overflowed_ = false;
  std::uint64_t scratch_ = 0;
};

// Where the CPUs of an every-CPU run meet before timing: each CPU's timed loop starts once
// every CPU has reached its loop or returned without one, so the loops overlap instead of
// one CPU's setup (a cache drain, say) running beside another's timed loop.
struct StartGate {
  std::atomic<unsigned> arrived{0};
  unsigned expected = 0;

  void arrive() { arrived.fetch_add(1, std::memory_order_acq_rel); }
  void arrive_and_wait();
};

class State {
 public:
  // The runner makes one State per timed run.
  State(std::uint64_t iterations, std::int64_t arg) : max_iterations_(iterations), arg_(arg) {}
  State(const State&) = delete;
  State& operator=(const State&) = delete;

  // `while (state.keep_running())`: true `iterations()` times. Timing starts at the first
  // call and stops when it returns false.
  bool keep_running() {
    if (!started_) [[unlikely]] left_ = start_loop();
    if (left_ != 0) [[likely]] {
      --left_;
      return true;
    }
    finish_loop();
    return false;
  }

  // `for (auto _ : state)`: the same loop as keep_running().
  struct Sentinel {};
  class Iterator {
   public:
    struct Value {};
    explicit Iterator(State* state) : state_(state), left_(state->start_loop()) {}
    Value operator*() const { return {}; }
    Iterator& operator++() {
      --left_;
      return *this;
    }
    bool operator!=(Sentinel) {
      if (left_ != 0) [[likely]] return true;
      state_->finish_loop();
      return false;
    }

   private:
    State* state_;
    std::uint64_t left_;
  };
  Iterator begin() { return Iterator(this); }
  Sentinel end() { return {}; }

  // Exclude setup or teardown inside the loop from the measurement. Each pair costs two
  // ordered TSC reads (tens of cycles): keep the timed part much longer than that.
  void pause_timing() {
    if (!timing_) return;
    timed_cycles_ += arch::rdtsc_ordered() - timer_start_;
    timing_ = false;
  }
  void resume_timing() {
    if (timing_) return;
    timing_ = true;
    timer_start_ = arch::rdtsc_ordered();
  }

  // The instance's argument (KBENCH_ARGS / KBENCH_RANGE); 0 without one. Only index 0
  // exists: one argument per benchmark.
  std::int64_t range(unsigned index = 0) const { return index == 0 ? arg_ : 0; }
  std::uint64_t iterations() const { return max_iterations_; }

  // Total items handled by the whole run (e.g. iterations() * batch): reported as
  // items_per_second.
  void set_items_processed(std::uint64_t items) {
    items_ = items;
    has_items_ = true;
  }
  Counters counters;

  // Ends the benchmark without a result: call before the loop and return. skip() is for
  // "cannot run here" (reported as skipped); error() for "ran and went wrong" (a failure).
  // `reason` must outlive the run (a string literal).
  void skip(const char* reason) { skip_reason_ = reason != nullptr ? reason : "skipped"; }
  // Names the counter that is this benchmark's figure (reported as the label
  // "figure=<counter>", which `kx bench` tables, compares and plots instead of the time per
  // operation). `counter` must outlive the run (a string literal).
  void set_figure(const char* counter) { figure_ = counter; }
  void error(const char* reason) { error_reason_ = reason != nullptr ? reason : "error"; }

  // For the runner.
  // The loop ran to its end (false if the body returned from inside it, or never looped).
  bool finished() const { return finished_; }
  std::uint64_t timed_cycles() const { return timed_cycles_; }
  std::uint64_t items() const { return items_; }
  bool has_items() const { return has_items_; }
  const char* skip_reason() const { return skip_reason_; }
  const char* error_reason() const { return error_reason_; }
  const char* figure() const { return figure_; }
  // Every-CPU runs: the loop's start waits at `gate` (once). The runner releases the gate
  // for a body that returned without reaching its loop, so the other CPUs are not stuck.
  void set_start_gate(StartGate* gate) { gate_ = gate; }
  void release_start_gate() {
    if (gate_ == nullptr) return;
    gate_->arrive();
    gate_ = nullptr;
  }

 private:
  // Returns how many iterations to run: 0 once skipped or errored.
  std::uint64_t start_loop();
  void finish_loop();

  std::uint64_t max_iterations_;
  std::int64_t arg_;
  std::uint64_t left_ = 0;
  std::uint64_t timer_start_ = 0;
  std::uint64_t timed_cycles_ = 0;
  std::uint64_t items_ = 0;
  const char* skip_reason_ = nullptr;
  const char* error_reason_ = nullptr;
  const char* figure_ = nullptr;
  StartGate* gate_ = nullptr;
  bool started_ = false;
  bool finished_ = false;
  bool timing_ = false;
  bool has_items_ = false;
};

// Keeps the compiler from discarding `value` or the work that produced it (Google
// Benchmark's DoNotOptimize), and from caching memory across the call (ClobberMemory).
template <typename T>
inline void do_not_optimize(T const& value) {
  asm volatile("" : : "r,m"(value) : "memory");
}
template <typename T>
inline void do_not_optimize(T& value) {
  asm volatile("" : "+m,r"(value) : : "memory");
}
inline void clobber_memory() { asm volatile("" : : : "memory"); }

// A registered benchmark family (one per KBENCH* macro).
struct Benchmark {
  const char* suite;  // KBENCH_SUITE, e.g. "mm/frame"
  const char* name;   // the macro's name argument
  void (*body)(State&);
  ArgSpec args;
  const char* file;
  unsigned line;
  // Runs on every online CPU at once (KBENCH_*_EVERY_CPU); named "<...>/cpus:all".
  bool every_cpu = false;
};

}  // namespace kernel::kbench

#define KBENCH_CONCAT_INNER(a, b) a##b
#define KBENCH_CONCAT(a, b) KBENCH_CONCAT_INNER(a, b)

// `.kbench.<suite>` sections are sorted by name at link time (boot/linker.ld), so suites run
// in name order and a suite's benchmarks in source order.
#define KBENCH_DEFINE(name, arg_spec)                                                          \
  static void KBENCH_CONCAT(kbench_body_, name)(::kernel::kbench::State&);                             \
  [[gnu::used, gnu::section(".kbench." KBENCH_SUITE)]] static constexpr ::kernel::kbench::Benchmark  \
      KBENCH_CONCAT(kbench_case_, name){KBENCH_SUITE, #name,                                   \
                                        &KBENCH_CONCAT(kbench_body_, name), arg_spec,          \
                                        __FILE__,     __LINE__};                               \
  static void KBENCH_CONCAT(kbench_body_, name)([[maybe_unused]] ::kernel::kbench::State & state)

#define KBENCH(name) KBENCH_DEFINE(name, (::kernel::kbench::ArgSpec{}))
#define KBENCH_RANGE(name, lo, hi, multiplier)                                             \
  KBENCH_DEFINE(name, (::kernel::kbench::ArgSpec{::kernel::kbench::ArgKind::Range, nullptr, 0, (lo), (hi), \
                                         (multiplier)}))
// KBENCH_ARGS(name, {0, 1, 3, 9, 18}): the braces are one variadic macro argument.
#define KBENCH_ARGS(name, ...)                                                               \
  static constexpr std::int64_t KBENCH_CONCAT(kbench_args_, name)[] = __VA_ARGS__;          \
  KBENCH_DEFINE(name, (::kernel::kbench::ArgSpec{::kernel::kbench::ArgKind::List,                            \
                                         KBENCH_CONCAT(kbench_args_, name),                  \
                                         sizeof(KBENCH_CONCAT(kbench_args_, name)) /         \
                                             sizeof(std::int64_t),                           \
                                         0, 0, 0}))

// Every-CPU variants of a family defined above in the same file (the same body):
// KBENCH_EVERY_CPU(name) for a KBENCH, KBENCH_ARGS_EVERY_CPU(name, {...}) for a KBENCH_ARGS
// or KBENCH_RANGE (any of its arguments, or others). Skipped with one CPU online.
#define KBENCH_EVERY_CPU(name)                                                                \
  [[gnu::used, gnu::section(".kbench." KBENCH_SUITE)]] static constexpr ::kernel::kbench::Benchmark  \
      KBENCH_CONCAT(kbench_every_cpu_case_, name){KBENCH_SUITE,                               \
                                                  #name,                                      \
                                                  &KBENCH_CONCAT(kbench_body_, name),         \
                                                  ::kernel::kbench::ArgSpec{},                        \
                                                  __FILE__,                                   \
                                                  __LINE__,                                   \
                                                  true}
#define KBENCH_ARGS_EVERY_CPU(name, ...)                                                      \
  static constexpr std::int64_t KBENCH_CONCAT(kbench_every_cpu_args_, name)[] = __VA_ARGS__; \
  [[gnu::used, gnu::section(".kbench." KBENCH_SUITE)]] static constexpr ::kernel::kbench::Benchmark  \
      KBENCH_CONCAT(kbench_every_cpu_case_, name){                                            \
          KBENCH_SUITE,                                                                       \
          #name,                                                                              \
          &KBENCH_CONCAT(kbench_body_, name),                                                 \
          ::kernel::kbench::ArgSpec{::kernel::kbench::ArgKind::List,                                          \
                            KBENCH_CONCAT(kbench_every_cpu_args_, name),                      \
                            sizeof(KBENCH_CONCAT(kbench_every_cpu_args_, name)) /             \
                                sizeof(std::int64_t),                                         \
                            0, 0, 0},                                                         \
          __FILE__,                                                                           \
          __LINE__,                                                                           \
          true}
