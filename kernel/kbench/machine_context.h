// The report's "context": what this machine is, read from CPUID, the CMOS clock and the
// boot information.
#pragma once

#include <optional>

#include "arch/x86_64/tsc.h"
#include "boot/boot_info.h"
#include "kernel/kbench/date.h"
#include "kernel/kbench/json_report.h"

namespace kernel::kbench {

ReportContext machine_context(const boot::BootInfo& info, const arch::TscFrequency& tsc);

// The CMOS RTC's date and time; nullopt when there is no RTC (QEMU microvm without
// rtc=on) or it reads garbage.
std::optional<DateTime> read_cmos_date();

}  // namespace kernel::kbench
