#include "kernel/kbench/date.h"

namespace kernel::kbench {
namespace {

std::optional<std::uint8_t> from_bcd(std::uint8_t v) {
  if ((v & 0xf) > 9 || (v >> 4) > 9) return std::nullopt;
  return static_cast<std::uint8_t>((v >> 4) * 10 + (v & 0xf));
}

}  // namespace

std::optional<DateTime> decode_rtc(const RtcRegisters& r) {
  const bool binary = (r.status_b & 0x04) != 0;
  const bool hours_24 = (r.status_b & 0x02) != 0;
  const bool pm = !hours_24 && (r.hours & 0x80) != 0;
  const auto field = [binary](std::uint8_t v) -> std::optional<std::uint8_t> {
    return binary ? std::optional<std::uint8_t>(v) : from_bcd(v);
  };
  const auto seconds = field(r.seconds), minutes = field(r.minutes),
             hours = field(static_cast<std::uint8_t>(hours_24 ? r.hours : r.hours & 0x7f)),
             day = field(r.day), month = field(r.month), year = field(r.year);
  if (!seconds || !minutes || !hours || !day || !month || !year) return std::nullopt;
  std::uint8_t hour = *hours;
  if (!hours_24) {
    if (hour < 1 || hour > 12) return std::nullopt;
    hour = static_cast<std::uint8_t>(hour % 12 + (pm ? 12 : 0));
  }
  auto century = field(r.century);
  if (!century || *century < 19 || *century > 21) century = 20;
  if (*seconds > 59 || *minutes > 59 || hour > 23 || *day < 1 || *day > 31 || *month < 1 ||
      *month > 12 || *year > 99) {
    return std::nullopt;
  }
  return DateTime{static_cast<std::uint16_t>(*century * 100 + *year), *month, *day, hour,
                  *minutes, *seconds};
}

void format_value(keel::fmt::Sink& sink, const keel::fmt::Spec& spec, const DateTime& d) {
  char text[32];
  keel::fmt::BufferSink out(text, sizeof(text));
  keel::fmt::print(out, "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+00:00", d.year, d.month, d.day, d.hour,
             d.minute, d.second);
  keel::fmt::write_padded(sink, spec, out.view(), false);
}

}  // namespace kernel::kbench
