// Load generator of bench/websocket/run (issue 4): opens many authenticated WebSocket
// connections to one parleyd, measures what they cost the server in memory, then times how long
// a post takes to reach every member of a large channel.
//
// It speaks only the protocol (reference/mattermost-api.md §8), never parleyd's code, so it
// measures what a client fleet would see. One thread runs every connection (the machine has two
// cores and the server needs them); the poster runs on a second thread with a plain keep-alive
// HTTP connection. Arrival times are taken when a frame's read completes, so they include this
// process's own queueing: the figures are an upper bound on the server's part.
//
// Output: one JSON object on stdout. Progress on stderr.

#include "core/common/asio.hpp"  // first: it mends Boost 1.74's includes for C++20

#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include <pthread.h>
#include <time.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace websocket = beast::websocket;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

namespace {

struct Options {
  std::string host = "127.0.0.1";
  std::string port;
  std::string tokensFile;  // one session token per line; connection i uses line i
  std::size_t connections = 10000;
  std::size_t members = 1000;  // connections 0..members-1 are the large channel's members
  std::string posterToken;
  std::string channelId;          // the large channel
  std::string baselineChannelId;  // a channel whose only member is the last connection
  std::size_t posts = 100;
  int serverPid = 0;
  std::size_t connectInFlight = 200;
  std::size_t readers = 1;  // threads reading the connections
};

// The marker every benchmark post carries: "fanout-<k>." identifies post k in any frame (the
// post is double-encoded in `posted`, but digits and dots survive that unchanged).
constexpr std::string_view kMarker = "fanout-";

std::optional<std::size_t> markerIndex(std::string_view frame) {
  if (frame.find("\"posted\"") == std::string_view::npos) return std::nullopt;
  auto at = frame.find(kMarker);
  if (at == std::string_view::npos) return std::nullopt;
  std::size_t k = 0;
  bool digits = false;
  for (at += kMarker.size(); at < frame.size() && frame[at] >= '0' && frame[at] <= '9'; ++at) {
    k = k * 10 + static_cast<std::size_t>(frame[at] - '0');
    digits = true;
  }
  if (!digits || at >= frame.size() || frame[at] != '.') return std::nullopt;
  return k;
}

long residentKiB(int pid) {
  std::ifstream status("/proc/" + std::to_string(pid) + "/status");
  std::string key;
  long value = 0;
  while (status >> key) {
    if (key == "VmRSS:") {
      status >> value;
      return value;
    }
    status.ignore(4096, '\n');
  }
  return -1;
}

// Arrivals of the current post: which connections got it and when the last one did.
class Tracker {
 public:
  void expect(std::size_t post, std::size_t recipients) {
    std::lock_guard lock(mutex_);
    post_ = post;
    remaining_ = recipients;
    arrivals_.clear();
  }
  void arrived(std::size_t post, Clock::time_point at) {
    std::lock_guard lock(mutex_);
    if (post != post_ || remaining_ == 0) return;
    arrivals_.push_back(at);
    if (--remaining_ == 0) done_.notify_all();
  }
  // The arrival times, once every recipient has the post or the deadline passed.
  std::vector<Clock::time_point> wait(std::chrono::milliseconds deadline) {
    std::unique_lock lock(mutex_);
    done_.wait_for(lock, deadline, [&] { return remaining_ == 0; });
    return arrivals_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable done_;
  std::size_t post_ = static_cast<std::size_t>(-1);
  std::size_t remaining_ = 0;
  std::vector<Clock::time_point> arrivals_;
};

struct Fleet {
  asio::io_context io;  // opens the connections; reader 0
  // Connection i is read on readers[i % readers.size()] (readers[0] is `io`).
  std::vector<asio::io_context*> readers;
  std::vector<std::unique_ptr<asio::io_context>> extraReaders;
  Options options;
  std::vector<std::string> tokens;
  tcp::resolver::results_type endpoints;
  Tracker tracker;
  std::atomic<std::size_t> ready{0};
  std::atomic<std::size_t> failed{0};
  std::atomic<std::size_t> closed{0};
  std::size_t next = 0;  // the next connection to open (io thread only)
};

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(Fleet& fleet, std::size_t index)
      : fleet_(fleet), index_(index), ws_(*fleet.readers[index % fleet.readers.size()]) {}

