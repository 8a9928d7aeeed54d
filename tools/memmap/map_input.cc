#include "tools/memmap/map_input.h"

#include <cctype>
#include <charconv>
#include <cstdint>
#include <tuple>
#include <optional>
#include <utility>

#include "mm/memmap/firmware_types.h"

namespace tools::memmap {
namespace {

using mm::memmap::FirmwareMapKind;
using mm::memmap::FirmwareRegion;

std::string_view trim(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// Hex digits with an optional 0x prefix; nullopt on anything else or overflow.
std::optional<std::uint64_t> parse_hex(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty()) return std::nullopt;
  std::uint64_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 16);
  if (ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

std::optional<std::uint32_t> parse_decimal_u32(std::string_view s) {
  std::uint32_t value = 0;
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value, 10);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size()) return std::nullopt;
  return value;
}

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c; };
    if (lower(a[i]) != lower(b[i])) return false;
  }
  return true;
}

bool starts_with_ignoring_case(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && equals_ignoring_case(s.substr(0, prefix.size()), prefix);
}

// "<prefix>N)" or "<prefix>N" (the number ends the text).
std::optional<std::uint32_t> number_after(std::string_view name, std::string_view prefix,
                                          bool closing_paren) {
  if (!starts_with_ignoring_case(name, prefix)) return std::nullopt;
  name.remove_prefix(prefix.size());
  if (closing_paren) {
    if (!name.ends_with(")")) return std::nullopt;
    name.remove_suffix(1);
  }
  return parse_decimal_u32(name);
}

// An e820 type as any Linux has printed it (arch/x86/kernel/e820.c: e820_print_type, and
// the names of the 2025 rework, which also reuses the /proc/iomem names): case is ignored
// because the same words have come in both cases.
std::optional<std::uint32_t> e820_type_from_name(std::string_view name) {
  name = trim(name);
  struct Name {
    std::string_view text;
    std::uint32_t type;
  };
  static constexpr Name NAMES[] = {
      {"usable", mm::memmap::e820::USABLE},
      {"System RAM", mm::memmap::e820::USABLE},
      {"kernel usable RAM", mm::memmap::e820::USABLE},
      {"reserved", mm::memmap::e820::RESERVED},
      {"device reserved", mm::memmap::e820::RESERVED},
      {"ACPI data", mm::memmap::e820::ACPI_RECLAIMABLE},
      {"ACPI tables", mm::memmap::e820::ACPI_RECLAIMABLE},
      {"ACPI NVS", mm::memmap::e820::ACPI_NVS},
      {"ACPI non-volatile storage", mm::memmap::e820::ACPI_NVS},
      {"unusable", mm::memmap::e820::UNUSABLE},
      {"Unusable memory", mm::memmap::e820::UNUSABLE},
      {"Persistent memory (legacy)", mm::memmap::e820::PERSISTENT_LEGACY},
      {"Persistent memory", mm::memmap::e820::PERSISTENT},
      {"soft reserved", mm::memmap::e820::SOFT_RESERVED},
      // Printed for a type number Linux does not know, without the number: keel treats
      // unknown numbers as reserved, so this is the same reading.
      {"Unknown E820 type", mm::memmap::e820::RESERVED},
  };
  for (const Name& known : NAMES) {
    if (equals_ignoring_case(name, known.text)) return known.type;
  }
  if (auto n = number_after(name, "persistent (type ", true)) return n;
  if (auto n = number_after(name, "persistent RAM (type ", true)) return n;
  return number_after(name, "type ", false);
}

