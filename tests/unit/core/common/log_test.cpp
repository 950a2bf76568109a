#include "core/common/log.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::core::log {
namespace {

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setSink([this](std::string_view line) { lines_.emplace_back(line); });
    setLevel(Level::kDebug);
  }
  void TearDown() override {
    resetSink();
    setLevel(Level::kInfo);
  }
  nlohmann::json only() {
    EXPECT_EQ(lines_.size(), 1u);
    return lines_.empty() ? nlohmann::json() : nlohmann::json::parse(lines_.front());
  }
  std::vector<std::string> lines_;
};

TEST_F(LogTest, WritesOneJsonObjectPerLine) {
  info("http", "listening", {{"port", 8065}, {"request_id", "abc"}});
  ASSERT_EQ(lines_.size(), 1u);
  EXPECT_EQ(lines_[0].back(), '\n');
  EXPECT_EQ(lines_[0].find('\n'), lines_[0].size() - 1) << "exactly one line";
  const auto line = only();
  EXPECT_EQ(line["level"], "info");
  EXPECT_EQ(line["component"], "http");
  EXPECT_EQ(line["msg"], "listening");
  EXPECT_EQ(line["port"], 8065);
  EXPECT_EQ(line["request_id"], "abc");
  EXPECT_TRUE(line["time"].get<std::string>().ends_with("Z"));
}

TEST_F(LogTest, RedactsFieldsThatLookLikeSecrets) {
  warn("auth", "login failed",
       {{"password", "hunter2"},
        {"access_token", "tok"},
        {"database_dsn", "postgres://u:p@h/db"},
        {"user", "alice"}});
  const auto line = only();
  EXPECT_EQ(line["password"], "[redacted]");
  EXPECT_EQ(line["access_token"], "[redacted]");
  EXPECT_EQ(line["database_dsn"], "[redacted]");
  EXPECT_EQ(line["user"], "alice");
  EXPECT_EQ(lines_[0].find("hunter2"), std::string::npos);
}

TEST_F(LogTest, DropsLinesBelowTheLevel) {
  setLevel(Level::kWarn);
  info("x", "quiet");
  debug("x", "quieter");
  error("x", "loud");
  const auto line = only();
  EXPECT_EQ(line["msg"], "loud");
}

TEST_F(LogTest, FixedKeysCannotBeOverwrittenByFields) {
  info("x", "real", {{"msg", "forged"}, {"level", "error"}});
  const auto line = only();
  EXPECT_EQ(line["msg"], "real");
  EXPECT_EQ(line["level"], "info");
}

TEST_F(LogTest, InvalidUtf8DoesNotThrow) {
  EXPECT_NO_THROW(info("x", "bad \xff\xfe bytes"));
  EXPECT_EQ(lines_.size(), 1u);
}

TEST(LogLevel, ParsesNames) {
  Level l = Level::kInfo;
  EXPECT_TRUE(parseLevel("debug", l));
  EXPECT_EQ(l, Level::kDebug);
  EXPECT_TRUE(parseLevel("error", l));
  EXPECT_EQ(l, Level::kError);
  EXPECT_FALSE(parseLevel("verbose", l));
  EXPECT_EQ(l, Level::kError) << "unchanged on failure";
}

}  // namespace
}  // namespace parley::core::log