  void start() {
    beast::get_lowest_layer(ws_).expires_after(std::chrono::seconds(30));
    beast::get_lowest_layer(ws_).async_connect(
        fleet_.endpoints, [self = shared_from_this()](beast::error_code error, auto) {
          if (error) return self->fail();
          self->handshake();
        });
  }

 private:
  void handshake() {
    const std::string token = fleet_.tokens[index_ % fleet_.tokens.size()];
    ws_.set_option(websocket::stream_base::decorator([token](websocket::request_type& request) {
      request.set(http::field::authorization, "Bearer " + token);
    }));
    ws_.async_handshake(fleet_.options.host + ":" + fleet_.options.port, "/api/v4/websocket",
                        [self = shared_from_this()](beast::error_code error) {
                          if (error) return self->fail();
                          beast::get_lowest_layer(self->ws_).expires_never();
                          self->read();
                        });
  }

  void read() {
    ws_.async_read(buffer_, [self = shared_from_this()](beast::error_code error, std::size_t) {
      if (error) {
        if (!self->opened_) return self->fail();
        ++self->fleet_.closed;
        return;
      }
      self->onFrame();
      self->read();
    });
  }

  void onFrame() {
    const auto at = Clock::now();
    const auto data = buffer_.cdata();
    const std::string_view frame(static_cast<const char*>(data.data()), data.size());
    if (!opened_) {
      if (frame.find("\"hello\"") != std::string_view::npos) {
        opened_ = true;
        ++fleet_.ready;
        openNext(fleet_);
      }
    } else if (auto post = markerIndex(frame)) {
      fleet_.tracker.arrived(*post, at);
    }
    buffer_.consume(buffer_.size());
  }

  void fail() {
    ++fleet_.failed;
    openNext(fleet_);
  }

 public:
  // Keeps --connect-in-flight handshakes going until every connection was tried.
  static void openNext(Fleet& fleet) {
    asio::post(fleet.io, [&fleet] {
      if (fleet.next >= fleet.options.connections) return;
      std::make_shared<Connection>(fleet, fleet.next++)->start();
    });
  }

 private:
  Fleet& fleet_;
  std::size_t index_;
  websocket::stream<beast::tcp_stream> ws_;
  beast::flat_buffer buffer_;
  bool opened_ = false;
};

// POST /api/v4/posts on a keep-alive connection; returns when the answer has been read.
class Poster {
 public:
  explicit Poster(const Options& options) : options_(options), stream_(io_) {
    tcp::resolver resolver(io_);
    stream_.connect(resolver.resolve(options.host, options.port));
  }

  void post(const std::string& channelId, const std::string& message) {
    http::request<http::string_body> request{http::verb::post, "/api/v4/posts", 11};
    request.set(http::field::host, options_.host);
    request.set(http::field::authorization, "Bearer " + options_.posterToken);
    request.set(http::field::content_type, "application/json");
    request.body() = nlohmann::json{{"channel_id", channelId}, {"message", message}}.dump();
    request.prepare_payload();
    http::write(stream_, request);
    beast::flat_buffer buffer;
    http::response<http::string_body> response;
    http::read(stream_, buffer, response);
    if (response.result() != http::status::created) {
      throw std::runtime_error("POST /posts answered " + std::to_string(response.result_int()) +
                               ": " + response.body());
    }
  }

