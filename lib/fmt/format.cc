#include "lib/fmt/format.h"

namespace keel::fmt {
namespace {

// Parses the part of a replacement field after ':'; returns false if malformed.
bool parse_spec(std::string_view text, Spec& spec) {
  std::size_t i = 0;
  if (i < text.size() && (text[i] == '<' || text[i] == '>')) spec.align = text[i++];
  if (i < text.size() && text[i] == '#') {
    spec.alternate = true;
    ++i;
  }
  if (i < text.size() && text[i] == '0') {
    spec.zero_pad = true;
    ++i;
  }
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
    spec.width = spec.width * 10 + static_cast<unsigned>(text[i++] - '0');
    if (spec.width > 256) return false;
  }
  if (i < text.size()) {
    const char t = text[i++];
    if (t != 'x' && t != 'X' && t != 'd' && t != 'b' && t != 's') return false;
    spec.type = t;
  }
  return i == text.size();
}

void write_repeated(Sink& sink, char c, std::size_t count) {
  char chunk[32];
  for (auto& ch : chunk) ch = c;
  while (count > 0) {
    const std::size_t n = count < sizeof(chunk) ? count : sizeof(chunk);
    sink.write(std::string_view(chunk, n));
    count -= n;
  }
}

}  // namespace

void write_padded(Sink& sink, const Spec& spec, std::string_view text, bool numeric) {
  const std::size_t pad = spec.width > text.size() ? spec.width - text.size() : 0;
  const char align = spec.align != '\0' ? spec.align : (numeric ? '>' : '<');
  if (align == '>') write_repeated(sink, ' ', pad);
  sink.write(text);
  if (align == '<') write_repeated(sink, ' ', pad);
}

void format_unsigned(Sink& sink, const Spec& spec, std::uint64_t value, bool negative) {
  unsigned base = 10;
  const char* digits = "0123456789abcdef";
  const char* prefix = "";
  switch (spec.type) {
    case 'x':
      base = 16;
      prefix = "0x";
      break;
    case 'X':
      base = 16;
      digits = "0123456789ABCDEF";
      prefix = "0x";
      break;
    case 'b':
      base = 2;
      prefix = "0b";
      break;
    default:
      break;
  }
  char body[64];
  std::size_t n = 0;
  do {
    body[sizeof(body) - 1 - n++] = digits[value % base];
    value /= base;
  } while (value != 0);
  char out[96];
  std::size_t len = 0;
  if (negative) out[len++] = '-';
  if (spec.alternate) {
    for (const char* p = prefix; *p != '\0'; ++p) out[len++] = *p;
  }
  if (spec.zero_pad && spec.width > len + n) {
    std::size_t zeros = spec.width - len - n;
    if (zeros > sizeof(out) - len - n) zeros = sizeof(out) - len - n;
    while (zeros-- > 0) out[len++] = '0';
  }
  for (std::size_t i = 0; i < n; ++i) out[len++] = body[sizeof(body) - n + i];
  write_padded(sink, spec, std::string_view(out, len), true);
}

void format_value(Sink& sink, const Spec& spec, HumanBytes v) {
  static constexpr const char* UNITS[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  std::size_t unit = 0;
  std::uint64_t whole = v.bytes;
  std::uint64_t rem = 0;  // remainder in the unit below, for one decimal
  while (whole >= 1024 && unit + 1 < sizeof(UNITS) / sizeof(UNITS[0])) {
    rem = whole % 1024;
    whole /= 1024;
    ++unit;
  }
  const std::uint64_t tenth = rem * 10 / 1024;
  FixedString<32> text;
  if (tenth != 0 && whole < 100) {
    print(text, "{}.{} {}", whole, tenth, UNITS[unit]);
  } else {
    print(text, "{} {}", whole, UNITS[unit]);
  }
  write_padded(sink, spec, text.view(), true);
}

void BufferSink::write(std::string_view text) {
  for (char c : text) {
    if (size_ < capacity_) {
      buffer_[size_++] = c;
    } else {
      ++dropped_;
    }
  }
}

namespace detail {

void vprint(Sink& sink, std::string_view format, const ErasedArg* args, std::size_t count) {
  std::size_t next_arg = 0;
  std::size_t literal_start = 0;
  std::size_t i = 0;
  while (i < format.size()) {
    const char c = format[i];
    if (c == '{' && i + 1 < format.size() && format[i + 1] == '{') {
      sink.write(format.substr(literal_start, i + 1 - literal_start));
      i += 2;
      literal_start = i;
      continue;
    }
    if (c == '}' && i + 1 < format.size() && format[i + 1] == '}') {
      sink.write(format.substr(literal_start, i + 1 - literal_start));
      i += 2;
      literal_start = i;
      continue;
    }
    if (c != '{') {
      ++i;
      continue;
    }
    sink.write(format.substr(literal_start, i - literal_start));
    const std::size_t close = format.find('}', i);
    if (close == std::string_view::npos) {
      sink.write("{?}");
      return;
    }
    std::string_view field = format.substr(i + 1, close - i - 1);
    Spec spec;
    bool ok = true;
    if (!field.empty()) {
      ok = field[0] == ':' && parse_spec(field.substr(1), spec);
    }
    if (!ok || next_arg >= count) {
      sink.write("{?}");
    } else {
      args[next_arg].format(sink, spec, args[next_arg].value);
    }
    ++next_arg;
    i = close + 1;
    literal_start = i;
  }
  sink.write(format.substr(literal_start));
}

}  // namespace detail
}  // namespace keel::fmt
