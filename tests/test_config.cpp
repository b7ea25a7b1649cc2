// Tests of the configuration tree (stems/config): TOML conversion, typed access, locations in
// messages, unknown-key detection.
#include <gtest/gtest.h>

#include <functional>

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