 private:
  const Options& options_;
  asio::io_context io_;
  beast::tcp_stream stream_;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const auto rank =
      static_cast<std::size_t>(p / 100.0 * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(rank, values.size() - 1)];
}

double millis(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// CPU time the reading threads have used so far (read from outside).
class ThreadCpu {
 public:
  explicit ThreadCpu(std::vector<std::thread>& threads) {
    for (auto& thread : threads) {
      clockid_t clock{};
      if (pthread_getcpuclockid(thread.native_handle(), &clock) == 0) clocks_.push_back(clock);
    }
  }
  double millis() const {
    double total = 0;
    for (const auto clock : clocks_) {
      timespec now{};
      clock_gettime(clock, &now);
      total += static_cast<double>(now.tv_sec) * 1e3 + static_cast<double>(now.tv_nsec) / 1e6;
    }
    return total;
  }

 private:
  std::vector<clockid_t> clocks_;
};

struct Series {
  std::vector<double> lastArrival;   // per post: POST returned -> the last recipient has it
  std::vector<double> firstArrival;  // per post: POST returned -> the first recipient has it
  // Per post: POST sent -> the last recipient has it. The server may deliver before it answers,
  // which the figures from the answer do not show.
  std::vector<double> lastFromRequest;
  std::vector<double> request;       // per post: POST sent -> answer read
  std::vector<double> everyArrival;  // per delivery: POST returned -> this recipient has it
  // Per post: CPU time the reading threads used from the POST to the last arrival. Close to
  // lastArrival (with one reader), this generator, not the server, is what the figures measure.
  std::vector<double> readerCpu;
  std::size_t incomplete = 0;  // posts some recipient never got within the deadline

  nlohmann::json summary() const {
    return {{"posts", lastArrival.size()},
            {"incomplete_posts", incomplete},
            {"all_recipients_p50_ms", percentile(lastArrival, 50)},
            {"all_recipients_p99_ms", percentile(lastArrival, 99)},
            {"first_recipient_p50_ms", percentile(firstArrival, 50)},
            {"all_recipients_from_request_p50_ms", percentile(lastFromRequest, 50)},
            {"all_recipients_from_request_p99_ms", percentile(lastFromRequest, 99)},
            {"post_request_p50_ms", percentile(request, 50)},
            {"post_request_p99_ms", percentile(request, 99)},
            {"first_recipient_p99_ms", percentile(firstArrival, 99)},
            {"each_delivery_p50_ms", percentile(everyArrival, 50)},
            {"each_delivery_p99_ms", percentile(everyArrival, 99)},
            {"reader_cpu_p50_ms", percentile(readerCpu, 50)},
            {"reader_cpu_p99_ms", percentile(readerCpu, 99)}};
  }
};

void measure(Fleet& fleet, Poster& poster, const ThreadCpu& reader, std::size_t k,
             const std::string& channelId, std::size_t recipients, Series& series) {
  fleet.tracker.expect(k, recipients);
  const double cpuBefore = reader.millis();
  const auto sent = Clock::now();
  poster.post(channelId, std::string(kMarker) + std::to_string(k) + ". benchmark fan-out");
  const auto returned = Clock::now();
  series.request.push_back(millis(returned - sent));
  auto arrivals = fleet.tracker.wait(std::chrono::seconds(10));
  series.readerCpu.push_back(reader.millis() - cpuBefore);
  if (arrivals.size() < recipients) ++series.incomplete;
  Clock::time_point last = returned;
  auto first = Clock::time_point::max();
  for (auto at : arrivals) {
    // An event can beat the HTTP answer: it then counts as arriving at once.
    series.everyArrival.push_back(std::max(0.0, millis(at - returned)));
    last = std::max(last, at);
    first = std::min(first, at);
  }
  series.lastArrival.push_back(millis(last - returned));
  series.lastFromRequest.push_back(millis(last - sent));
  if (!arrivals.empty()) series.firstArrival.push_back(std::max(0.0, millis(first - returned)));
}

Options parse(int argc, char** argv) {
  namespace po = boost::program_options;
  Options o;
  po::options_description described("ws_fanout options");
  described.add_options()("help", "this text")("host", po::value(&o.host)->default_value(o.host),
                                               "parleyd's address")(
      "port", po::value(&o.port)->required(), "parleyd's port")(
      "tokens", po::value(&o.tokensFile)->required(), "file of session tokens, one per line")(
      "connections", po::value(&o.connections)->default_value(o.connections), "sockets to open")(
      "members", po::value(&o.members)->default_value(o.members),
      "connections 0..members-1 belong to the large channel")(
      "poster-token", po::value(&o.posterToken)->required(), "token of the user who posts")(
      "channel", po::value(&o.channelId)->required(), "the large channel's id")(
      "baseline-channel", po::value(&o.baselineChannelId)->required(),
      "a channel whose only member is the last connection")(
      "posts", po::value(&o.posts)->default_value(o.posts), "posts per channel")(
      "server-pid", po::value(&o.serverPid)->required(), "parleyd's pid, for its memory")(
      "connect-in-flight", po::value(&o.connectInFlight)->default_value(o.connectInFlight),
      "handshakes under way at once")("readers", po::value(&o.readers)->default_value(o.readers),
                                      "threads reading the connections");
  po::variables_map values;
  po::store(po::parse_command_line(argc, argv, described), values);
  if (values.count("help") != 0U) {
    std::cout << described;
    std::exit(0);
  }
  po::notify(values);
  return o;
}

}  // namespace

int main(int argc, char** argv) try {
  Fleet fleet;
  fleet.options = parse(argc, argv);
  const Options& options = fleet.options;
  std::ifstream tokens(options.tokensFile);
  for (std::string line; std::getline(tokens, line);) {
    if (!line.empty()) fleet.tokens.push_back(line);
  }
  if (fleet.tokens.size() < options.connections) {
    throw std::runtime_error("fewer tokens than connections");
  }
  fleet.endpoints = tcp::resolver(fleet.io).resolve(options.host, options.port);
  fleet.readers.push_back(&fleet.io);
  while (fleet.readers.size() < std::max<std::size_t>(options.readers, 1)) {
    fleet.extraReaders.push_back(std::make_unique<asio::io_context>());
    fleet.readers.push_back(fleet.extraReaders.back().get());
  }

  const long idleKiB = residentKiB(options.serverPid);
  const auto connectStart = Clock::now();
  for (std::size_t i = 0; i < options.connectInFlight; ++i) Connection::openNext(fleet);
  std::vector<asio::executor_work_guard<asio::io_context::executor_type>> guards;
  std::vector<std::thread> readerThreads;
  for (auto* reader : fleet.readers) {
    guards.push_back(asio::make_work_guard(*reader));
    readerThreads.emplace_back([reader] { reader->run(); });
  }

  while (fleet.ready + fleet.failed < options.connections) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    if (Clock::now() - connectStart > std::chrono::minutes(5)) break;
  }
  const double connectSeconds = millis(Clock::now() - connectStart) / 1000.0;
  std::cerr << "ws_fanout: " << fleet.ready << " connections open, " << fleet.failed
            << " failed, in " << connectSeconds << " s\n";
  std::this_thread::sleep_for(std::chrono::seconds(2));  // let the server settle
  const long loadedKiB = residentKiB(options.serverPid);

