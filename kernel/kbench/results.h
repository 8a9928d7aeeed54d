// What a benchmark run produced, kept until the end so the JSON report can be written in
// one piece (to COM2, or framed on COM1 after the console table). Fixed capacity, no heap:
// the caller provides the storage.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>
#include "lib/fmt/format.h"

namespace kernel::kbench {

inline constexpr std::size_t MAX_COUNTERS = 4;
inline constexpr std::size_t MAX_NAME_LENGTH = 96;
inline constexpr std::size_t MAX_MESSAGE_LENGTH = 96;

enum class Outcome : std::uint8_t {
  Ok,
  Skipped,  // state.skip(): Google Benchmark's SkipWithMessage
  Failed,   // state.error(), a CPU exception or a panic: SkipWithError
};
inline void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, Outcome o) {
  keel::fmt::format_value(sink, spec, o == Outcome::Ok ? "Ok" : o == Outcome::Skipped ? "Skipped" : "Failed");
}

// One repetition's raw measurement.
struct Repetition {
  std::uint64_t iterations = 0;
  std::uint64_t cycles = 0;  // TSC cycles inside the timed region(s)
  std::uint64_t items = 0;   // set_items_processed(), when InstanceResult::has_items
  std::uint64_t counters[MAX_COUNTERS] = {};
};

// One benchmark instance (a family with one argument).
struct InstanceResult {
  char name[MAX_NAME_LENGTH] = {};
  std::uint32_t family_index = 0;
  std::uint32_t per_family_instance_index = 0;
  std::uint32_t repetitions = 0;  // requested
  std::uint32_t first_repetition = 0;  // into ResultStore's repetition pool
  std::uint32_t repetition_count = 0;  // recorded (fewer after a skip or failure)
  Outcome outcome = Outcome::Ok;
  char message[MAX_MESSAGE_LENGTH] = {};  // the skip or failure reason
  const char* counter_names[MAX_COUNTERS] = {};
  std::uint8_t counter_count = 0;
  const char* figure = nullptr;  // the counter State::set_figure named, if any
  bool has_items = false;

  std::string_view name_view() const;
  std::string_view message_view() const;
  void set_message(std::string_view text);  // truncated to fit
};

class ResultStore {
 public:
  ResultStore(std::span<InstanceResult> instances, std::span<Repetition> repetitions)
      : instances_(instances), repetitions_(repetitions) {}

  // nullptr when the store is full (counted in dropped_instances()). The name is
  // truncated to MAX_NAME_LENGTH - 1.
  InstanceResult* add_instance(std::string_view name, std::uint32_t family_index,
                               std::uint32_t per_family_instance_index,
                               std::uint32_t repetitions);
  // Appends to the last added instance; false when the pool is full (counted).
  bool add_repetition(InstanceResult& instance, const Repetition& repetition);

  std::span<const InstanceResult> instances() const { return instances_.first(instance_count_); }
  std::span<const Repetition> repetitions_of(const InstanceResult& instance) const {
    return repetitions_.subspan(instance.first_repetition, instance.repetition_count);
  }
  std::size_t dropped_instances() const { return dropped_instances_; }
  std::size_t dropped_repetitions() const { return dropped_repetitions_; }

 private:
  std::span<InstanceResult> instances_;
  std::span<Repetition> repetitions_;
  std::size_t instance_count_ = 0;
  std::size_t repetition_count_ = 0;
  std::size_t dropped_instances_ = 0;
  std::size_t dropped_repetitions_ = 0;
};

// A repetition's per-operation figures. Without a calibrated TSC (tsc_hz == 0) a cycle
// counts as a nanosecond: the numbers stay usable for comparisons on one machine.
struct Figures {
  std::uint64_t time_ps_per_op;       // reported as ns with three decimals
  std::uint64_t millicycles_per_op;
  std::uint64_t milli_items_per_second;
};
Figures figures_of(const Repetition& repetition, std::uint64_t tsc_hz);

}  // namespace kernel::kbench