// An EFI type as Linux's efi_md_typeattr_format prints it (the short names of current
// kernels, the longer ones before 4.x, "type=N" for numbers it has no name for), or as
// UEFI names it.
std::optional<std::uint32_t> efi_type_from_name(std::string_view name) {
  static constexpr std::string_view LINUX_NAMES[] = {
      "Reserved",     "Loader Code", "Loader Data",  "Boot Code", "Boot Data",
      "Runtime Code", "Runtime Data", "Conventional", "Unusable",  "ACPI Reclaim",
      "ACPI Mem NVS", "MMIO",        "MMIO Port",    "PAL Code",  "Persistent",
      "Unaccepted"};
  static constexpr std::string_view OLDER_LINUX_NAMES[] = {
      "Reserved",          "Loader Code",         "Loader Data",     "Boot Code",
      "Boot Data",         "Runtime Code",        "Runtime Data",    "Conventional Memory",
      "Unusable Memory",   "ACPI Reclaim Memory", "ACPI Memory NVS", "Memory Mapped I/O",
      "MMIO Port Space",   "PAL Code",            "Persistent Memory"};
  name = trim(name);
  for (std::uint32_t t = 0; t < std::size(LINUX_NAMES); ++t) {
    if (name == LINUX_NAMES[t] || name == mm::memmap::firmware_type_name(FirmwareMapKind::Efi, t)) return t;
  }
  for (std::uint32_t t = 0; t < std::size(OLDER_LINUX_NAMES); ++t) {
    if (name == OLDER_LINUX_NAMES[t]) return t;
  }
  if (name.starts_with("type=")) return parse_decimal_u32(name.substr(5));
  return std::nullopt;
}

constexpr unsigned __int128 TWO_TO_64 = static_cast<unsigned __int128>(1) << 64;

// Hex digits with an optional 0x prefix, up to 128 bits: Linux prints the end of an EFI
// descriptor that runs past 2^64 with the part above 2^64 in front ("0x1" "ffff...").
std::optional<unsigned __int128> parse_wide_hex(std::string_view s) {
  if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) s.remove_prefix(2);
  if (s.empty() || s.size() > 32) return std::nullopt;
  const std::size_t split = s.size() > 16 ? s.size() - 16 : 0;
  const auto low = parse_hex(s.substr(split));
  const auto high = split == 0 ? std::optional<std::uint64_t>(0) : parse_hex(s.substr(0, split));
  if (!low || !high) return std::nullopt;
  return (static_cast<unsigned __int128>(*high) << 64) | *low;
}

// The entry a printed range stands for. Linux computes the printed end in 64 bits (base +
// size - 1, or base + size for the exclusive forms), so an end below the base is an entry
// that wraps past 2^64 (or, one below, one of length 0) and its length is exact modulo
// 2^64: it is passed on as such, for the sanitizer's one policy on broken entries. Only an
// end printed past 2^64 can mean a length that 64 bits cannot hold: that one is saturated.
FirmwareRegion make_region(std::uint64_t base, unsigned __int128 end, bool end_inclusive,
                           std::uint32_t type, FirmwareMapKind kind) {
  FirmwareRegion region{base, 0, type, kind};
  const unsigned __int128 end_exclusive = end + (end_inclusive ? 1 : 0);
  if (end_exclusive > TWO_TO_64 && end_exclusive - base >= TWO_TO_64) {
    region.length = ~std::uint64_t{0};
    region.length_saturated = true;
  } else {
    region.length = static_cast<std::uint64_t>(end_exclusive - base);  // modulo 2^64
  }
  return region;
}

// "A-B" inside "[mem A-B]" or "range=[A-B)". Only EFI lines print ends past 2^64.
[[nodiscard]] std::expected<std::pair<std::uint64_t, unsigned __int128>, std::string> parse_range(
    std::string_view range, bool end_may_pass_2_to_64) {
  const std::size_t dash = range.find('-');
  if (dash == std::string_view::npos) return std::unexpected("missing '-' in range");
  const auto base = parse_hex(trim(range.substr(0, dash)));
  const std::string_view end_text = trim(range.substr(dash + 1));
  std::optional<unsigned __int128> end;
  if (end_may_pass_2_to_64) {
    end = parse_wide_hex(end_text);
  } else if (const auto narrow = parse_hex(end_text)) {
    end = *narrow;
  }
  if (!base || !end) return std::unexpected("bad address");
  return std::pair{*base, *end};
}

// Linux's 2025 e820 rework prints a size column between the range and the type: "  639   KB",
// "    1.9 GB". Skips it when present.
std::string_view skip_size_column(std::string_view rest) {
  rest = trim(rest);
  std::size_t i = 0;
  while (i < rest.size() && (std::isdigit(static_cast<unsigned char>(rest[i])) || rest[i] == '.')) ++i;
  if (i == 0 || i == rest.size() || rest[i] != ' ') return rest;
  std::string_view after = trim(rest.substr(i));
  for (std::string_view unit : {"B ", "KB ", "MB ", "GB ", "TB "}) {
    if (after.starts_with(unit)) return trim(after.substr(unit.size()));
  }
  return rest;
}

