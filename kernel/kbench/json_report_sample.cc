// Prints a sample benchmark report (every kind of record) for json_report_schema_test.
#include <cstdio>

#include "kernel/kbench/json_report.h"

namespace kernel::kbench {
namespace {

class StdoutSink final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override { std::fwrite(text.data(), 1, text.size(), stdout); }
};

}  // namespace
}  // namespace kernel::kbench

int main() {
  using namespace kernel::kbench;
  static InstanceResult instances[8];
  static Repetition repetitions[32];
  ResultStore store(instances, repetitions);

  InstanceResult* phase = store.add_instance("boot_phase/ready", 0, 0, 1);
  Repetition one;
  one.iterations = 1;
  one.cycles = 123'456'789;
  store.add_repetition(*phase, one);

  for (std::uint32_t arg = 0; arg < 2; ++arg) {
    char name[32];
    std::snprintf(name, sizeof(name), "mm/frame_alloc/%u", arg);
    InstanceResult* bench = store.add_instance(name, 1, arg, 5);
    bench->has_items = true;
    bench->counter_names[0] = "frames";
    bench->counter_names[1] = "bytes";
    bench->counter_count = 2;
    for (std::uint64_t rep = 0; rep < 5; ++rep) {
      Repetition r;
      r.iterations = 1'000'000;
      r.cycles = 30'000'000 + rep * 1'000'000;
      r.items = r.iterations;
      r.counters[0] = 100 + rep;
      r.counters[1] = 4096 * (100 + rep);
      store.add_repetition(*bench, r);
    }
  }
  InstanceResult* skipped = store.add_instance("mm/frame_alloc/18", 1, 2, 5);
  skipped->outcome = Outcome::Skipped;
  skipped->set_message("order 18 needs 1 GiB; \"512 MiB\" present");
  InstanceResult* failed = store.add_instance("cpu/faulty\tname\\x", 2, 0, 5);
  failed->outcome = Outcome::Failed;
  failed->set_message("CPU exception 14 (#PF page fault) at rip 0xffffffff80101234");

  ReportContext context;
  context.date = DateTime{2025, 11, 21, 10, 24, 0};
  context.mhz_per_cpu = 2300;
  context.caches[0] = CacheInfo{CacheType::Data, 1, 32768, 2};
  context.caches[1] = CacheInfo{CacheType::Unified, 3, 16 << 20, 16};
  context.cache_count = 2;
  context.boot_path = "pvh";
  context.accelerator = "kvm";
  context.memory_bytes = 536'870'912;
  context.cpu_model = "Intel(R) Xeon(R) Processor";
  context.tsc_hz = 2'300'000'000;
  context.tsc_calibration = "cpuid-0x15";
  context.invariant_tsc = true;
  StdoutSink out;
  return write_json_report(out, context, store) ? 0 : 1;
}
