// The attachment fetcher (bridges/common/file_fetcher.hpp) and the notes of inbound files
// (inbound_files.hpp): URL rules, the address rule against SSRF, and real fetches from a small
// HTTP server on loopback in this test (sizes announced or not, redirects, timeouts).

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <map>
#include <thread>

#include "bridges/common/file_fetcher.hpp"
#include "bridges/common/inbound_files.hpp"

namespace parley::bridges {
namespace {

using Outcome = FetchResult::Outcome;
using tcp = asio::ip::tcp;

// Answers each connection with the canned response of its path, then closes it.
class TestServer {
 public:
  using Responses = std::map<std::string, std::string>;

  explicit TestServer(Responses responses)
      : responses_(std::move(responses)),
        acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { serve(); });
  }

  ~TestServer() {
    stopping_ = true;
    try {
      // Wakes the blocking accept.
      asio::io_context io;
      tcp::socket wake(io);
      wake.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_));
    } catch (const std::exception&) {
    }
    thread_.join();
  }

  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }
  std::uint16_t port() const { return port_; }
  int requests() const { return requests_; }
  const std::string& lastRequest() const { return lastRequest_; }

 private:
  void serve() {
    while (!stopping_) {
      tcp::socket socket(io_);
      boost::system::error_code ec;
      acceptor_.accept(socket, ec);
      if (ec || stopping_) return;
      std::string request;
      char buffer[1024];
      while (request.find("\r\n\r\n") == std::string::npos) {
        const std::size_t n = socket.read_some(asio::buffer(buffer), ec);
        if (ec) break;
        request.append(buffer, n);
      }
      ++requests_;
      lastRequest_ = request;
      const auto start = request.find(' ') + 1;
      const std::string path = request.substr(start, request.find(' ', start) - start);
      const auto it = responses_.find(path);
      std::string response =
          it == responses_.end()
              ? std::string("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
              : it->second;
      if (response.starts_with("SLEEP ")) {
        std::this_thread::sleep_for(std::chrono::milliseconds(600));
        response = response.substr(6);
      }
      asio::write(socket, asio::buffer(response), ec);
      socket.shutdown(tcp::socket::shutdown_both, ec);
    }
  }

  Responses responses_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  std::uint16_t port_ = 0;
  std::thread thread_;
  std::atomic<bool> stopping_{false};
  std::atomic<int> requests_{0};
  std::string lastRequest_;
};

std::string ok(const std::string& body) {
  return "HTTP/1.1 200 OK\r\nContent-Type: image/png\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

FetchLimits loopbackLimits() {
  FetchLimits limits;
  limits.maxBytes = 1000;
  limits.timeout = std::chrono::milliseconds(3000);
  limits.allowHttp = true;
  limits.allowPrivateAddresses = true;
  return limits;
}

TEST(FetchUrl, ParsesHttpsAndHttpOnlyWhenAllowed) {
  auto parsed = parseFetchUrl("https://Upload.Example.org/file_share/a b", false);
  EXPECT_FALSE(parsed.ok());  // a space
  parsed = parseFetchUrl("HTTPS://Upload.Example.org/file_share/x.png?token=1#frag", false);
  ASSERT_TRUE(parsed.ok());
  EXPECT_TRUE(parsed->https);
  EXPECT_EQ(parsed->host, "upload.example.org");
  EXPECT_EQ(parsed->port, "443");
  EXPECT_EQ(parsed->target, "/file_share/x.png?token=1");

  EXPECT_FALSE(parseFetchUrl("http://example.org/x", false).ok());
  parsed = parseFetchUrl("http://[::1]:5280", true);
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->host, "::1");
  EXPECT_EQ(parsed->port, "5280");
  EXPECT_EQ(parsed->target, "/");

  for (const char* bad : {"ftp://example.org/x", "file:///etc/passwd", "gopher://h/",
                          "example.org/x", "https://user:pw@example.org/", "https:///x",
                          "https://h:0/", "https://h:99999/", "https://h:80a/", "https://[::1/"}) {
    EXPECT_FALSE(parseFetchUrl(bad, true).ok()) << bad;
  }
}

TEST(FetchUrl, RedirectsResolveAgainstTheirUrl) {
  const auto from = parseFetchUrl("https://a.example/one/two?q", false).value();
  auto next = resolveRedirect(from, "/three", false);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->host, "a.example");
  EXPECT_EQ(next->target, "/three");
  next = resolveRedirect(from, "//b.example/x", false);
  ASSERT_TRUE(next.ok());
  EXPECT_EQ(next->host, "b.example");
  EXPECT_TRUE(next->https);
  EXPECT_FALSE(resolveRedirect(from, "http://b.example/x", false).ok());
  EXPECT_FALSE(resolveRedirect(from, "relative", false).ok());
}

