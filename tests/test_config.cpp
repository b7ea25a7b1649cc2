// Tests of the configuration tree (stems/config): TOML conversion, typed access, locations in
// messages, unknown-key detection.
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <limits>
#include <sstream>
#include <toml.hpp>

#include "stems/common/error.hpp"
#include "stems/config/document.hpp"

using stems::InputError;
using stems::config::parse_toml_string;
using stems::config::TableReader;

namespace {

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const InputError& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Config, ReadsTypedValuesAndAcceptsIntegersAsNumbers) {
  const auto doc =
      parse_toml_string("a = 3\nb = 2.5\nc = \"x\"\nd = true\ne = [\"p\", \"q\"]\n", "mem.toml");
  TableReader r(doc, doc.root, "");
  EXPECT_EQ(r.integer("a"), 3);
  EXPECT_DOUBLE_EQ(r.number("a"), 3.0);  // TOML 3 accepted where 3.0 is meant
  EXPECT_DOUBLE_EQ(r.number("b"), 2.5);
  EXPECT_EQ(r.string("c"), "x");
  EXPECT_TRUE(r.boolean_or("d", false));
  EXPECT_EQ(r.string_list("e"), (std::vector<std::string>{"p", "q"}));
  EXPECT_EQ(r.integer_or("missing", 7), 7);
  EXPECT_NO_THROW(r.finish());
}

