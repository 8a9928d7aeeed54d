#include "kernel/kbench/json_report.h"

#include "kernel/kbench/aggregates.h"
#include "kernel/kbench/json_writer.h"

namespace kernel::kbench {
namespace {

void write_context(JsonWriter& json, const ReportContext& c) {
  json.key("context");
  json.begin_object();
  char date[40];
  keel::fmt::BufferSink date_text(date, sizeof(date));
  keel::fmt::print(date_text, "{}", c.date);
  json.field("date", date_text.view());
  json.field("host_name", "keel");
  json.field("executable", "keel.elf");
  json.field("num_cpus", std::uint64_t{c.num_cpus});
  json.field("mhz_per_cpu", c.mhz_per_cpu);
  json.field_bool("cpu_scaling_enabled", false);
  json.key("caches");
  json.begin_array();
  for (std::size_t i = 0; i < c.cache_count && i < MAX_CACHES; ++i) {
    json.begin_object();
    json.field("type", cache_type_name(c.caches[i].type));
    json.field("level", std::uint64_t{c.caches[i].level});
    json.field("size", c.caches[i].size_bytes);
    json.field("num_sharing", std::uint64_t{c.caches[i].num_sharing});
    json.end_object();
  }
  json.end_array();
  json.key("load_avg");
  json.begin_array();
  json.end_array();
  json.field("library_build_type", "release");
  json.field("json_schema_version", std::uint64_t{1});
  json.field("keel_boot_path", c.boot_path);
  json.field("keel_accelerator", c.accelerator);
  json.field("keel_memory_bytes", c.memory_bytes);
  json.field("keel_cpu_model", c.cpu_model);
  json.field("keel_tsc_hz", c.tsc_hz);
  json.field("keel_tsc_calibration", c.tsc_calibration);
  json.field_bool("keel_invariant_tsc", c.invariant_tsc);
  json.end_object();
}

// The keys every record starts with; `suffix` is "" or "_<aggregate>".
void write_identity(JsonWriter& json, const InstanceResult& instance, std::string_view suffix,
                    bool aggregate) {
  json.key("name");
  char name[MAX_NAME_LENGTH + 16];
  keel::fmt::BufferSink name_text(name, sizeof(name));
  keel::fmt::print(name_text, "{}{}", instance.name_view(), suffix);
  json.string(name_text.view());
  json.field("family_index", std::uint64_t{instance.family_index});
  json.field("per_family_instance_index", std::uint64_t{instance.per_family_instance_index});
  json.field("run_name", instance.name_view());
  json.field("run_type", aggregate ? "aggregate" : "iteration");
  json.field("repetitions", std::uint64_t{instance.repetitions});
}

void write_times(JsonWriter& json, std::uint64_t iterations, std::uint64_t time_ps,
                 std::uint64_t millicycles) {
  json.field("iterations", iterations);
  json.field_milli("real_time", time_ps);  // ps = thousandths of a ns
  json.field_milli("cpu_time", time_ps);   // one CPU, never preempted: the same
  json.field("time_unit", "ns");
  json.field_milli("cycles_per_op", millicycles);
}

// Google Benchmark's "label" field, which kx reads for `figure=<counter>`.
void write_figure_label(JsonWriter& json, const InstanceResult& instance) {
  if (instance.figure == nullptr) return;
  char label[64];
  keel::fmt::BufferSink text(label, sizeof(label));
  keel::fmt::print(text, "figure={}", instance.figure);
  json.field("label", text.view());
}

void write_iteration(JsonWriter& json, const InstanceResult& instance, const Repetition& r,
                     std::uint32_t index, std::uint64_t tsc_hz) {
  const Figures f = figures_of(r, tsc_hz);
  json.begin_object();
  write_identity(json, instance, "", false);
  json.field("repetition_index", std::uint64_t{index});
  json.field("threads", std::uint64_t{1});
  write_times(json, r.iterations, f.time_ps_per_op, f.millicycles_per_op);
  if (instance.has_items) json.field_milli("items_per_second", f.milli_items_per_second);
  for (std::size_t c = 0; c < instance.counter_count && c < MAX_COUNTERS; ++c) {
    json.field(instance.counter_names[c], r.counters[c]);
  }
  write_figure_label(json, instance);
  json.end_object();
}

// The repetition that was skipped or failed, as Google Benchmark reports one.
void write_unfinished(JsonWriter& json, const InstanceResult& instance, std::uint32_t index) {
  json.begin_object();
  write_identity(json, instance, "", false);
  json.field("repetition_index", std::uint64_t{index});
  json.field("threads", std::uint64_t{1});
  if (instance.outcome == Outcome::Failed) {
    json.field_bool("error_occurred", true);
    json.field("error_message", instance.message_view());
  } else {
    json.field_bool("skipped", true);
    json.field("skip_message", instance.message_view());
  }
  write_times(json, 0, 0, 0);
  json.end_object();
}

void write_aggregates(JsonWriter& json, const InstanceResult& instance,
                      std::span<const Repetition> repetitions, std::uint64_t tsc_hz) {
  const InstanceAggregates a = aggregate(repetitions, tsc_hz);
  for (const Aggregate which : AGGREGATES) {
    char suffix[16];
    keel::fmt::BufferSink suffix_text(suffix, sizeof(suffix));
    keel::fmt::print(suffix_text, "_{}", aggregate_name(which));
    json.begin_object();
    write_identity(json, instance, suffix_text.view(), true);
    json.field("threads", std::uint64_t{1});
    json.field("aggregate_name", aggregate_name(which));
    json.field("aggregate_unit", "time");
    // As Google Benchmark does: an aggregate's "iterations" is the number of repetitions.
    write_times(json, repetitions.size(), pick(a.time_ps, which), pick(a.millicycles, which));
    if (instance.has_items) {
      json.field_milli("items_per_second", pick(a.milli_items_per_second, which));
    }
    for (std::size_t c = 0; c < instance.counter_count && c < MAX_COUNTERS; ++c) {
      json.field_milli(instance.counter_names[c], pick(a.milli_counters[c], which));
    }
    write_figure_label(json, instance);
    json.end_object();
  }
}

}  // namespace

bool write_json_report(keel::fmt::Sink& sink, const ReportContext& context, const ResultStore& results) {
  JsonWriter json(sink);
  json.begin_object();
  write_context(json, context);
  json.key("benchmarks");
  json.begin_array();
  for (const InstanceResult& instance : results.instances()) {
    const auto repetitions = results.repetitions_of(instance);
    for (std::uint32_t i = 0; i < repetitions.size(); ++i) {
      write_iteration(json, instance, repetitions[i], i, context.tsc_hz);
    }
    if (instance.outcome != Outcome::Ok) {
      write_unfinished(json, instance, static_cast<std::uint32_t>(repetitions.size()));
    } else if (repetitions.size() > 1) {
      write_aggregates(json, instance, repetitions, context.tsc_hz);
    }
  }
  json.end_array();
  json.end_object();
  return json.ok();
}

}  // namespace kernel::kbench
