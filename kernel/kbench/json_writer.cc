#include "kernel/kbench/json_writer.h"

#include "kernel/kbench/fixed_point.h"

namespace kernel::kbench {

void write_json_escaped(keel::fmt::Sink& sink, std::string_view text) {
  std::size_t plain_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    const char* escape = nullptr;
    char unicode[7];
    switch (c) {
      case '"': escape = "\\\""; break;
      case '\\': escape = "\\\\"; break;
      case '\n': escape = "\\n"; break;
      case '\r': escape = "\\r"; break;
      case '\t': escape = "\\t"; break;
      case '\b': escape = "\\b"; break;
      case '\f': escape = "\\f"; break;
      default:
        if (c < 0x20) {
          constexpr char HEX[] = "0123456789abcdef";
          unicode[0] = '\\'; unicode[1] = 'u'; unicode[2] = '0'; unicode[3] = '0';
          unicode[4] = HEX[c >> 4]; unicode[5] = HEX[c & 0xf]; unicode[6] = '\0';
          escape = unicode;
        }
    }
    if (escape == nullptr) continue;
    sink.write(text.substr(plain_start, i - plain_start));
    sink.write(escape);
    plain_start = i + 1;
  }
  sink.write(text.substr(plain_start));
}

void JsonWriter::newline_and_indent() {
  sink_.write("\n");
  for (unsigned i = 0; i < depth_; ++i) sink_.write("  ");
}

bool JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return true;
  }
  if (depth_ == 0) {
    if (wrote_root_) ok_ = false;  // a second top-level value
    wrote_root_ = true;
    return ok_;
  }
  if (stack_[depth_ - 1] == '{') {  // objects take a key first
    ok_ = false;
    return false;
  }
  if (has_items_[depth_ - 1]) sink_.write(",");
  has_items_[depth_ - 1] = true;
  newline_and_indent();
  return true;
}

void JsonWriter::key(std::string_view name) {
  if (depth_ == 0 || stack_[depth_ - 1] != '{' || after_key_) {
    ok_ = false;
    return;
  }
  if (has_items_[depth_ - 1]) sink_.write(",");
  has_items_[depth_ - 1] = true;
  newline_and_indent();
  sink_.write("\"");
  write_json_escaped(sink_, name);
  sink_.write("\": ");
  after_key_ = true;
}

void JsonWriter::open(char bracket) {
  if (!before_value()) return;
  if (depth_ == MAX_DEPTH) {
    ok_ = false;
    return;
  }
  sink_.write(std::string_view(&bracket, 1));
  stack_[depth_] = bracket;
  has_items_[depth_] = false;
  ++depth_;
}

void JsonWriter::close(char bracket) {
  const char opening = bracket == '}' ? '{' : '[';
  if (depth_ == 0 || stack_[depth_ - 1] != opening || after_key_) {
    ok_ = false;
    return;
  }
  const bool had_items = has_items_[depth_ - 1];
  --depth_;
  if (had_items) newline_and_indent();
  sink_.write(std::string_view(&bracket, 1));
  if (depth_ == 0) sink_.write("\n");
}

void JsonWriter::string(std::string_view value) {
  if (!before_value()) return;
  sink_.write("\"");
  write_json_escaped(sink_, value);
  sink_.write("\"");
}

void JsonWriter::unsigned_integer(std::uint64_t value) {
  if (before_value()) keel::fmt::print(sink_, "{}", value);
}

void JsonWriter::signed_integer(std::int64_t value) {
  if (before_value()) keel::fmt::print(sink_, "{}", value);
}

void JsonWriter::milli(std::uint64_t thousandths) {
  if (before_value()) keel::fmt::print(sink_, "{}", Milli{thousandths});
}

void JsonWriter::boolean(bool value) {
  if (before_value()) sink_.write(value ? "true" : "false");
}

}  // namespace kernel::kbench