TEST(FetchAddress, OnlyGlobalUnicastIsPublic) {
  for (const char* address : {"127.0.0.1",
                              "10.1.2.3",
                              "172.16.0.1",
                              "172.31.255.255",
                              "192.168.1.1",
                              "169.254.169.254",
                              "100.64.0.1",
                              "0.0.0.0",
                              "224.0.0.1",
                              "255.255.255.255",
                              "192.0.2.1",
                              "::1",
                              "::",
                              "fe80::1",
                              "fc00::1",
                              "fd12:3456::1",
                              "ff02::1",
                              "::ffff:127.0.0.1",
                              "::ffff:10.0.0.1",
                              "2001:db8::1",
                              "64:ff9b::a00:1"}) {
    EXPECT_FALSE(isPublicAddress(asio::ip::make_address(address))) << address;
  }
  for (const char* address : {"93.184.216.34", "8.8.8.8", "172.32.0.1", "100.128.0.1",
                              "2a00:1450:4007:80e::200e", "::ffff:93.184.216.34"}) {
    EXPECT_TRUE(isPublicAddress(asio::ip::make_address(address))) << address;
  }
}

TEST(FetchUrl, LogsWithoutTheQueryString) {
  EXPECT_EQ(urlForLog("https://h.example/f/x.png?token=secret#x"), "https://h.example/f/x.png");
  EXPECT_EQ(urlForLog("https://h.example/f#x?y"), "https://h.example/f");
}

TEST(FileFetcher, FetchesTheBodyAndSendsNoQueryToTheLog) {
  const std::string body(700, 'p');
  TestServer server({{"/f/x.png?token=1", ok(body)}});
  const FetchResult result = fetchFile(server.url("/f/x.png?token=1"), loopbackLimits());
  ASSERT_EQ(result.outcome, Outcome::kFetched) << result.error;
  EXPECT_EQ(result.bytes, body);
  EXPECT_EQ(result.size, body.size());
  EXPECT_NE(server.lastRequest().find("Host: 127.0.0.1:" + std::to_string(server.port())),
            std::string::npos);
}

TEST(FileFetcher, RefusesLoopbackUnlessAllowedAndHttpUnlessAllowed) {
  TestServer server({{"/x", ok("x")}});
  FetchLimits limits = loopbackLimits();
  limits.allowPrivateAddresses = false;
  FetchResult result = fetchFile(server.url("/x"), limits);
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.error, "127.0.0.1 is not a public address");
  limits = loopbackLimits();
  limits.allowHttp = false;
  result = fetchFile(server.url("/x"), limits);
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(server.requests(), 0) << "nothing was sent";
}

