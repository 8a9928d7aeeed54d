// Runs benchmark instances with recovery: a benchmark that faults or panics is recorded as
// failed and the run goes on (the same setjmp approach as the ktest runner).
#include "kernel/kbench/runner.h"

#include <string_view>

#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/jump.h"
#include "kernel/console.h"
#include "kernel/kbench/iteration_policy.h"
#include "kernel/recovery.h"

namespace kbench {
namespace {

struct Guard {
  arch::JumpBuffer resume{};
  std::uint64_t fault_vector = 0;
  std::uint64_t fault_rip = 0;
};
constinit Guard g_guard;

constexpr int kReturned = 0;
constexpr int kResumedFromFault = 1;
constexpr int kResumedFromPanic = 2;

bool on_exception(arch::TrapFrame& frame) {
  g_guard.fault_vector = frame.vector;
  g_guard.fault_rip = frame.rip;
  arch::print_exception_report(console::sink(), frame);  // so the failure can be debugged
  arch::redirect_trap_to_jump(frame, g_guard.resume, kResumedFromFault);
  return true;
}

void resume_after_panic() { keel_longjmp(&g_guard.resume, kResumedFromPanic); }
constexpr kernel::PanicRecovery kPanicRecovery{"kbench", &resume_after_panic};

// Calls the body with kbench's exception hook and panic recovery installed, restoring
// whatever was installed before (a ktest may be running the harness).
int guarded_call(void (*body)(State&), State& state) {
  const arch::ExceptionHook previous_hook = arch::g_exception_hook;
  const kernel::PanicRecovery* const previous_recovery = kernel::g_panic_recovery;
  arch::g_exception_hook = &on_exception;
  kernel::g_panic_recovery = &kPanicRecovery;
  const int resumed = keel_setjmp(&g_guard.resume);
  if (resumed == kReturned) body(state);
  arch::g_exception_hook = previous_hook;
  kernel::g_panic_recovery = previous_recovery;
  return resumed;
}

// Copies the State's counters into the record, by name (the first repetition defines the
// order; a name first seen later takes a free slot).
bool collect_counters(const State& state, InstanceResult& result, Repetition& repetition) {
  for (std::size_t i = 0; i < state.counters.size(); ++i) {
    const std::string_view name = state.counters.name(i);
    std::size_t slot = 0;
    while (slot < result.counter_count && name != result.counter_names[slot]) ++slot;
    if (slot == result.counter_count) {
      if (slot == kMaxCounters) return false;
      result.counter_names[slot] = state.counters.name(i);
      ++result.counter_count;
    }
    repetition.counters[slot] = state.counters.value(i);
  }
  return !state.counters.overflowed();
}

void fail(InstanceResult& result, std::string_view message) {
  result.outcome = Outcome::Failed;
  result.set_message(message);
}

// One timed run of `iterations`; false (with the record marked) if it did not complete.
bool timed_run(const InstanceSpec& instance, std::uint64_t iterations, InstanceResult& result,
               Repetition& repetition) {
  State state(iterations, instance.arg);
  const int resumed = guarded_call(instance.benchmark->body, state);
  if (resumed == kResumedFromFault) {
    char text[kMaxMessageLength];
    fmt::BufferSink message(text, sizeof(text));
    fmt::print(message, "CPU exception {} ({}) at rip {:#x}", g_guard.fault_vector,
               arch::exception_name(g_guard.fault_vector), g_guard.fault_rip);
    fail(result, message.view());
    return false;
  }
  if (resumed == kResumedFromPanic) {
    fail(result, "panic (report above)");
    return false;
  }
  if (state.error_reason() != nullptr) {
    fail(result, state.error_reason());
    return false;
  }
  if (state.skip_reason() != nullptr) {
    result.outcome = Outcome::Skipped;
    result.set_message(state.skip_reason());
    return false;
  }
  if (!state.finished()) {
    fail(result, "the benchmark returned before its loop ended (or never looped)");
    return false;
  }
  repetition = Repetition{};
  repetition.iterations = iterations;
  repetition.cycles = state.timed_cycles();
  repetition.items = state.items();
  result.has_items = result.has_items || state.has_items();
  if (state.figure() != nullptr) result.figure = state.figure();
  if (!collect_counters(state, result, repetition)) {
    fail(result, "more than 4 counters (state.counters holds kMaxCounters)");
    return false;
  }
  return true;
}

}  // namespace

void format_instance_name(fmt::Sink& sink, const InstanceSpec& instance) {
  fmt::print(sink, "{}/{}", instance.benchmark->suite, instance.benchmark->name);
  if (instance.has_arg) fmt::print(sink, "/{}", instance.arg);
}

const InstanceResult* run_instance(const InstanceSpec& instance, const Options& options,
                                   std::uint64_t min_cycles, ResultStore& store) {
  char name[kMaxNameLength];
  fmt::BufferSink name_text(name, sizeof(name));
  format_instance_name(name_text, instance);
  InstanceResult* result =
      store.add_instance(name_text.view(), instance.family_index,
                         instance.per_family_instance_index, options.repetitions);
  if (result == nullptr) return nullptr;

  // Like Google Benchmark: the first repetition grows the iteration count until a run is
  // long enough, and the later repetitions reuse that count.
  std::uint64_t iterations = options.iterations != 0 ? options.iterations : 1;
  bool scaled = options.iterations != 0;
  for (std::uint32_t rep = 0; rep < options.repetitions; ++rep) {
    Repetition repetition;
    for (;;) {
      if (!timed_run(instance, iterations, *result, repetition)) return result;
      const Trial trial{iterations, repetition.cycles};
      if (scaled || trial_is_enough(trial, min_cycles)) break;
      iterations = next_iterations(trial, min_cycles);
    }
    scaled = true;
    if (!store.add_repetition(*result, repetition)) {
      result->outcome = Outcome::Skipped;
      result->set_message("result store full: repetition not recorded");
      return result;
    }
  }
  return result;
}

}  // namespace kbench