// After "WHO: ": "[mem 0x..-0x..] type" (end inclusive) or "000.. - 000.. (type)" (older
// kernels; end exclusive; an unknown number is printed "type N" without parentheses).
[[nodiscard]] std::expected<FirmwareRegion, std::string> parse_e820_entry(std::string_view rest) {
  rest = trim(rest);
  if (rest.starts_with("[mem ")) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::unexpected("missing ']'");
    const auto range = parse_range(rest.substr(5, close - 5), false);
    if (!range) return std::unexpected(range.error());
    std::string_view type_text = skip_size_column(rest.substr(close + 1));
    // Some kernels tag entries "usable; crypto-capable": the tag says nothing about the type.
    if (const std::size_t semicolon = type_text.find(';'); semicolon != std::string_view::npos) {
      type_text = type_text.substr(0, semicolon);
    }
    const auto type = e820_type_from_name(type_text);
    if (!type) return std::unexpected("unknown e820 type name");
    return make_region(range->first, range->second, true, *type, FirmwareMapKind::E820);
  }
  const std::size_t dash = rest.find(" - ");
  if (dash == std::string_view::npos) return std::unexpected("not an e820 entry");
  const auto base = parse_hex(trim(rest.substr(0, dash)));
  std::string_view after = trim(rest.substr(dash + 3));
  const std::size_t space = after.find(' ');
  if (space == std::string_view::npos) return std::unexpected("missing type");
  const auto end = parse_hex(after.substr(0, space));
  if (!base || !end) return std::unexpected("bad address");
  std::string_view type_text = trim(after.substr(space));
  if (type_text.starts_with("(") && type_text.ends_with(")")) {
    type_text = type_text.substr(1, type_text.size() - 2);
  }
  const auto type = e820_type_from_name(type_text);
  if (!type) return std::unexpected("unknown e820 type name");
  return make_region(*base, *end, false, *type, FirmwareMapKind::E820);
}

// After "memNN:": "[Conventional|   |...|UC] range=[0x..-0x..] (NMB)" (end inclusive;
// "(invalid)" when its end runs past 2^64) or "type=7, attr=0xf, range=[0x..-0x..) (NMB)"
// (older kernels; end exclusive).
[[nodiscard]] std::expected<FirmwareRegion, std::string> parse_efi_entry(std::string_view rest) {
  rest = trim(rest);
  std::optional<std::uint32_t> type;
  if (rest.starts_with("type=")) {
    const std::size_t comma = rest.find(',');
    if (comma == std::string_view::npos) return std::unexpected("missing ',' after type");
    type = parse_decimal_u32(rest.substr(5, comma - 5));
  } else {
    const std::size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return std::unexpected("missing '|' after type");
    type = efi_type_from_name(rest.substr(1, bar - 1));
  }
  if (!type) return std::unexpected("unknown EFI type");
  const std::size_t range_at = rest.find("range=[");
  if (range_at == std::string_view::npos) return std::unexpected("missing range=[");
  const std::string_view after = rest.substr(range_at + 7);
  const std::size_t close = after.find_first_of("])");
  if (close == std::string_view::npos) return std::unexpected("bad range");
  const auto range = parse_range(after.substr(0, close), true);
  if (!range) return std::unexpected(range.error());
  return make_region(range->first, range->second, after[close] == ']', *type, FirmwareMapKind::Efi);
}

bool is_word_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_';
}

// The names Linux has printed in front of an e820 table (e820__print_table's `who`): the
// firmware's own map (BIOS-e820, or BIOS-88/BIOS-e801 when the e820 call failed; Xen and
// lguest guests), then the copies it printed after changing the map (user: from mem= and
// memmap=, modified:, reserve setup_data:, bad_ppro:, TXT-reserve:); and e820:, the prefix
// of the subsystem's other lines, read the same way when a table entry follows it.
constexpr std::string_view E820_SOURCES[] = {
    "BIOS-e820", "BIOS-88",  "BIOS-e801",          "Xen",      "LGUEST",      "user",
    "modified",  "reserve setup_data", "bad_ppro", "TXT-reserve", "e820"};

// Names Linux prints nothing but table lines after: any such line is one, readable or not.
bool only_table_lines(std::string_view source) {
  return source == "BIOS-e820" || source == "BIOS-88" || source == "BIOS-e801";
}

