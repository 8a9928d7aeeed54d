// Cmdline: splitting and lookups (see cmdline.h).
#include "boot/cmdline.h"

#include <limits>

#include "lib/fmt/format.h"

namespace boot {
namespace {

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// The next word of `text` starting at `pos` (after skipping blanks), honouring quotes;
// `pos` ends just past the word. Empty when the text is exhausted.
std::string_view next_word(std::string_view text, std::size_t& pos) {
  while (pos < text.size() && is_space(text[pos])) ++pos;
  const std::size_t start = pos;
  bool quoted = false;
  while (pos < text.size() && (quoted || !is_space(text[pos]))) {
    if (text[pos] == '"') quoted = !quoted;
    ++pos;
  }
  return text.substr(start, pos - start);
}

std::string_view strip_quotes(std::string_view value) {
  if (!value.empty() && value.front() == '"') {
    value.remove_prefix(1);
    if (!value.empty() && value.back() == '"') value.remove_suffix(1);
  }
  return value;
}

CmdlineWord split_word(std::string_view word) {
  word = strip_quotes(word);  // "key=a b" quoted as a whole
  const std::size_t equals = word.find('=');
  if (equals == std::string_view::npos) return {word, std::nullopt};
  return {word.substr(0, equals), strip_quotes(word.substr(equals + 1))};
}

bool is_known(std::string_view key, std::span<const std::string_view> known) {
  for (const std::string_view entry : known) {
    if (!entry.empty() && entry.back() == '.' ? key.starts_with(entry) : key == entry) {
      return true;
    }
  }
  return false;
}

std::optional<unsigned> digit_value(char c, unsigned base) {
  unsigned value;
  if (c >= '0' && c <= '9') {
    value = static_cast<unsigned>(c - '0');
  } else if (c >= 'a' && c <= 'f') {
    value = static_cast<unsigned>(c - 'a' + 10);
  } else if (c >= 'A' && c <= 'F') {
    value = static_cast<unsigned>(c - 'A' + 10);
  } else {
    return std::nullopt;
  }
  if (value >= base) return std::nullopt;
  return value;
}

}  // namespace

Cmdline Cmdline::parse(std::string_view text) {
  Cmdline result;
  std::size_t pos = 0;
  bool first = true;
  for (std::string_view word = next_word(text, pos); !word.empty();
       word = next_word(text, pos)) {
    const bool is_kernel_path = first && word.front() == '/';
    first = false;
    if (is_kernel_path) continue;
    if (result.count_ == MAX_CMDLINE_WORDS) {
      result.truncated_ = true;
      break;
    }
    result.words_[result.count_++] = split_word(word);
  }
  return result;
}

std::optional<std::string_view> Cmdline::find(std::string_view key) const {
  for (std::size_t i = count_; i-- > 0;) {
    if (words_[i].key == key) return words_[i].value.value_or(std::string_view{});
  }
  return std::nullopt;
}

std::optional<std::uint64_t> Cmdline::find_u64(std::string_view key) const {
  const auto value = find(key);
  if (!value) return std::nullopt;
  return parse_u64(*value);
}

void Cmdline::warn_unknown(std::span<const std::string_view> known, keel::fmt::Sink& sink) const {
  for (const CmdlineWord& word : words()) {
    if (!is_known(word.key, known)) {
      keel::fmt::print(sink, "cmdline: unknown key '{}' (ignored)\n", word.key);
    }
  }
}

std::optional<std::uint64_t> parse_u64(std::string_view text) {
  unsigned base = 10;
  if (text.size() > 2 && text[0] == '0' && (text[1] == 'x' || text[1] == 'X')) {
    base = 16;
    text.remove_prefix(2);
  }
  if (text.empty()) return std::nullopt;
  constexpr auto max = std::numeric_limits<std::uint64_t>::max();
  std::uint64_t value = 0;
  for (const char c : text) {
    const auto digit = digit_value(c, base);
    if (!digit) return std::nullopt;
    if (value > (max - *digit) / base) return std::nullopt;  // value * base + digit > max
    value = value * base + *digit;
  }
  return value;
}

}  // namespace boot
