// JSON written straight to text: the same bytes as nlohmann's dump of the same value, which is
// what replies carried before and what the audit chain hashes.

#include "core/common/json_text.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::core {
namespace {

std::string written(std::string_view text) {
  std::string out;
  appendJsonString(out, text);
  return out;
}

TEST(JsonText, EveryAsciiCharacterIsEscapedAsNlohmannEscapesIt) {
  for (int c = 0; c < 0x80; ++c) {
    const std::string text = "a" + std::string(1, static_cast<char>(c)) + "b";
    EXPECT_EQ(written(text), dumpJson(nlohmann::json(text))) << "character " << c;
  }
  EXPECT_EQ(written(""), "\"\"");
  EXPECT_EQ(written(std::string("nul\0byte", 8)), "\"nul\\u0000byte\"");
}

TEST(JsonText, TextBeyondAsciiIsValidatedAndInvalidUtf8Replaced) {
  for (const std::string& text :
       {std::string("caf\u00e9"), std::string("\U0001F600 \"q\""), std::string("\xff"),
        std::string("ok \xc3"), std::string("\xe2\x82 mid")}) {
    EXPECT_EQ(written(text), dumpJson(nlohmann::json(text)));
  }
  EXPECT_EQ(nlohmann::json::parse(written("x \xff y")), "x \ufffd y");
}

TEST(JsonText, AnObjectsMembersAreWrittenInTheOrderGiven) {
  std::string out;
  JsonObjectText object(out);
  object.string("a", "x\ny")
      .integer("b", -9007199254740993)
      .boolean("c", false)
      .null("d")
      .raw("e", "[1,2]")
      .value("f", nlohmann::json{{"z", 1}, {"y", true}});
  JsonObjectText nested(object.member("g"));
  nested.close();
  object.close();
  const nlohmann::json expected = {{"a", "x\ny"},
                                   {"b", -9007199254740993},
                                   {"c", false},
                                   {"d", nullptr},
                                   {"e", {1, 2}},
                                   {"f", {{"y", true}, {"z", 1}}},
                                   {"g", nlohmann::json::object()}};
  EXPECT_EQ(out, dumpJson(expected));
}

TEST(JsonText, AnArraysItemsAreWrittenByTheGivenFunctionBetweenCommas) {
  const auto appendNumber = [](std::string& out, int n) { out += std::to_string(n); };
  std::string out;
  appendJsonArray(out, std::vector<int>{}, appendNumber);
  out += ' ';
  appendJsonArray(out, std::vector<int>{7}, appendNumber);
  out += ' ';
  appendJsonArray(out, std::vector<std::string>{"a", "b\"c"}, appendJsonString);
  EXPECT_EQ(out, R"([] [7] ["a","b\"c"])");
}

}  // namespace
}  // namespace parley::core
