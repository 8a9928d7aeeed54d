#include "kernel/kbench/json_writer.h"
#include "lib/fmt/string_sink.h"

#include <gtest/gtest.h>

#include <string>

namespace kernel::kbench {
namespace {

using keel::fmt::StringSink;

std::string escaped(std::string_view text) {
  StringSink sink;
  write_json_escaped(sink, text);
  return sink.str();
}

TEST(JsonEscape, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(escaped("plain"), "plain");
  EXPECT_EQ(escaped("a\"b"), "a\\\"b");
  EXPECT_EQ(escaped("a\\b"), "a\\\\b");
  EXPECT_EQ(escaped("tab\there\nnl\r"), "tab\\there\\nnl\\r");
  EXPECT_EQ(escaped(std::string_view("\x01\x1f", 2)), "\\u0001\\u001f");
  EXPECT_EQ(escaped(std::string_view("nul\0x", 5)), "nul\\u0000x");
  EXPECT_EQ(escaped("caf\xc3\xa9"), "caf\xc3\xa9");  // UTF-8 passes through
}

TEST(JsonWriter, WritesNestedPrettyJson) {
  StringSink sink;
  JsonWriter json(sink);
  json.begin_object();
  json.field("name", "x/1");
  json.field("count", std::uint64_t{3});
  json.field_milli("time", 12345);
  json.field_bool("flag", true);
  json.key("list");
  json.begin_array();
  json.unsigned_integer(1);
  json.signed_integer(-2);
  json.begin_object();
  json.end_object();
  json.end_array();
  json.key("empty");
  json.begin_array();
  json.end_array();
  json.end_object();
  EXPECT_TRUE(json.ok());
  EXPECT_EQ(sink.str(),
            "{\n"
            "  \"name\": \"x/1\",\n"
            "  \"count\": 3,\n"
            "  \"time\": 12.345,\n"
            "  \"flag\": true,\n"
            "  \"list\": [\n"
            "    1,\n"
            "    -2,\n"
            "    {}\n"
            "  ],\n"
            "  \"empty\": []\n"
            "}\n");
}

TEST(JsonWriter, FlagsMisuse) {
  {
    StringSink sink;
    JsonWriter json(sink);
    json.begin_object();
    json.unsigned_integer(1);  // a value where a key is due
    json.end_object();
    EXPECT_FALSE(json.ok());
  }
  {
    StringSink sink;
    JsonWriter json(sink);
    json.begin_array();
    json.end_object();  // wrong bracket
    EXPECT_FALSE(json.ok());
  }
  {
    StringSink sink;
    JsonWriter json(sink);
    json.begin_object();  // never closed
    EXPECT_FALSE(json.ok());
  }
  {
    StringSink sink;
    JsonWriter json(sink);
    for (unsigned i = 0; i <= JsonWriter::MAX_DEPTH; ++i) json.begin_array();
    EXPECT_FALSE(json.ok());
  }
}

}  // namespace
}  // namespace kernel::kbench