  Poster poster(options);
  const ThreadCpu reader(readerThreads);
  Series fanout;
  Series baseline;
  // Alternating, so that noise from the rest of the machine lands on both series.
  for (std::size_t k = 0; k < options.posts; ++k) {
    measure(fleet, poster, reader, 2 * k, options.channelId, options.members, fanout);
    measure(fleet, poster, reader, 2 * k + 1, options.baselineChannelId, 1, baseline);
  }
  const long afterKiB = residentKiB(options.serverPid);

  nlohmann::json result = {
      {"connections_open", fleet.ready.load()},
      {"connections_failed", fleet.failed.load()},
      {"connections_closed_by_server", fleet.closed.load()},
      {"connect_seconds", connectSeconds},
      {"server_rss_idle_kib", idleKiB},
      {"server_rss_connected_kib", loadedKiB},
      {"server_rss_after_posts_kib", afterKiB},
      {"kib_per_connection", fleet.ready == 0 ? 0.0
                                              : static_cast<double>(loadedKiB - idleKiB) /
                                                    static_cast<double>(fleet.ready.load())},
      {"members", options.members},
      {"readers", fleet.readers.size()},
      {"fanout", fanout.summary()},
      {"baseline_one_member", baseline.summary()}};
  std::cout << result.dump(2) << "\n";
  guards.clear();
  for (auto* context : fleet.readers) context->stop();
  for (auto& thread : readerThreads) thread.join();
  return 0;
} catch (const std::exception& error) {
  std::cerr << "ws_fanout: " << error.what() << "\n";
  return 1;
}
