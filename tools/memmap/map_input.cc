#include "tools/memmap/map_input.h"

#include <charconv>
#include <cstdint>
#include <tuple>
#include <optional>
#include <utility>

#include "mm/memmap/firmware_types.h"

namespace keel::memmap_tool {
namespace {

using mm::FirmwareMapKind;
using mm::FirmwareRegion;

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

// e820 type as Linux prints it (arch/x86/kernel/e820.c, e820_print_type).
std::optional<std::uint32_t> e820_type_from_name(std::string_view name) {
  name = trim(name);
  if (name == "usable") return mm::e820::kUsable;
  if (name == "reserved") return mm::e820::kReserved;
  if (name == "ACPI data") return mm::e820::kAcpiReclaimable;
  if (name == "ACPI NVS") return mm::e820::kAcpiNvs;
  if (name == "unusable") return mm::e820::kUnusable;
  if (name == "soft reserved") return mm::e820::kSoftReserved;
  constexpr std::string_view kPersistent = "persistent (type ";
  if (name.starts_with(kPersistent) && name.ends_with(")")) {
    return parse_decimal_u32(name.substr(kPersistent.size(), name.size() - kPersistent.size() - 1));
  }
  if (name.starts_with("type ")) return parse_decimal_u32(name.substr(5));
  return std::nullopt;
}

// EFI type as Linux's efi_md_typeattr_format prints it, or as UEFI names it.
std::optional<std::uint32_t> efi_type_from_name(std::string_view name) {
  static constexpr std::string_view kLinuxNames[] = {
      "Reserved",     "Loader Code", "Loader Data",  "Boot Code", "Boot Data",
      "Runtime Code", "Runtime Data", "Conventional", "Unusable",  "ACPI Reclaim",
      "ACPI Mem NVS", "MMIO",        "MMIO Port",    "PAL Code",  "Persistent",
      "Unaccepted"};
  name = trim(name);
  for (std::uint32_t t = 0; t < std::size(kLinuxNames); ++t) {
    if (name == kLinuxNames[t] || name == mm::firmware_type_name(FirmwareMapKind::Efi, t)) return t;
  }
  return std::nullopt;
}

struct LineEntry {
  FirmwareRegion region;
  bool ok = true;
  std::string error;
};

std::expected<FirmwareRegion, std::string> make_region(std::uint64_t base, std::uint64_t end,
                                                       bool end_inclusive, std::uint32_t type,
                                                       FirmwareMapKind kind) {
  if (end < base) return std::unexpected("entry wraps: end below base");
  std::uint64_t length = end - base;
  if (end_inclusive) {
    if (length == ~std::uint64_t{0}) return std::unexpected("entry covers all of 2^64");
    ++length;
  }
  return FirmwareRegion{base, length, type, kind};
}

// "BIOS-e820: [mem 0x..-0x..] type" or "BIOS-e820: 000.. - 000.. (type)"; `rest` follows
// the marker.
std::expected<FirmwareRegion, std::string> parse_e820_line(std::string_view rest) {
  rest = trim(rest);
  if (rest.starts_with("[mem ")) {
    const std::size_t close = rest.find(']');
    if (close == std::string_view::npos) return std::unexpected("missing ']'");
    const std::string_view range = rest.substr(5, close - 5);
    const std::size_t dash = range.find('-');
    if (dash == std::string_view::npos) return std::unexpected("missing '-' in range");
    const auto base = parse_hex(range.substr(0, dash));
    const auto last = parse_hex(range.substr(dash + 1));
    if (!base || !last) return std::unexpected("bad address");
    const auto type = e820_type_from_name(rest.substr(close + 1));
    if (!type) return std::unexpected("unknown e820 type name");
    return make_region(*base, *last, true, *type, FirmwareMapKind::E820);
  }
  const std::size_t dash = rest.find(" - ");
  const std::size_t open = rest.find('(');
  const std::size_t close = rest.rfind(')');
  if (dash == std::string_view::npos || open == std::string_view::npos ||
      close == std::string_view::npos || open < dash || close < open) {
    return std::unexpected("not an e820 entry");
  }
  const auto base = parse_hex(trim(rest.substr(0, dash)));
  const auto end = parse_hex(trim(rest.substr(dash + 3, open - dash - 3)));
  if (!base || !end) return std::unexpected("bad address");
  const auto type = e820_type_from_name(rest.substr(open + 1, close - open - 1));
  if (!type) return std::unexpected("unknown e820 type name");
  return make_region(*base, *end, false, *type, FirmwareMapKind::E820);
}

// After "efi: memNN:".
std::expected<FirmwareRegion, std::string> parse_efi_line(std::string_view rest) {
  rest = trim(rest);
  std::optional<std::uint32_t> type;
  if (rest.starts_with("type=")) {
    const std::size_t comma = rest.find(',');
    if (comma == std::string_view::npos) return std::unexpected("missing ',' after type");
    type = parse_decimal_u32(rest.substr(5, comma - 5));
  } else if (rest.starts_with("[")) {
    const std::size_t bar = rest.find('|');
    if (bar == std::string_view::npos) return std::unexpected("missing '|' after type");
    type = efi_type_from_name(rest.substr(1, bar - 1));
  }
  if (!type) return std::unexpected("unknown EFI type");
  const std::size_t range_at = rest.find("range=[");
  if (range_at == std::string_view::npos) return std::unexpected("missing range=[");
  const std::string_view range = rest.substr(range_at + 7);
  const std::size_t dash = range.find('-');
  const std::size_t close = range.find_first_of("])");
  if (dash == std::string_view::npos || close == std::string_view::npos || close < dash) {
    return std::unexpected("bad range");
  }
  const auto base = parse_hex(range.substr(0, dash));
  const auto end = parse_hex(range.substr(dash + 1, close - dash - 1));
  if (!base || !end) return std::unexpected("bad address");
  return make_region(*base, *end, range[close] == ']', *type, FirmwareMapKind::Efi);
}

// "efi: mem" + digits + ":" → the text after the colon.
std::optional<std::string_view> efi_entry_rest(std::string_view line) {
  const std::size_t at = line.find("efi: mem");
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + 8);
  std::size_t digits = 0;
  while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
  if (digits == 0 || digits >= rest.size() || rest[digits] != ':') return std::nullopt;
  return rest.substr(digits + 1);
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