TEST(Config, ErrorsNameFileLineAndKey) {
  const auto doc = parse_toml_string("[t]\nx = 1\nsize = -4\n", "hw.toml");
  TableReader r(doc, doc.root, "");
  const TableReader t = r.table("t");
  const std::string msg = error_of([&] { t.positive("size"); });
  EXPECT_NE(msg.find("hw.toml:3:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("'t.size'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("positive integer"), std::string::npos) << msg;
}

TEST(Config, WrongTypeIsReported) {
  const auto doc = parse_toml_string("K = \"sixty-four\"\n", "w.toml");
  TableReader r(doc, doc.root, "");
  const std::string msg = error_of([&] { r.positive("K"); });
  EXPECT_NE(msg.find("expected an integer, got a string"), std::string::npos) << msg;
  EXPECT_NE(msg.find("w.toml:1:"), std::string::npos) << msg;
}

TEST(Config, MissingKeyIsReported) {
  const auto doc = parse_toml_string("[layer]\nid = 1\n", "w.toml");
  TableReader r(doc, doc.root, "");
  const TableReader l = r.table("layer");
  const std::string msg = error_of([&] { l.integer("K"); });
  EXPECT_NE(msg.find("missing required key 'K'"), std::string::npos) << msg;
}

TEST(Config, UnknownKeysAreErrorsAfterFinish) {
  const auto doc = parse_toml_string("name = \"a\"\nnmae = \"b\"\n", "w.toml");
  TableReader r(doc, doc.root, "");
  r.string("name");
  const std::string msg = error_of([&] { r.finish(); });
  EXPECT_NE(msg.find("'nmae'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("unknown key"), std::string::npos) << msg;
  EXPECT_NE(msg.find("w.toml:2:"), std::string::npos) << msg;
}

TEST(Config, NonFiniteNumbersAreRejected) {
  const auto doc = parse_toml_string("a = nan\nb = inf\nc = -1.0\n", "hw.toml");
  TableReader r(doc, doc.root, "");
  EXPECT_NE(error_of([&] { r.number("a"); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([&] { r.number("b"); }).find("finite"), std::string::npos);
  EXPECT_NE(error_of([&] { r.non_negative_number("c"); }).find("non-negative"), std::string::npos);
}

TEST(Config, SyntaxErrorNamesFileAndLine) {
  const std::string msg = error_of([] { parse_toml_string("a = 1\nb = 42x\n", "bad.toml"); });
  EXPECT_EQ(msg.rfind("bad.toml: TOML syntax error", 0), 0u) << msg;
  EXPECT_NE(msg.find(" 2 |"), std::string::npos) << msg;
}

TEST(Config, IntegersBeyond64BitsAreRefusedNotSaturated) {
  // toml11 3.7 reads these as INT64_MAX / INT64_MIN without an error; the binary ones overflow a
  // signed integer inside toml11 (undefined behaviour; wrapped in a release build: 2^64 as 0,
  // 2^64 + 5 as 5, 2^64 - 1 as -1) and are refused before it reads them.
  for (const char* literal :
       {"99999999999999999999", "9_223_372_036_854_775_808", "-9223372036854775809",
        "0xFFFFFFFFFFFFFFFF", "0o1000000000000000000000",
        "0b1000000000000000000000000000000000000000000000000000000000000000",
        "0b10000000000000000000000000000000000000000000000000000000000000000",
        "0b10000000000000000000000000000000000000000000000000000000000000101",
        "0b1111111111111111111111111111111111111111111111111111111111111111"}) {
    const std::string msg = error_of(
        [&] { parse_toml_string(std::string("a = 1\nb = ") + literal + "\n", "big.toml"); });
    EXPECT_EQ(msg.rfind("big.toml:2:5: integer ", 0), 0u) << literal << ": " << msg;
    EXPECT_NE(msg.find("out of range"), std::string::npos) << msg;
  }
  // The extremes themselves, and the largest in each base, are integers.
  const auto doc = parse_toml_string(
      "a = 9223372036854775807\nb = -9223372036854775808\nc = 0x7FFF_FFFF_FFFF_FFFF\n"
      "d = +9_223_372_036_854_775_807\n"
      "f = 0b101\n"
      "g = \"0b11111111111111111111111111111111111111111111111111111111111111111\" # 0b1111111111"
      "1111111111111111111111111111111111111111111111111111111\n",
      "edge.toml");
  TableReader r(doc, doc.root, "");
  EXPECT_EQ(r.integer("a"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.integer("b"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(r.integer("c"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.integer("d"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(r.integer("f"), 5);
  EXPECT_EQ(r.string("g").size(), 67u);  // in a string or a comment, 0b... is no integer
  // toml11 overflows from the 63rd binary digit on, so even 2^63 - 1 in 63 binary digits (or a
  // small value padded with zeros) is refused, naming decimal and hex instead.
  const std::string msg = error_of(
      [] { parse_toml_string("x = [1, 0b" + std::string(60, '0') + "101]\n", "pad.toml"); });
  EXPECT_EQ(msg.rfind("pad.toml:1:9: integer 0b", 0), 0u) << msg;
  EXPECT_NE(msg.find("63 or more binary digits"), std::string::npos) << msg;
  // A bare key spelt like a binary number is a key.
  const auto keys = parse_toml_string("0b" + std::string(70, '1') + " = 3\n", "key.toml");
  EXPECT_EQ(keys.root.table.size(), 1u);
}

TEST(Config, MissingFileIsAnInputError) {
  const std::string msg = error_of([] { stems::config::parse_toml_file("/nonexistent/x.toml"); });
  EXPECT_NE(msg.find("/nonexistent/x.toml: cannot open file"), std::string::npos) << msg;
}

TEST(Config, ArraysOfTablesCarryIndexedPaths) {
  const auto doc = parse_toml_string("[[layer]]\nid = 0\n[[layer]]\nid = \"one\"\n", "w.toml");
  TableReader r(doc, doc.root, "");
  const auto layers = r.table_array("layer");
  ASSERT_EQ(layers.size(), 2u);
  EXPECT_EQ(layers[0].integer("id"), 0);
  const std::string msg = error_of([&] { layers[1].integer("id"); });
  EXPECT_NE(msg.find("'layer[1].id'"), std::string::npos) << msg;
  EXPECT_NE(msg.find("w.toml:4:"), std::string::npos) << msg;
}

// The document's line/column of every value are those toml11's own source_location gives (the
// converter computes them from an index of line starts instead of counting newlines per value).
TEST(Config, ValueLocationsMatchToml11) {
  const std::string text =
      "# comment\n"
      "title = \"x\"\n"
      "[a]\n"
      "  n = 1\n"
      "  s = '''\n"
      "multi\n"
      "line'''\n"
      "  arr = [\n"
      "    1,\n"
      "    { k = 2, m = [3, 4] },\n"
      "  ]\n"
      "\r\n"
      "[[b]]\n"
      "x = 1.5 # trailing\n"
      "[[b]]\n"
      "y = { z = \"\"\"q\nr\"\"\" }\n"
      "\tlast = true";
  std::istringstream in(text);
  const toml::value expected = toml::parse(in, "loc.toml");
  const auto doc = parse_toml_string(text, "loc.toml");
  int compared = 0;
  std::function<void(const toml::value&, const stems::config::Value&, const std::string&)> walk =
      [&](const toml::value& t, const stems::config::Value& v, const std::string& path) {
        if (!path.empty()) {  // the root's line is 0 by convention
          EXPECT_EQ(v.line, t.location().line()) << path;
          EXPECT_EQ(v.column, t.location().column()) << path;
          ++compared;
        }
        if (t.is_table()) {
          ASSERT_EQ(v.table.size(), t.as_table().size()) << path;
          for (const auto& [key, child] : t.as_table())
            walk(child, v.table.at(key), path + "." + key);
        } else if (t.is_array()) {
          ASSERT_EQ(v.array.size(), t.as_array().size()) << path;
          for (std::size_t i = 0; i < v.array.size(); ++i)
            walk(t.as_array()[i], v.array[i], path + "[" + std::to_string(i) + "]");
        }
      };
  walk(expected, doc.root, "");
  EXPECT_GE(compared, 15);
}

// TOML is UTF-8: other bytes are refused before toml11 parses the text (its error path for them
// reads out of bounds; found by tests/fuzz/fuzz_schedule), with the line and column of the byte.
TEST(Config, InvalidUtf8IsRefusedWithItsPlace) {
  EXPECT_EQ(error_of([] { parse_toml_string("a = 1\nb = 'x\xffy'\n", "u.toml"); }),
            "u.toml:2:7: not valid UTF-8 (TOML files are UTF-8 text): byte 0xFF");
  // An overlong encoding, a surrogate and a truncated sequence.
  EXPECT_NE(error_of([] { parse_toml_string("a = '\xc0\xaf'", "u.toml"); }).find("u.toml:1:6:"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_toml_string("a = '\xed\xa0\x80'", "u.toml"); }).find("0xED"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_toml_string("a = '\xe2\x82'", "u.toml"); }).find("0xE2"),
            std::string::npos);
  // Valid multi-byte text is accepted.
  const auto doc = parse_toml_string("a = 'caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80'", "u.toml");
  EXPECT_EQ(TableReader(doc, doc.root, "").string("a"),
            "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
}

TEST(Config, ReadingIsBoundedSoADevicePathCannotExhaustMemory) {
  EXPECT_EQ(error_of([] { stems::config::parse_toml_file("/dev/zero"); }),
            "/dev/zero: larger than 64 MiB; not a configuration file");
}