struct E820Line {
  std::string_view source;
  std::string_view rest;  // after "WHO: "
};

// An e820 table line, or nullopt for any other line (including Linux's other lines that
// carry a range: "e820: update [mem ..]", "e820: [mem ..] available for PCI devices", ...).
std::optional<E820Line> find_e820_line(std::string_view line) {
  for (std::string_view source : E820_SOURCES) {
    for (std::size_t at = line.find(source); at != std::string_view::npos;
         at = line.find(source, at + 1)) {
      if (at > 0 && is_word_char(line[at - 1])) continue;
      std::string_view rest = line.substr(at + source.size());
      if (!rest.starts_with(": ")) continue;
      rest = trim(rest.substr(2));
      if (rest.ends_with("available for PCI devices")) return std::nullopt;
      const bool old_form = !rest.empty() && std::isxdigit(static_cast<unsigned char>(rest[0])) &&
                            rest.find(" - ") != std::string_view::npos;
      if (rest.starts_with("[mem ") || rest.starts_with("[gap ") || old_form ||
          only_table_lines(source)) {
        return E820Line{source, rest};
      }
    }
  }
  return std::nullopt;
}

// "efi: memNN:" (any case; 2.6 kernels printed no "efi: " at all) → the text after the colon.
std::optional<std::string_view> find_efi_entry(std::string_view line) {
  for (std::size_t at = line.find("mem"); at != std::string_view::npos; at = line.find("mem", at + 1)) {
    const std::string_view before = trim(line.substr(0, at));
    const bool prefixed = before.size() >= 4 && equals_ignoring_case(before.substr(before.size() - 4), "efi:");
    const bool alone = before.empty() || before.ends_with(']') || before.ends_with('>');
    if (!prefixed && !alone) continue;
    std::string_view rest = line.substr(at + 3);
    std::size_t digits = 0;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) ++digits;
    if (digits == 0 || digits >= rest.size() || rest[digits] != ':') continue;
    rest = trim(rest.substr(digits + 1));
    if (rest.starts_with("type=") || rest.starts_with("[")) return rest;
  }
  return std::nullopt;
}

// ---- A small JSON reader: enough for the sample format, with line numbers. -------------

struct JsonMember;

struct Json {
  enum class Kind { Null, Bool, Number, String, Array, Object } kind = Kind::Null;
  std::string text;   // String; Number (the literal)
  bool boolean = false;
  std::vector<Json> items;                            // Array
  std::vector<JsonMember> members;  // Object
  std::size_t line = 0;

  const Json* get(std::string_view key) const;
};

struct JsonMember {
  std::string key;
  Json value;
};

const Json* Json::get(std::string_view key) const {
  for (const JsonMember& member : members) {
    if (member.key == key) return &member.value;
  }
  return nullptr;
}

class JsonReader {
 public:
  explicit JsonReader(std::string_view text) : text_(text) {}

  [[nodiscard]] std::expected<Json, InputError> document() {
    auto value = parse_value(0);
    if (!value) return value;
    skip_space();
    if (pos_ != text_.size()) return fail("trailing characters after the JSON value");
    return value;
  }

 private:
  std::unexpected<InputError> fail(std::string message) {
    return std::unexpected(InputError{line_, std::string(current_line()), std::move(message)});
  }
  std::string_view current_line() const {
    std::size_t start = text_.rfind('\n', pos_ == 0 ? 0 : pos_ - 1);
    start = start == std::string_view::npos ? 0 : start + 1;
    std::size_t end = text_.find('\n', pos_);
    if (end == std::string_view::npos) end = text_.size();
    return text_.substr(start, end - start);
  }
  void skip_space() {
    while (pos_ < text_.size()) {
      const char c = text_[pos_];
      if (c == '\n') ++line_;
      if (c != ' ' && c != '\t' && c != '\r' && c != '\n') return;
      ++pos_;
    }
  }
  bool consume(char c) {
    skip_space();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }

