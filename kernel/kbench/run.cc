// kernel::kbench::run: calibration, selection, the console table, the JSON report.
#include "kernel/kbench/run.h"

#include <span>

#include "arch/x86_64/cpu.h"
#include "arch/x86_64/cpu_features.h"
#include "arch/x86_64/serial.h"
#include "arch/x86_64/tsc.h"
#include "kernel/console.h"
#include "kernel/kbench/boot_phase_family.h"
#include "kernel/kbench/fixed_point.h"
#include "kernel/kbench/json_report.h"
#include "kernel/kbench/machine_context.h"
#include "kernel/kbench/runner.h"
#include "kernel/kbench/screen_report.h"
#include "kernel/kbench/table.h"
#include "kernel/ktest/glob.h"

extern "C" const kernel::kbench::Benchmark __kbench_start[];
extern "C" const kernel::kbench::Benchmark __kbench_end[];

namespace kernel::kbench {
namespace {

// ~100 KiB of .bss: room for 192 instances and 1024 repetitions in all.
constexpr std::size_t MAX_INSTANCES = 192;
constexpr std::size_t MAX_REPETITION_RECORDS = 1024;
constinit InstanceResult g_instance_storage[MAX_INSTANCES];
constinit Repetition g_repetition_storage[MAX_REPETITION_RECORDS];
constinit arch::Uart16550 g_com2;

constexpr std::uint64_t NOMINAL_HZ = 1'000'000'000;  // uncalibrated: pretend 1 GHz

std::span<const Benchmark> registered() { return {__kbench_start, __kbench_end}; }

// Counts the bytes passing through, for the "written to COM2" line.
class CountingSink final : public keel::fmt::Sink {
 public:
  explicit CountingSink(keel::fmt::Sink& inner) : inner_(inner) {}
  void write(std::string_view text) override {
    bytes_ += text.size();
    inner_.write(text);
  }
  std::uint64_t bytes() const { return bytes_; }

