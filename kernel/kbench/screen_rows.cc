#include "kernel/kbench/screen_rows.h"

#include <algorithm>

#include "kernel/kbench/aggregates.h"
#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {
namespace {

// Every text here ends in NUL: the kept arrays by construction, counter names as literals.
std::string_view view_of(const char* text) { return text; }

template <std::size_t N>
void copy_text(char (&to)[N], std::string_view from) {
  const std::size_t n = std::min(from.size(), N - 1);
  std::copy_n(from.data(), n, to);
  to[n] = '\0';
}

// The index of the counter `figure` names; MAX_COUNTERS when none does.
std::size_t figure_counter(const InstanceResult& instance) {
  if (instance.figure == nullptr) return MAX_COUNTERS;
  for (std::size_t c = 0; c < instance.counter_count && c < MAX_COUNTERS; ++c) {
    if (instance.counter_names[c] != nullptr &&
        view_of(instance.counter_names[c]) == view_of(instance.figure)) {
      return c;
    }
  }
  return MAX_COUNTERS;
}

}  // namespace

ScreenRow KeptRow::view() const {
  return ScreenRow{.name = view_of(name), .value = view_of(value), .unit = view_of(unit),
                   .iterations = iterations, .outcome = outcome, .message = view_of(message)};
}

void format_counter_unit(keel::fmt::Sink& sink, std::string_view counter, std::string_view counted) {
  const std::size_t per = counter.find("_per_");
  std::string_view what = counter.substr(0, per);
  if (what == "cycles") what = counted;
  if (per == std::string_view::npos) return keel::fmt::print(sink, "{}", what);
  const std::string_view of = counter.substr(per + 5);
  keel::fmt::print(sink, "{}/{}", what, of == "second" ? "s" : of);
}

void keep_row(const InstanceResult& instance, std::span<const Repetition> repetitions,
              std::uint64_t tsc_hz, std::string_view counted, KeptRow& row) {
  row = KeptRow{};
  copy_text(row.name, instance.name_view());
  row.outcome = instance.outcome;
  copy_text(row.message, instance.message_view());
  if (repetitions.empty()) {
    // Recorded as Ok without a measurement only when the store ran out of room.
    if (row.outcome == Outcome::Ok) {
      row.outcome = Outcome::Skipped;
      copy_text(row.message, "no repetition recorded");
    }
    return;
  }
  row.iterations = repetitions[0].iterations;
  const InstanceAggregates a = aggregate(repetitions, tsc_hz);
  keel::fmt::BufferSink value(row.value, sizeof(row.value) - 1);
  keel::fmt::BufferSink unit(row.unit, sizeof(row.unit) - 1);
  if (const std::size_t c = figure_counter(instance); c != MAX_COUNTERS) {
    // Counters are integers: their median has decimals only between two middle values.
    const std::uint64_t milli = a.milli_counters[c].median;
    if (milli % 1000 == 0) {
      keel::fmt::print(value, "{}", milli / 1000);
    } else {
      keel::fmt::print(value, "{}", Milli{milli});
    }
    format_counter_unit(unit, view_of(instance.figure), counted);
  } else {
    keel::fmt::print(value, "{}", Milli{a.millicycles.median});
    keel::fmt::print(unit, "{}/op", counted);
  }
}

void format_screen_summary(keel::fmt::Sink& sink, const ReportContext& context,
                           std::uint32_t repetitions) {
  keel::fmt::print(sink, "{}, {}, {} CPU(s), {} MiB, {}", context.date, context.cpu_model,
             context.num_cpus, context.memory_bytes >> 20, context.accelerator);
  if (repetitions > 1) keel::fmt::print(sink, ", medians of {} runs", repetitions);
}

}  // namespace kernel::kbench