  [[nodiscard]] std::expected<Json, InputError> parse_value(int depth) {
    if (depth > 64) return fail("JSON nested too deeply");
    skip_space();
    if (pos_ >= text_.size()) return fail("unexpected end of JSON");
    Json value;
    value.line = line_;
    const char c = text_[pos_];
    if (c == '{') {
      ++pos_;
      value.kind = Json::Kind::Object;
      if (consume('}')) return value;
      do {
        skip_space();
        auto key = parse_string();
        if (!key) return std::unexpected(key.error());
        if (!consume(':')) return fail("expected ':' in object");
        auto member = parse_value(depth + 1);
        if (!member) return member;
        value.members.push_back(JsonMember{std::move(*key), std::move(*member)});
      } while (consume(','));
      if (!consume('}')) return fail("expected ',' or '}' in object");
      return value;
    }
    if (c == '[') {
      ++pos_;
      value.kind = Json::Kind::Array;
      if (consume(']')) return value;
      do {
        auto item = parse_value(depth + 1);
        if (!item) return item;
        value.items.push_back(std::move(*item));
      } while (consume(','));
      if (!consume(']')) return fail("expected ',' or ']' in array");
      return value;
    }
    if (c == '"') {
      auto s = parse_string();
      if (!s) return std::unexpected(s.error());
      value.kind = Json::Kind::String;
      value.text = std::move(*s);
      return value;
    }
    for (auto [word, kind, flag] : {std::tuple{"true", Json::Kind::Bool, true},
                                    std::tuple{"false", Json::Kind::Bool, false},
                                    std::tuple{"null", Json::Kind::Null, false}}) {
      if (text_.substr(pos_).starts_with(word)) {
        pos_ += std::string_view(word).size();
        value.kind = kind;
        value.boolean = flag;
        return value;
      }
    }
    const std::size_t start = pos_;
    constexpr std::string_view NUMBER_CHARS = "+-0123456789.eE";
    while (pos_ < text_.size() && NUMBER_CHARS.find(text_[pos_]) != std::string_view::npos) ++pos_;
    if (pos_ == start) return fail("unexpected character in JSON");
    value.kind = Json::Kind::Number;
    value.text = std::string(text_.substr(start, pos_ - start));
    return value;
  }

  [[nodiscard]] std::expected<std::string, InputError> parse_string() {
    if (pos_ >= text_.size() || text_[pos_] != '"') return fail("expected a string");
    ++pos_;
    std::string out;
    while (pos_ < text_.size() && text_[pos_] != '"') {
      char c = text_[pos_++];
      if (c == '\n') return fail("newline in string");
      if (c == '\\') {
        if (pos_ >= text_.size()) break;
        const char e = text_[pos_++];
        switch (e) {
          case 'n': c = '\n'; break;
          case 't': c = '\t'; break;
          case 'r': c = '\r'; break;
          case 'b': c = '\b'; break;
          case 'f': c = '\f'; break;
          case 'u':  // keep \uXXXX escapes verbatim: the map format has no use for them
            out += "\\u";
            continue;
          default: c = e; break;
        }
      }
      out += c;
    }
    if (pos_ >= text_.size()) return fail("unterminated string");
    ++pos_;
    return out;
  }

  std::string_view text_;
  std::size_t pos_ = 0;
  std::size_t line_ = 1;
};

std::optional<std::uint64_t> json_address(const Json* v) {
  if (v == nullptr) return std::nullopt;
  if (v->kind == Json::Kind::String) return parse_hex(v->text);
  if (v->kind == Json::Kind::Number) {
    const char* const last = v->text.data() + v->text.size();
    std::uint64_t value = 0;
    const auto [end, ec] = std::from_chars(v->text.data(), last, value, 10);
    if (ec != std::errc() || end != last) return std::nullopt;
    return value;
  }
  return std::nullopt;
}

std::vector<std::pair<std::size_t, std::string_view>> split_lines(std::string_view text) {
  std::vector<std::pair<std::size_t, std::string_view>> lines;
  std::size_t number = 1;
  while (!text.empty()) {
    const std::size_t nl = text.find('\n');
    lines.emplace_back(number++, text.substr(0, nl));
    if (nl == std::string_view::npos) break;
    text.remove_prefix(nl + 1);
  }
  return lines;
}

std::string_view line_at(std::string_view text, std::size_t number) {
  for (const auto& [n, line] : split_lines(text)) {
    if (n == number) return trim(line);
  }
  return {};
}

}  // namespace

std::string describe(const InputError& error) {
  if (error.line == 0) return error.message;
  return "line " + std::to_string(error.line) + ": " + error.message + ": " + error.line_text;
}

