// fmt::Sink into a std::string, for host tests and host tools (not the kernel: it allocates).
#pragma once

#include <string>
#include <string_view>

#include "mm/support/format.h"

namespace mm::testing {

class StringSink final : public fmt::Sink {
 public:
  void write(std::string_view text) override { text_.append(text); }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

// fmt::print into a std::string.
template <typename... Args>
std::string format(std::string_view format_string, const Args&... args) {
  StringSink sink;
  fmt::print(sink, format_string, args...);
  return sink.str();
}

template <typename T>
std::string to_text(const T& value) {
  StringSink sink;
  fmt::print(sink, "{}", value);
  return sink.str();
}

}  // namespace mm::testing
