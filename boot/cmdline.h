// The kernel command line, split into words: `key=value`, `key="a quoted value"`, or a
// bare `key`. Words are separated by unquoted spaces, tabs or newlines; a value wrapped
// in double quotes has them stripped (an unterminated quote runs to the end of the line).
// A first word starting with '/' is skipped: some loaders pass the kernel's path first.
//
//   const auto cmdline = boot::Cmdline::parse(info.command_line());
//   if (cmdline.has("ktest")) ...;
//   const auto reps = cmdline.find_u64("kbench.repetitions").value_or(10);
//
// Cmdline holds views into the parsed text, which must outlive it. No allocation: at most
// MAX_CMDLINE_WORDS words are kept (truncated() says when more were dropped).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "lib/fmt/format_fwd.h"

namespace boot {

inline constexpr std::size_t MAX_CMDLINE_WORDS = 64;

struct CmdlineWord {
  std::string_view key;
  std::optional<std::string_view> value;  // nullopt for a bare `key`; "" for `key=`
};

class Cmdline {
 public:
  static Cmdline parse(std::string_view text);

  // The value of the LAST occurrence of `key` (later words override earlier ones, as on
  // Linux); "" for a bare `key`; nullopt when the key is absent.
  std::optional<std::string_view> find(std::string_view key) const;
  bool has(std::string_view key) const { return find(key).has_value(); }
  // find(key) as a decimal or 0x/0X-hex integer; nullopt when absent, empty, not a
  // number (trailing junk included) or larger than 64 bits.
  std::optional<std::uint64_t> find_u64(std::string_view key) const;

  // Prints "cmdline: unknown key '<key>' (ignored)\n" for every word whose key is not
  // in `known`. An entry ending in '.' is a prefix ("kbench." covers "kbench.filter");
  // any other entry must match the key exactly.
  void warn_unknown(std::span<const std::string_view> known, keel::fmt::Sink& sink) const;

  std::span<const CmdlineWord> words() const { return {words_.data(), count_}; }
  bool truncated() const { return truncated_; }

 private:
  std::array<CmdlineWord, MAX_CMDLINE_WORDS> words_{};
  std::size_t count_ = 0;
  bool truncated_ = false;
};

// Decimal or 0x/0X hex, the whole string; nullopt on anything else or on overflow.
std::optional<std::uint64_t> parse_u64(std::string_view text);

}  // namespace boot
