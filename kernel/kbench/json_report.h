// The benchmark report in Google Benchmark's JSON format (json_schema_version 1), so
// tools/compare.py from Google Benchmark can diff two keel runs. keel adds its own
// context keys (keel_*) and a cycles_per_op field per record.
#pragma once

#include <cstddef>
#include <cstdint>

#include "kernel/kbench/cpu_caches.h"
#include "kernel/kbench/date.h"
#include "kernel/kbench/results.h"
#include "lib/fmt/format.h"

namespace kernel::kbench {

inline constexpr std::size_t MAX_CACHES = 8;

struct ReportContext {
  DateTime date = UNIX_EPOCH;
  std::uint32_t num_cpus = 1;
  std::uint64_t mhz_per_cpu = 0;
  CacheInfo caches[MAX_CACHES] = {};
  std::size_t cache_count = 0;
  // keel's keys.
  const char* boot_path = "";     // "multiboot2-bios", "pvh", ...
  const char* accelerator = "";   // "kvm", "tcg", "none" (bare metal) or "other"
  std::uint64_t memory_bytes = 0; // usable RAM in the firmware map
  const char* cpu_model = "";
  std::uint64_t tsc_hz = 0;       // 0: uncalibrated (times are then cycles)
  const char* tsc_calibration = "uncalibrated";
  bool invariant_tsc = false;
};

// Writes the whole document; false if the writer saw malformed structure (a bug).
bool write_json_report(keel::fmt::Sink& sink, const ReportContext& context, const ResultStore& results);

}  // namespace kernel::kbench