std::string describe(const InputErrors& errors) {
  std::string out;
  for (const InputError& error : errors) out += (out.empty() ? "" : "\n") + describe(error);
  return out;
}

[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_dmesg(std::string_view text) {
  ParsedMap e820;
  ParsedMap efi;
  InputErrors errors;
  // The first e820 table is the firmware's; the ones Linux prints after editing the map
  // (user:, modified:, ...) and a second boot's in a concatenated log are not used.
  bool e820_table_done = false;
  for (const auto& [number, raw] : split_lines(text)) {
    const std::string_view line = trim(raw);
    std::expected<FirmwareRegion, std::string> entry;
    ParsedMap* target = &efi;
    if (const auto e820_line = find_e820_line(line)) {
      if (e820.source.empty()) e820.source = e820_line->source;
      if (e820_line->source != e820.source) e820_table_done = true;
      if (e820_line->rest.starts_with("[gap ")) continue;  // a hole, printed for reading ease
      entry = parse_e820_entry(e820_line->rest);
      if (e820_table_done && entry) {
        auto& ignored = e820.ignored_tables;
        if (ignored.empty() || ignored.back().source != e820_line->source) {
          ignored.push_back({std::string(e820_line->source), 0});
        }
        ++ignored.back().entries;
        continue;
      }
      target = &e820;
    } else if (const auto rest = find_efi_entry(line)) {
      entry = parse_efi_entry(*rest);
    } else {
      continue;
    }
    if (!entry) {
      errors.push_back(InputError{number, std::string(line), entry.error()});
      continue;
    }
    target->entries.push_back(*entry);
    target->entry_lines.push_back(number);
  }
  if (!errors.empty()) return std::unexpected(std::move(errors));
  if (e820.entries.empty() && efi.entries.empty()) {
    return std::unexpected(InputErrors{InputError{
        0, "",
        "no memory-map lines found: expected Linux's e820 table (BIOS-e820:, Xen:, user:, ... "
        "[mem A-B] type, or A - B (type)) or efi: memNN: lines, or a JSON map"}});
  }
  if (e820.entries.empty()) {
    efi.source = "efi";
    return efi;
  }
  e820.ignored_efi_entries = efi.entries.size();
  return e820;
}

[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_json_map(std::string_view text) {
  auto doc = JsonReader(text).document();
  if (!doc) return std::unexpected(InputErrors{doc.error()});
  const Json* entries = doc->kind == Json::Kind::Object ? doc->get("entries") : nullptr;
  if (entries == nullptr || entries->kind != Json::Kind::Array) {
    return std::unexpected(InputErrors{InputError{0, "", "JSON input has no \"entries\" array"}});
  }
  if (entries->items.empty()) {
    return std::unexpected(InputErrors{InputError{entries->line, std::string(line_at(text, entries->line)),
                                                  "JSON map has no entries"}});
  }
  ParsedMap out;
  out.source = "JSON";
  for (const Json& item : entries->items) {
    auto fail = [&](std::string message) {
      return std::unexpected(
          InputErrors{InputError{item.line, std::string(line_at(text, item.line)), std::move(message)}});
    };
    if (item.kind != Json::Kind::Object) return fail("entry is not an object");
    const auto base = json_address(item.get("base"));
    const auto last = json_address(item.get("end_inclusive"));
    if (!base || !last) return fail("entry needs hex \"base\" and \"end_inclusive\"");
    const Json* type = item.get("type");
    std::optional<std::uint32_t> number;
    FirmwareMapKind kind = FirmwareMapKind::E820;
    if (type != nullptr && type->kind == Json::Kind::Number) {
      number = parse_decimal_u32(type->text);
    } else if (type != nullptr && type->kind == Json::Kind::String) {
      if (type->text.starts_with("Efi")) {
        kind = FirmwareMapKind::Efi;
        number = efi_type_from_name(type->text);
      } else {
        number = e820_type_from_name(type->text);
      }
    }
    if (!number) return fail("entry has an unknown \"type\"");
    out.entries.push_back(make_region(*base, *last, true, *number, kind));
    out.entry_lines.push_back(item.line);
  }
  return out;
}

[[nodiscard]] std::expected<ParsedMap, InputErrors> parse_map_text(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') return parse_json_map(text);
  return parse_dmesg(text);
}

}  // namespace tools::memmap