TEST(FileFetcher, AnAnnouncedSizeOverTheLimitIsNotRead) {
  TestServer server(
      {{"/big", "HTTP/1.1 200 OK\r\nContent-Length: 5000000\r\n\r\n" + std::string(2000, 'b')}});
  const FetchResult result = fetchFile(server.url("/big"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kTooLarge);
  EXPECT_EQ(result.size, 5000000u);
  EXPECT_TRUE(result.bytes.empty());
}

TEST(FileFetcher, ABodyWithoutLengthStopsAtTheLimit) {
  TestServer server(
      {{"/stream", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(1001, 's')},
       {"/exact", "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + std::string(1000, 'e')}});
  FetchResult result = fetchFile(server.url("/stream"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kTooLarge);
  EXPECT_EQ(result.size, 0u) << "not announced";
  result = fetchFile(server.url("/exact"), loopbackLimits());
  ASSERT_EQ(result.outcome, Outcome::kFetched) << result.error;
  EXPECT_EQ(result.bytes.size(), 1000u);
}

TEST(FileFetcher, FollowsSameSchemeRedirectsOnly) {
  TestServer server(
      {{"/moved", "HTTP/1.1 302 Found\r\nLocation: /here\r\nContent-Length: 0\r\n\r\n"},
       {"/here", ok("arrived")},
       {"/to-https",
        "HTTP/1.1 301 Moved\r\nLocation: https://127.0.0.1:1/x\r\nContent-Length: "
        "0\r\n\r\n"},
       {"/to-ftp",
        "HTTP/1.1 301 Moved\r\nLocation: ftp://127.0.0.1/x\r\nContent-Length: "
        "0\r\n\r\n"},
       {"/loop", "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n"}});
  FetchResult result = fetchFile(server.url("/moved"), loopbackLimits());
  ASSERT_EQ(result.outcome, Outcome::kFetched) << result.error;
  EXPECT_EQ(result.bytes, "arrived");
  result = fetchFile(server.url("/to-https"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  EXPECT_EQ(result.error, "a redirect to another scheme");
  result = fetchFile(server.url("/to-ftp"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kRefused);
  const int before = server.requests();
  result = fetchFile(server.url("/loop"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.error, "too many redirects");
  EXPECT_EQ(server.requests() - before, loopbackLimits().maxRedirects + 1);
}

TEST(FileFetcher, ErrorsAndTimeouts) {
  TestServer server({{"/slow", "SLEEP " + ok("late")}});
  FetchResult result = fetchFile(server.url("/missing"), loopbackLimits());
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_EQ(result.error, "the server answered HTTP 404");
  FetchLimits quick = loopbackLimits();
  quick.timeout = std::chrono::milliseconds(200);
  const auto start = std::chrono::steady_clock::now();
  result = fetchFile(server.url("/slow"), quick);
  EXPECT_EQ(result.outcome, Outcome::kFailed);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::milliseconds(550));
}

TEST(InboundFiles, NamesAndNotes) {
  EXPECT_EQ(attachmentName("https://h/file_share/0a1b/photo%20one.png?token=x"), "photo one.png");
  EXPECT_EQ(attachmentName("https://h/"), "file");
  EXPECT_EQ(attachmentName("https://h"), "file");
  EXPECT_EQ(attachmentName("https://h/a/..%2F..%2Fetc%2Fpasswd"), "passwd");
  EXPECT_EQ(attachmentName("https://h/%00%01x.txt"), "x.txt");
  EXPECT_EQ(tooLargeNote(13107200, 1048576), "file too large (12.5 MB)");
  EXPECT_EQ(tooLargeNote(2 * 1048576, 1048576), "file too large (2 MB)");
  EXPECT_EQ(tooLargeNote(0, 10 * 1048576), "file too large (more than 10 MB)");
}

TEST(InboundFiles, WithoutLimitsNothingIsFetchedAndEachFileGetsANote) {
  InboundEvent event;
  event.files.push_back(core::model::FileRef{"", "", "", 0, "", "https://h/a.png?t=1"});
  event.files.push_back(core::model::FileRef{"", "", "", 0, "", "https://h/b.txt"});
  ASSERT_TRUE(hasAttachmentsToFetch(event));
  const auto fetched = fetchAttachments(event, nullptr);
  ASSERT_EQ(fetched.size(), 2u);
  EXPECT_EQ(fetched[0].note, "a.png: not fetched");
  EXPECT_EQ(fetched[1].name, "b.txt");
  event.change = core::model::MessageChange::kEdit;
  EXPECT_FALSE(hasAttachmentsToFetch(event));
}

TEST(InboundFiles, ABridgesOwnFetcherGetsEachFileWithTheLimitsAndTheSendersName) {
  InboundEvent event;
  event.files.push_back(core::model::FileRef{"", "cat.png", "", 0, "", "mxc://hs/a"});
  event.files.push_back(core::model::FileRef{"", "../big.bin", "", 0, "", "mxc://hs/b"});
  event.files.push_back(core::model::FileRef{"", "", "", 0, "", "mxc://hs/gone"});
  FetchLimits limits;
  limits.maxBytes = 1048576;
  std::vector<std::string> asked;
  const AttachmentFetcher fetcher = [&asked](const core::model::FileRef& file,
                                             const FetchLimits& given) {
    asked.push_back(file.url + " " + std::to_string(given.maxBytes));
    FetchResult result;
    if (file.url.ends_with("/a")) {
      result.outcome = FetchResult::Outcome::kFetched;
      result.bytes = "png bytes";
    } else if (file.url.ends_with("/b")) {
      result.outcome = FetchResult::Outcome::kTooLarge;
      result.size = 2ull * 1048576;
    } else {
      result.error = "GET /_matrix/client/v1/media/download/hs/gone: 404 M_NOT_FOUND";
    }
    return result;
  };
  const auto fetched = fetchAttachments(event, &limits, fetcher);
  EXPECT_EQ(asked, (std::vector<std::string>{"mxc://hs/a 1048576", "mxc://hs/b 1048576",
                                             "mxc://hs/gone 1048576"}));
  ASSERT_EQ(fetched.size(), 3u);
  EXPECT_EQ(fetched[0].name, "cat.png");
  EXPECT_EQ(fetched[0].bytes, "png bytes");
  EXPECT_EQ(fetched[0].note, "");
  EXPECT_EQ(fetched[1].note, "big.bin: file too large (2 MB)");
  EXPECT_EQ(fetched[2].note, "gone: could not be fetched");  // no name given: the URL's
}

TEST(InboundFiles, NotesAreLinesOfTheirOwn) {
  std::string text;
  appendAttachmentNote(text, "a.png: encrypted, not bridged");
  EXPECT_EQ(text, "[a.png: encrypted, not bridged]");
  appendAttachmentNote(text, "b.txt: could not be fetched");
  EXPECT_EQ(text, "[a.png: encrypted, not bridged]\n[b.txt: could not be fetched]");
  std::string caption = "look";
  appendAttachmentNote(caption, "c.jpg: not fetched");
  EXPECT_EQ(caption, "look\n[c.jpg: not fetched]");
}

}  // namespace
}  // namespace parley::bridges
