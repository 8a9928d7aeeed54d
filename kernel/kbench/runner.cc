// Runs benchmark instances with recovery: a benchmark that faults or panics is recorded as
// failed and the run goes on (a guarded call, like the ktest runner's).
#include "kernel/kbench/runner.h"

#include <atomic>
#include <optional>
#include <string_view>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/exceptions.h"
#include "arch/x86_64/guarded_call.h"
#include "arch/x86_64/smp/idle_work.h"
#include "arch/x86_64/smp/percpu.h"
#include "kernel/console.h"
#include "kernel/kbench/iteration_policy.h"
#include "mm/hal.h"

namespace kernel::kbench {
namespace {

void print_fault_report(void*, const arch::TrapFrame* frame) {
  // So the failure can be debugged (a panic has printed its own report).
  if (frame != nullptr) arch::print_exception_report(kernel::console_sink(), *frame);
}

// Any fault, unexpected interrupt or panic in a body fails the benchmark. The guard is the
// boot CPU's: an AP running an every-CPU benchmark has none, so its fault or panic takes
// the ordinary (final) path.
constexpr arch::GuardOptions GUARD{
    .name = "kbench runner",
    .exceptions = arch::EVERY_EXCEPTION,
    .unexpected_interrupts = true,
    .panics = true,
    .on_catch = &print_fault_report,
};

arch::GuardedOutcome run_body(void (*body)(State&), State& state) {
  return arch::guarded_call(GUARD, [&] { body(state); });
}

// Copies the State's counters into the record, by name (the first repetition defines the
// order; a name first seen later takes a free slot).
bool collect_counters(const Counters& counters, InstanceResult& result,
                      Repetition& repetition) {
  for (std::size_t i = 0; i < counters.size(); ++i) {
    const std::string_view name = counters.name(i);
    std::size_t slot = 0;
    while (slot < result.counter_count && name != result.counter_names[slot]) ++slot;
    if (slot == result.counter_count) {
      if (slot == MAX_COUNTERS) return false;
      result.counter_names[slot] = counters.name(i);
      ++result.counter_count;
    }
    repetition.counters[slot] = counters.value(i);
  }
  return !counters.overflowed();
}

constexpr std::string_view TOO_MANY_COUNTERS =
    "more than 4 counters (state.counters holds MAX_COUNTERS)";

void fail(InstanceResult& result, std::string_view message) {
  result.outcome = Outcome::Failed;
  result.set_message(message);
}

// How a body's run ended, judged the same on every CPU: false (with the record marked) if
// it did not complete. `cpu` names the CPU in the message of an every-CPU run.
bool judge(const State& state, const arch::GuardedOutcome& ended, InstanceResult& result,
           std::optional<unsigned> cpu = std::nullopt) {
  char text[MAX_MESSAGE_LENGTH];
  keel::fmt::BufferSink message(text, sizeof(text));
  if (cpu) keel::fmt::print(message, "CPU {}: ", *cpu);
  if (ended.faulted()) {
    keel::fmt::print(message, "CPU exception {} ({}) at rip {:#x}", ended.fault.vector,
               arch::exception_name(ended.fault.vector), ended.fault.rip);
    fail(result, message.view());
    return false;
  }
  if (ended.panicked()) {
    message.write("panic (report above)");
    fail(result, message.view());
    return false;
  }
  if (state.error_reason() != nullptr) {
    message.write(state.error_reason());
    fail(result, message.view());
    return false;
  }
  if (state.skip_reason() != nullptr) {
    result.outcome = Outcome::Skipped;
    // A skip is about the machine, not the CPU: every CPU of a run gives the same reason.
    result.set_message(state.skip_reason());
    return false;
  }
  if (!state.finished()) {
    message.write("the benchmark returned before its loop ended (or never looped)");
    fail(result, message.view());
    return false;
  }
  return true;
}

// Records a completed run: its measurement, the body's counters, items and figure (`state`
// is the boot CPU's in an every-CPU run). False (with the record marked) on too many
// counters.
bool record(const State& state, const Counters& counters, std::uint64_t iterations,
            std::uint64_t cycles, std::uint64_t items, InstanceResult& result,
            Repetition& repetition) {
  repetition = Repetition{};
  repetition.iterations = iterations;
  repetition.cycles = cycles;
  repetition.items = items;
  result.has_items = result.has_items || state.has_items();
  if (state.figure() != nullptr) result.figure = state.figure();
  if (!collect_counters(counters, result, repetition)) {
    fail(result, TOO_MANY_COUNTERS);
    return false;
  }
  return true;
}

// One timed run of `iterations`; false (with the record marked) if it did not complete.
bool timed_run(const InstanceSpec& instance, std::uint64_t iterations, InstanceResult& result,
               Repetition& repetition) {
  State state(iterations, instance.arg);
  const arch::GuardedOutcome ended = run_body(instance.benchmark->body, state);
  if (!judge(state, ended, result)) return false;
  return record(state, state.counters, iterations, state.timed_cycles(), state.items(), result,
                repetition);
}

// ---- Every-CPU runs ----------------------------------------------------------------------

// The run the APs pick up from their idle loop. Written by the boot CPU before it posts the
// work (post_to_idle_aps publishes it with release), read back after every AP's `done`.
struct EveryCpuRun {
  const InstanceSpec* instance = nullptr;
  std::uint64_t iterations = 0;
  unsigned cpus = 0;
  StartGate gate;
  std::atomic<unsigned> done{0};
  std::optional<State> states[mm::hal::MAX_CPUS];
};
constinit EveryCpuRun g_every_cpu;

// Posted to the idle APs. A fault or panic here is final (see GUARD); an error or
// skip is judged by the boot CPU from this CPU's State.
void run_on_this_ap() {
  EveryCpuRun& run = g_every_cpu;
  const unsigned cpu = arch::smp::this_cpu_index();
  // A CPU that came online after the run was set up sits it out (cpu_count only grows).
  if (cpu == 0 || cpu >= run.cpus) return;
  State& state = run.states[cpu].emplace(run.iterations, run.instance->arg);
  state.set_start_gate(&run.gate);
  run.instance->benchmark->body(state);
  state.release_start_gate();
  run.done.fetch_add(1, std::memory_order_release);
}

// One timed run of `iterations` on each of `cpus` CPUs at once. Each CPU's figure is its own
// timed cycles; the record gets their mean (so a figure stays "per operation of one CPU",
// comparable with the single-CPU run), the mean of each counter and of the items, and the
// counter `cpus`. Any CPU's failure fails the run.
bool every_cpu_run(const InstanceSpec& instance, std::uint64_t iterations, unsigned cpus,
                   InstanceResult& result, Repetition& repetition) {
  EveryCpuRun& run = g_every_cpu;
  run.instance = &instance;
  run.iterations = iterations;
  run.cpus = cpus;
  run.gate.arrived.store(0, std::memory_order_relaxed);
  run.gate.expected = cpus;
  run.done.store(0, std::memory_order_relaxed);
  for (unsigned cpu = 0; cpu < cpus; ++cpu) run.states[cpu].reset();
  State& boot = run.states[0].emplace(iterations, instance.arg);
  boot.set_start_gate(&run.gate);
  arch::smp::post_to_idle_aps(&run_on_this_ap);
  const arch::GuardedOutcome ended = run_body(instance.benchmark->body, boot);
  boot.release_start_gate();
  while (run.done.load(std::memory_order_acquire) != cpus - 1) arch::pause();

  // A failure on any CPU outranks a skip on another (a CPU that found no memory left may
  // skip while another's allocation failed): the first failure is what gets reported.
  bool completed = true;
  for (unsigned cpu = 0; cpu < cpus; ++cpu) {
    completed = judge(*run.states[cpu], cpu == 0 ? ended : arch::GuardedOutcome{}, result, cpu) &&
                completed;
    if (result.outcome == Outcome::Failed) return false;
  }
  if (!completed) return false;
  Counters counters;
  std::uint64_t cycles = 0;
  std::uint64_t items = 0;
  for (unsigned cpu = 0; cpu < cpus; ++cpu) {
    const State& state = *run.states[cpu];
    if (state.counters.overflowed()) {
      fail(result, TOO_MANY_COUNTERS);
      return false;
    }
    cycles += state.timed_cycles();
    items += state.items();
    for (std::size_t i = 0; i < state.counters.size(); ++i) {
      counters[state.counters.name(i)] += state.counters.value(i);
    }
  }
  for (std::size_t i = 0; i < counters.size(); ++i) counters[counters.name(i)] /= cpus;
  counters["cpus"] = cpus;
  return record(boot, counters, iterations, cycles / cpus, items / cpus, result, repetition);
}

}  // namespace

void format_instance_name(keel::fmt::Sink& sink, const InstanceSpec& instance) {
  keel::fmt::print(sink, "{}.{}", instance.benchmark->suite, instance.benchmark->name);
  if (instance.has_arg) keel::fmt::print(sink, "/{}", instance.arg);
  if (instance.benchmark->every_cpu) sink.write("/cpus:all");
}

const InstanceResult* run_instance(const InstanceSpec& instance, const Options& options,
                                   std::uint64_t min_cycles, ResultStore& store) {
  char name[MAX_NAME_LENGTH];
  keel::fmt::BufferSink name_text(name, sizeof(name));
  format_instance_name(name_text, instance);
  InstanceResult* result =
      store.add_instance(name_text.view(), instance.family_index,
                         instance.per_family_instance_index, options.repetitions);
  if (result == nullptr) return nullptr;

  const bool every_cpu = instance.benchmark->every_cpu;
  const unsigned cpus = mm::hal::cpu_count();
  if (every_cpu && cpus == 1) {
    result->outcome = Outcome::Skipped;
    result->set_message("one CPU online");
    return result;
  }

  // Like Google Benchmark: the first repetition grows the iteration count until a run is
  // long enough, and the later repetitions reuse that count. An every-CPU benchmark grows
  // it on the boot CPU alone, then runs that count on every CPU: each CPU does the same
  // work, and the count does not depend on how the CPUs interleaved.
  std::uint64_t iterations = options.iterations != 0 ? options.iterations : 1;
  bool scaled = options.iterations != 0;
  if (every_cpu) {
    for (Repetition trial; !scaled;) {
      if (!timed_run(instance, iterations, *result, trial)) return result;
      scaled = trial_is_enough(Trial{iterations, trial.cycles}, min_cycles);
      if (!scaled) iterations = next_iterations(Trial{iterations, trial.cycles}, min_cycles);
    }
  }
  for (std::uint32_t rep = 0; rep < options.repetitions; ++rep) {
    Repetition repetition;
    for (;;) {
      const bool completed =
          every_cpu ? every_cpu_run(instance, iterations, cpus, *result, repetition)
                    : timed_run(instance, iterations, *result, repetition);
      if (!completed) return result;
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

}  // namespace kernel::kbench
