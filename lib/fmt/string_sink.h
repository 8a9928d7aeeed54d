// keel::fmt::Sink into a std::string, for host tests and host tools (not the kernel: it allocates).
#pragma once

#include <string>
#include <string_view>

#include "lib/fmt/format.h"

namespace keel::fmt {

class StringSink final : public keel::fmt::Sink {
 public:
  void write(std::string_view text) override { text_.append(text); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// keel::fmt::print into a std::string.
template <typename... Args>
std::string format(std::string_view format_string, const Args&... args) {
  StringSink sink;
  keel::fmt::print(sink, format_string, args...);
  return sink.str();
}

template <typename T>
std::string to_text(const T& value) {
  StringSink sink;
  keel::fmt::print(sink, "{}", value);
  return sink.str();
}

}  // namespace keel::fmt