 private:
  keel::fmt::Sink& inner_;
  std::uint64_t bytes_ = 0;
};

bool selected(std::string_view filter, std::string_view name) {
  return kernel::ktest::filter_selects(filter, name);
}

// Calls visit(InstanceSpec) for every selected instance of the registered families, with
// family and per-family indices counted over selected instances only (as Google Benchmark
// numbers them after filtering). `first_family` is the index of the first family.
template <typename Visit>
void for_each_selected(std::string_view filter, std::uint32_t first_family, Visit visit) {
  std::uint32_t family_index = first_family;
  for (const Benchmark& benchmark : registered()) {
    std::int64_t args[MAX_ARGS_PER_FAMILY];
    const std::size_t arg_count = expand_args(benchmark.args, args);
    const bool has_args = benchmark.args.kind != ArgKind::None;
    std::uint32_t in_family = 0;
    for (std::size_t i = 0; i < (has_args ? arg_count : 1); ++i) {
      InstanceSpec spec{&benchmark, has_args ? args[i] : 0, has_args, family_index, in_family};
      char name[MAX_NAME_LENGTH];
      keel::fmt::BufferSink name_text(name, sizeof(name));
      format_instance_name(name_text, spec);
      if (!selected(filter, name_text.view())) continue;
      visit(spec, name_text.view());
      ++in_family;
    }
    if (in_family != 0) ++family_index;
  }
}

// Calibrates the TSC and says loudly what makes the figures below untrustworthy.
arch::TscFrequency calibrate_and_report() {
  const arch::CpuFeatures& cpu = arch::detect_cpu_features();
  const arch::TscFrequency tsc = arch::calibrate_tsc();
  if (tsc.hz == 0) {
    kernel::console_print("kbench: TSC UNCALIBRATED (no CPUID 0x15, hypervisor leaf or PIT): times "
                   "below are cycles, reported as if the TSC ran at 1 GHz\n");
  } else {
    kernel::console_print("kbench: TSC {} MHz by {} ({})\n", Milli{tsc.hz / 1000},
                   arch::tsc_source_name(tsc.source), tsc.detail);
    if (tsc.source != arch::TscSource::Pit) {
      // A second opinion costs ~30 ms and catches a hypervisor or model table that lies.
      const arch::TscFrequency pit = arch::tsc_from_pit();
      if (pit.hz != 0) {
        const std::uint64_t diff = pit.hz > tsc.hz ? pit.hz - tsc.hz : tsc.hz - pit.hz;
        kernel::console_print("kbench: TSC cross-check against the PIT: {} MHz{}\n",
                       Milli{pit.hz / 1000},
                       diff * 100 > tsc.hz ? " — DIFFERS BY MORE THAN 1%" : " (agrees)");
      }
    }
  }
  constexpr std::uint64_t CR0_CACHE_DISABLE = 1ull << 30;
  if ((arch::read_cr0() & CR0_CACHE_DISABLE) != 0) {
    kernel::console_print("kbench: WARNING: CPU CACHES ARE DISABLED (CR0.CD set): every access is "
                   "uncached; results are meaningless\n");
  }
  if (!cpu.invariant_tsc) {
    kernel::console_print("kbench: WARNING: NO INVARIANT TSC (CPUID 0x80000007 EDX bit 8 clear): the "
                   "TSC rate may change with power states; treat times with suspicion\n");
  }
  return tsc;
}

constexpr std::string_view BEGIN_MARKER = "----- BEGIN KBENCH JSON -----\n";
constexpr std::string_view END_MARKER = "----- END KBENCH JSON -----\n";

// The report goes between marker lines on whichever port carries it: on COM1 they keep the
// console log readable; on COM2 they fence off what firmware wrote there before keel ran
// (OVMF mirrors its console to every serial port).
void emit_json(const ReportContext& context, const ResultStore& store) {
  // COM2 only under QEMU/KVM, where the host wired it on purpose; on a real box a COM2
  // header may lead nowhere, so the report goes to the console log with COM1's.
  if (arch::running_under_qemu_or_kvm() && g_com2.init(arch::COM2)) {
    CountingSink counting(g_com2);
    counting.write("\n");  // firmware may have left a partial line
    counting.write(BEGIN_MARKER);
    const bool ok = write_json_report(counting, context, store);
    counting.write(END_MARKER);
    kernel::console_print("kbench: JSON report ({} bytes, between marker lines) written to COM2 "
                   "(0x2f8){}\n",
                   counting.bytes(), ok ? "" : " — MALFORMED (harness bug)");
    return;
  }
  kernel::console_sink().write(BEGIN_MARKER);
  const bool ok = write_json_report(kernel::console_sink(), context, store);
  kernel::console_sink().write(END_MARKER);
  if (!ok) kernel::console_print("kbench: the JSON above is malformed (harness bug)\n");
}

}  // namespace

RunSummary run(const boot::Cmdline& cmdline, const boot::BootInfo& info) {
  const Options options = parse_options(cmdline);
  kernel::console_print("kbench: {} repetition(s) per benchmark, {}{}{}\n", options.repetitions,
                 options.iterations != 0 ? "fixed iterations " : "min time ms ",
                 options.iterations != 0 ? options.iterations : options.min_time_ms,
                 options.smoke ? " (smoke mode)" : "");
  const arch::TscFrequency tsc = calibrate_and_report();
  const ReportContext context = machine_context(info, tsc);
  const std::uint64_t min_cycles =
      mul_div(tsc.hz != 0 ? tsc.hz : NOMINAL_HZ, options.min_time_ms, 1000);

  BootPhaseSample phases[16];
  std::size_t phase_count = marked_boot_phases(phases);
  std::size_t selected_phases = 0;
  char phase_name[MAX_NAME_LENGTH];
  const auto name_phase = [&](const BootPhaseSample& sample) {
    keel::fmt::BufferSink text(phase_name, sizeof(phase_name));
    keel::fmt::print(text, "{}/{}", BOOT_PHASE_FAMILY, sample.phase);
    return text.view();
  };
  for (std::size_t i = 0; i < phase_count; ++i) {
    if (selected(options.filter, name_phase(phases[i]))) phases[selected_phases++] = phases[i];
  }
  phase_count = selected_phases;
  unsigned total = static_cast<unsigned>(phase_count);
  for_each_selected(options.filter, 0, [&](const InstanceSpec&, std::string_view) { ++total; });
  if (!options.filter.empty()) kernel::console_print("kbench: filter '{}'\n", options.filter);
  kernel::console_print("kbench: {} benchmark(s) selected\n", total);

  ResultStore store(g_instance_storage, g_repetition_storage);
  RunSummary summary;
  unsigned number = 0;
  print_table_header(kernel::console_sink());

  // boot_phase/*: measured by the boot itself; family 0 when selected.
  for (std::size_t i = 0; i < phase_count; ++i) {
    const std::string_view name = name_phase(phases[i]);
    kernel::console_print("kbench: [{}/{}] {} ...\n", ++number, total, name);
    InstanceResult* result = store.add_instance(name, 0, static_cast<std::uint32_t>(i), 1);
    Repetition repetition;
    repetition.iterations = 1;
    repetition.cycles = phases[i].cycles;
    if (result == nullptr || !store.add_repetition(*result, repetition)) {
      kernel::console_print("kbench: result store full; {} not recorded\n", name);
      ++summary.skipped;
      continue;
    }
    print_instance_rows(kernel::console_sink(), *result, store.repetitions_of(*result), tsc.hz);
    ++summary.passed;
  }

  const std::uint32_t first_family = phase_count != 0 ? 1 : 0;
  const auto run_one = [&](const InstanceSpec& spec, std::string_view name) {
    kernel::console_print("kbench: [{}/{}] {} ...\n", ++number, total, name);
    const InstanceResult* result = run_instance(spec, options, min_cycles, store);
    if (result == nullptr) {
      kernel::console_print("kbench: result store full; {} skipped\n", name);
      ++summary.skipped;
      return;
    }
    print_instance_rows(kernel::console_sink(), *result, store.repetitions_of(*result), tsc.hz);
    switch (result->outcome) {
      case Outcome::Ok: ++summary.passed; break;
      case Outcome::Skipped: ++summary.skipped; break;
      case Outcome::Failed: ++summary.failed; break;
    }
  };
  for_each_selected(options.filter, first_family, run_one);

  emit_json(context, store);
  if (kernel::framebuffer_console_present()) keep_report_for_screen(context, store, tsc.hz);
  kernel::console_print("kbench: {} passed, {} failed, {} skipped\n", summary.passed, summary.failed,
                 summary.skipped);
  return summary;
}

}  // namespace kernel::kbench
