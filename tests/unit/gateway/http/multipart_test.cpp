// The multipart/form-data parser on bodies as real clients send them (browsers, curl, Go's
// mime/multipart, Mattermost's Client4 through the fetch API), fed whole and byte by byte.

#include "gateway/http/multipart.hpp"

#include <gtest/gtest.h>

namespace parley::gateway::http {
namespace {

struct Expected {
  std::string name;
  std::optional<std::string> filename;
  std::string contentType;
  std::string body;
};

struct Case {
  const char* title;
  std::string boundary;
  std::string body;
  std::vector<Expected> parts;
};

std::vector<Case> validCases() {
  return {
      {"Chrome, one field then one file",
       "----WebKitFormBoundary7MA4YWxkTrZu0gW",
       "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
       "Content-Disposition: form-data; name=\"channel_id\"\r\n\r\n"
       "hc9yqh5r3br7pqfcpqmnodbd8h\r\n"
       "------WebKitFormBoundary7MA4YWxkTrZu0gW\r\n"
       "Content-Disposition: form-data; name=\"files\"; filename=\"a.png\"\r\n"
       "Content-Type: image/png\r\n\r\n"
       "\x89PNG\r\n\x1a\n\r\n--not-the-boundary\r\n"
       "------WebKitFormBoundary7MA4YWxkTrZu0gW--\r\n",
       {{"channel_id", std::nullopt, "text/plain", "hc9yqh5r3br7pqfcpqmnodbd8h"},
        {"files", "a.png", "image/png", "\x89PNG\r\n\x1a\n\r\n--not-the-boundary"}}},
      {"curl -F, no trailing CRLF after the close delimiter",
       "------------------------d74496d66958873e",
       "--------------------------d74496d66958873e\r\n"
       "Content-Disposition: form-data; name=\"client_ids\"\r\n\r\n"
       "c1\r\n"
       "--------------------------d74496d66958873e\r\n"
       "Content-Disposition: form-data; name=\"files\"; filename=\"notes.txt\"\r\n"
       "Content-Type: text/plain\r\n\r\n"
       "line one\nline two\n\r\n"
       "--------------------------d74496d66958873e--",
       {{"client_ids", std::nullopt, "text/plain", "c1"},
        {"files", "notes.txt", "text/plain", "line one\nline two\n"}}},
      {"RFC 2046 example: quoted boundary with a space, preamble, padding and epilogue",
       "simple boundary",
       "This is the preamble.  It is to be ignored.\r\n"
       "--simple boundary  \t\r\n"
       "content-disposition: form-data; name=\"text\"\r\n\r\n"
       "This is implicitly typed plain US-ASCII text.\r\n"
       "It does NOT end with a linebreak.\r\n"
       "--simple boundary\r\n"
       "Content-Disposition: form-data; name=\"text2\"\r\n"
       "Content-type: text/plain; charset=us-ascii\r\n\r\n"
       "This is explicitly typed plain US-ASCII text.\r\n"
       "It DOES end with a linebreak.\r\n\r\n"
       "--simple boundary--\r\n"
       "This is the epilogue.  It is also to be ignored.\r\n",
       {{"text", std::nullopt, "text/plain",
         "This is implicitly typed plain US-ASCII text.\r\nIt does NOT end with a linebreak."},
        {"text2", std::nullopt, "text/plain; charset=us-ascii",
         "This is explicitly typed plain US-ASCII text.\r\nIt DOES end with a linebreak.\r\n"}}},
      {"bare LF line endings throughout",
       "b",
       "--b\n"
       "Content-Disposition: form-data; name=\"payload\"\n\n"
       "{\"text\":\"hi\"}\n"
       "--b--\n",
       {{"payload", std::nullopt, "text/plain", "{\"text\":\"hi\"}"}}},
      {"an empty part, a part without headers, and content that almost is a delimiter",
       "XyZ",
       "--XyZ\r\n"
       "Content-Disposition: form-data; name=\"empty\"\r\n\r\n"
       "\r\n"
       "--XyZ\r\n"
       "\r\n"
       "anonymous\r\n"
       "--XyZ\r\n"
       "Content-Disposition: form-data; name=\"tricky\"\r\n\r\n"
       "--XyZ at line start without CRLF before it\r\n--XyZzy is longer\r\n"
       "--XyZ--",
       {{"empty", std::nullopt, "text/plain", ""},
        {"", std::nullopt, "text/plain", "anonymous"},
        {"tricky", std::nullopt, "text/plain",
         "--XyZ at line start without CRLF before it\r\n--XyZzy is longer"}}},
      {"filename* (RFC 5987) wins; Windows paths keep their backslashes; folded header",
       "bnd",
       "--bnd\r\n"
       "Content-Disposition: form-data; name=\"files\"; filename=\"euro.txt\";\r\n"
       " filename*=UTF-8''%E2%82%AC%20rates.txt\r\n\r\n"
       "1\r\n"
       "--bnd\r\n"
       "Content-Disposition: form-data; name=\"files\"; "
       "filename=\"C:\\Users\\ann\\say \\\"hi\\\".txt\"\r\n\r\n"
       "2\r\n"
       "--bnd\r\n"
       "Content-Disposition: form-data; name=\"files\"; filename=\"\"\r\n"
       "Content-Type: application/octet-stream\r\n\r\n"
       "\r\n"
       "--bnd--\r\n",
       {{"files", "\xE2\x82\xAC rates.txt", "text/plain", "1"},
        {"files", "C:\\Users\\ann\\say \"hi\".txt", "text/plain", "2"},
        {"files", "", "application/octet-stream", ""}}},
  };
}

core::Result<std::vector<MultipartPart>> parseInChunks(const Case& c, std::size_t chunk) {
  std::vector<MultipartPart> parts;
  MultipartParser parser(c.boundary, {},
                         {[&](const PartHeaders& h) -> core::Status {
                            parts.push_back({h, {}});
                            return {};
                          },
                          [&](std::string_view d) -> core::Status {
                            parts.back().body.append(d);
                            return {};
                          },
                          nullptr});
  for (std::size_t i = 0; i < c.body.size(); i += chunk) {
    if (auto fed = parser.feed(std::string_view(c.body).substr(i, chunk)); !fed) {
      return std::move(fed).error();
    }
  }
  if (auto done = parser.finish(); !done) return std::move(done).error();
  return parts;
}

TEST(Multipart, ParsesRealWorldBodiesWholeAndByteByByte) {
  for (const auto& c : validCases()) {
    for (const std::size_t chunk : {c.body.size(), std::size_t{1}, std::size_t{7}}) {
      SCOPED_TRACE(std::string(c.title) + ", chunk " + std::to_string(chunk));
      auto parts = parseInChunks(c, chunk);
      ASSERT_TRUE(parts.ok()) << parts.error().id << ": " << parts.error().detail;
      ASSERT_EQ(parts->size(), c.parts.size());
      for (std::size_t i = 0; i < c.parts.size(); ++i) {
        EXPECT_EQ((*parts)[i].headers.name, c.parts[i].name);
        EXPECT_EQ((*parts)[i].headers.filename, c.parts[i].filename);
        EXPECT_EQ((*parts)[i].headers.contentType, c.parts[i].contentType);
        EXPECT_EQ((*parts)[i].body, c.parts[i].body);
      }
    }
  }
}

struct BadCase {
  const char* title;
  std::string body;
  const char* errorId;
  MultipartLimits limits = {};
};

TEST(Multipart, RejectsMalformedAndOversizedBodies) {
  MultipartLimits twoParts;
  twoParts.maxParts = 2;
  MultipartLimits smallHeaders;
  smallHeaders.maxHeaderBytes = 64;
  MultipartLimits smallFiles;
  smallFiles.maxFileBytes = 4;
  MultipartLimits smallFields;
  smallFields.maxFieldBytes = 4;
  const std::vector<BadCase> cases = {
      {"missing final boundary", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n",
       kMultipartMalformed},
      {"truncated in the headers", "--b\r\nContent-Disposition: form-da", kMultipartMalformed},
      {"no delimiter at all", "just some text", kMultipartMalformed},
      {"empty body", "", kMultipartMalformed},
      {"garbage after the boundary", "--bX\r\n\r\nx\r\n--b--", kMultipartMalformed},
      {"bare CR after the boundary", "--b\rContent-Type: x\r\n\r\nx\r\n--b--", kMultipartMalformed},
      {"header line without a colon", "--b\r\nnonsense\r\n\r\nx\r\n--b--", kMultipartMalformed},
      {"unterminated quoted parameter",
       "--b\r\nContent-Disposition: form-data; name=\"a\r\n\r\nx\r\n--b--", kMultipartMalformed},
      {"too many parts", "--b\r\n\r\n1\r\n--b\r\n\r\n2\r\n--b\r\n\r\n3\r\n--b--",
       kMultipartTooManyParts, twoParts},
      {"header block too large",
       "--b\r\nContent-Disposition: form-data; name=\"" + std::string(100, 'n') +
           "\"\r\n\r\nx\r\n--b--",
       kMultipartHeaderTooLarge, smallHeaders},
      {"file part too large",
       "--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f\"\r\n\r\n12345\r\n"
       "--b--",
       kMultipartPartTooLarge, smallFiles},
      {"field part too large",
       "--b\r\nContent-Disposition: form-data; name=\"channel_id\"\r\n\r\n12345\r\n--b--",
       kMultipartPartTooLarge, smallFields},
  };
  for (const auto& c : cases) {
    for (const std::size_t chunk : {std::max<std::size_t>(c.body.size(), 1), std::size_t{1}}) {
      SCOPED_TRACE(std::string(c.title) + ", chunk " + std::to_string(chunk));
      MultipartParser parser("b", c.limits, {});
      core::Status status;
      for (std::size_t i = 0; i < c.body.size() && status.ok(); i += chunk) {
        status = parser.feed(std::string_view(c.body).substr(i, chunk));
      }
      if (status.ok()) status = parser.finish();
      ASSERT_FALSE(status.ok());
      EXPECT_EQ(status.error().id, c.errorId);
    }
  }
}

TEST(Multipart, APartOverTheLimitStopsBeforeItsBytesAreHandedOn) {
  MultipartLimits limits;
  limits.maxFileBytes = 10;
  std::string received;
  MultipartParser parser("b", limits,
                         {nullptr,
                          [&](std::string_view d) -> core::Status {
                            received.append(d);
                            return {};
                          },
                          nullptr});
  auto status =
      parser.feed("--b\r\nContent-Disposition: form-data; name=\"files\"; filename=\"f\"\r\n\r\n" +
                  std::string(1000, 'x'));
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, core::ErrorCode::kTooLarge);
  EXPECT_LE(received.size(), 10u);
}

TEST(Multipart, ACallbackErrorStopsTheParse) {
  MultipartParser parser("b", {},
                         {[](const PartHeaders&) -> core::Status {
                            return core::makeError(core::ErrorCode::kPermissionDenied, "denied",
                                                   "no");
                          },
                          nullptr, nullptr});
  auto status = parser.feed("--b\r\n\r\nx\r\n--b--");
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().id, "denied");
  EXPECT_FALSE(parser.finish().ok());
}

TEST(MultipartBoundary, ReadsTheBoundaryParameter) {
  auto plain = multipartBoundary("multipart/form-data; boundary=abc");
  ASSERT_TRUE(plain.ok());
  EXPECT_EQ(plain->value_or("?"), "abc");
  auto quoted = multipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b:c\"");
  ASSERT_TRUE(quoted.ok());
  EXPECT_EQ(quoted->value_or("?"), "a b:c");
  auto other = multipartBoundary("application/json");
  ASSERT_TRUE(other.ok());
  EXPECT_FALSE(other->has_value());
  auto empty = multipartBoundary("");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_value());
  EXPECT_FALSE(multipartBoundary("multipart/form-data").ok());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=").ok());
  EXPECT_FALSE(multipartBoundary("multipart/form-data; boundary=" + std::string(71, 'x')).ok());
}

}  // namespace
}  // namespace parley::gateway::http
