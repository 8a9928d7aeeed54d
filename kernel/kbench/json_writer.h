// A streaming JSON writer onto an keel::fmt::Sink: no allocation, no tree. Pretty-printed with
// two-space indentation, like Google Benchmark's own JSON output.
//
//   JsonWriter json(sink);
//   json.begin_object();
//   json.key("name"); json.string("mm/frame_alloc/0");
//   json.key("real_time"); json.milli(12345);   // 12.345
//   json.end_object();
//
// Misuse (a value where a key is due, unbalanced ends, nesting deeper than MAX_DEPTH) is
// recorded in ok() rather than trusted; the output is then not valid JSON.
#pragma once

#include <cstdint>
#include <string_view>

#include "lib/fmt/format.h"

namespace kernel::kbench {

// Writes `text` as a JSON string body (no quotes): '"', '\\' and control characters
// escaped; other bytes pass through (the caller supplies UTF-8).
void write_json_escaped(keel::fmt::Sink& sink, std::string_view text);

class JsonWriter {
 public:
  static constexpr unsigned MAX_DEPTH = 16;

  explicit JsonWriter(keel::fmt::Sink& sink) : sink_(sink) {}

  void begin_object() { open('{'); }
  void end_object() { close('}'); }
  void begin_array() { open('['); }
  void end_array() { close(']'); }
  void key(std::string_view name);

  void string(std::string_view value);
  void unsigned_integer(std::uint64_t value);
  void signed_integer(std::int64_t value);
  void milli(std::uint64_t thousandths);  // a decimal with three places
  void boolean(bool value);

  // key + value in one call.
  void field(std::string_view name, std::string_view value) { key(name); string(value); }
  void field(std::string_view name, const char* value) { key(name); string(value); }
  void field(std::string_view name, std::uint64_t value) { key(name); unsigned_integer(value); }
  void field(std::string_view name, bool value) = delete;  // use field_bool
  void field_bool(std::string_view name, bool value) { key(name); boolean(value); }
  void field_milli(std::string_view name, std::uint64_t thousandths) {
    key(name);
    milli(thousandths);
  }

  // True while every call so far was well-formed and every container is closed.
  bool ok() const { return ok_ && depth_ == 0; }

 private:
  void open(char bracket);
  void close(char bracket);
  // Separator and indentation before a value or key; false (and !ok_) if one is not due.
  bool before_value();
  void newline_and_indent();

  keel::fmt::Sink& sink_;
  char stack_[MAX_DEPTH] = {};  // '{' or '[' per open container
  bool has_items_[MAX_DEPTH] = {};
  unsigned depth_ = 0;
  bool after_key_ = false;
  bool wrote_root_ = false;
  bool ok_ = true;
};

}  // namespace kernel::kbench
