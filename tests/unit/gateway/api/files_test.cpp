// How files are served: Content-Disposition encoding and which types are shown inline.

#include "gateway/api/files.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::api {
namespace {

TEST(ContentDisposition, EscapesTheNameAsAUrlPathSegment) {
  EXPECT_EQ(contentDisposition("chart.png", false),
            "inline;filename=\"chart.png\"; filename*=UTF-8''chart.png");
  EXPECT_EQ(
      contentDisposition("a b;c,d\"e.txt", true),
      "attachment;filename=\"a%20b%3Bc%2Cd%22e.txt\"; filename*=UTF-8''a%20b%3Bc%2Cd%22e.txt");
  // Non-ASCII as UTF-8 bytes; header-breaking characters never appear unescaped.
  EXPECT_EQ(contentDisposition("\xC3\x9C\r\n.txt", true),
            "attachment;filename=\"%C3%9C%0D%0A.txt\"; filename*=UTF-8''%C3%9C%0D%0A.txt");
  // What Go's url.PathEscape leaves alone.
  EXPECT_EQ(contentDisposition("a-_.~$&+:=@b", false),
            "inline;filename=\"a-_.~$&+:=@b\"; filename*=UTF-8''a-_.~$&+:=@b");
  EXPECT_EQ(contentDisposition("x/y?z", false),
            "inline;filename=\"x%2Fy%3Fz\"; filename*=UTF-8''x%2Fy%3Fz");
}

TEST(FileDelivery, OnlySafeMediaIsInlineAndScriptsAreText) {
  const auto png = fileDelivery("image/png", false);
  EXPECT_EQ(png.contentType, "image/png");
  EXPECT_FALSE(png.attachment);
  EXPECT_TRUE(fileDelivery("image/png", true).attachment);
  const auto html = fileDelivery("text/html", false);
  EXPECT_EQ(html.contentType, "text/plain");
  EXPECT_TRUE(html.attachment);
  EXPECT_EQ(fileDelivery("application/javascript", false).contentType, "text/plain");
  const auto svg = fileDelivery("image/svg+xml", false);
  EXPECT_EQ(svg.contentType, "image/svg+xml");
  EXPECT_TRUE(svg.attachment);
  EXPECT_TRUE(fileDelivery("application/pdf", false).attachment);
  EXPECT_EQ(fileDelivery("", false).contentType, "application/octet-stream");
}

}  // namespace
}  // namespace parley::gateway::api
