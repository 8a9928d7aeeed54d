// The report's date: the CMOS real-time clock's registers, decoded and printed as
// ISO 8601 ("2025-11-21T10:24:00+00:00"; keel assumes the RTC keeps UTC, as QEMU's does
// by default).
#pragma once

#include <cstdint>
#include <optional>

#include "lib/fmt/format.h"

namespace kernel::kbench {

// The RTC registers as read (0x00 seconds, 0x02 minutes, 0x04 hours, 0x07 day, 0x08
// month, 0x09 year, 0x32 century, 0x0B status B).
struct RtcRegisters {
  std::uint8_t seconds, minutes, hours, day, month, year, century, status_b;
};

struct DateTime {
  std::uint16_t year;
  std::uint8_t month, day, hour, minute, second;
};

inline constexpr DateTime UNIX_EPOCH{1970, 1, 1, 0, 0, 0};

// Honors status B's binary (bit 2) and 24-hour (bit 1) flags; a century register that is
// not a plausible 19..21 is taken as 20. nullopt when any field is out of range (no RTC:
// the bus reads 0xff).
std::optional<DateTime> decode_rtc(const RtcRegisters& registers);

// "YYYY-MM-DDTHH:MM:SS+00:00".
void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const DateTime& date);

}  // namespace kernel::kbench