  std::expected<Json, InputError> document() {
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

  std::expected<Json, InputError> parse_value(int depth) {
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
    constexpr std::string_view kNumberChars = "+-0123456789.eE";
    while (pos_ < text_.size() && kNumberChars.find(text_[pos_]) != std::string_view::npos) ++pos_;
    if (pos_ == start) return fail("unexpected character in JSON");
    value.kind = Json::Kind::Number;
    value.text = std::string(text_.substr(start, pos_ - start));
    return value;
  }

  std::expected<std::string, InputError> parse_string() {
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

std::expected<ParsedMap, InputError> parse_dmesg(std::string_view text) {
  ParsedMap e820;
  ParsedMap efi;
  for (const auto& [number, raw] : split_lines(text)) {
    const std::string_view line = trim(raw);
    std::expected<FirmwareRegion, std::string> entry;
    ParsedMap* target = nullptr;
    if (const std::size_t at = line.find("BIOS-e820:"); at != std::string_view::npos) {
      entry = parse_e820_line(line.substr(at + 10));
      target = &e820;
    } else if (const auto rest = efi_entry_rest(line)) {
      entry = parse_efi_line(*rest);
      target = &efi;
    } else {
      continue;
    }
    if (!entry) return std::unexpected(InputError{number, std::string(line), entry.error()});
    target->entries.push_back(*entry);
    target->entry_lines.push_back(number);
  }
  if (e820.entries.empty()) return efi;
  e820.ignored_efi_entries = efi.entries.size();
  return e820;
}

std::expected<ParsedMap, InputError> parse_json_map(std::string_view text) {
  auto doc = JsonReader(text).document();
  if (!doc) return std::unexpected(doc.error());
  const Json* entries = doc->kind == Json::Kind::Object ? doc->get("entries") : nullptr;
  if (entries == nullptr || entries->kind != Json::Kind::Array) {
    return std::unexpected(InputError{0, "", "JSON input has no \"entries\" array"});
  }
  ParsedMap out;
  for (const Json& item : entries->items) {
    auto fail = [&](std::string message) {
      return std::unexpected(InputError{item.line, std::string(line_at(text, item.line)), std::move(message)});
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
    auto region = make_region(*base, *last, true, *number, kind);
    if (!region) return fail(region.error());
    out.entries.push_back(*region);
    out.entry_lines.push_back(item.line);
  }
  return out;
}

std::expected<ParsedMap, InputError> parse_map_text(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t\r\n");
  if (first != std::string_view::npos && text[first] == '{') return parse_json_map(text);
  return parse_dmesg(text);
}

}  // namespace keel::memmap_tool
