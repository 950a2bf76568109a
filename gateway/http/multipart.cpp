#include "gateway/http/multipart.hpp"

#include <algorithm>
#include <cctype>

#include "gateway/http/exchange.hpp"

namespace parley::gateway::http {
namespace {

constexpr std::size_t kMaxBoundary = 70;  // RFC 2046 §5.1.1
constexpr std::size_t kMaxTransportPadding = 256;

core::Error malformed(std::string detail) {
  return core::makeError(core::ErrorCode::kInvalidArgument, kMultipartMalformed,
                         "The multipart body is malformed.", std::move(detail));
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

// `type; key=value; key="quoted value"` (RFC 2045 parameters with RFC 2231/5987 `key*`):
// the type, lower-cased, and the parameters, keys lower-cased, values unquoted. A backslash in
// a quoted value escapes only `"` and `\`, so that the Windows paths some browsers still send
// as filenames keep their backslashes (as Go's mime.ParseMediaType does).
struct HeaderValue {
  std::string type;
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string> param(std::string_view key) const {
    for (const auto& [k, v] : params) {
      if (k == key) return v;
    }
    return std::nullopt;
  }
};

std::optional<HeaderValue> parseHeaderValue(std::string_view text) {
  HeaderValue value;
  std::size_t i = 0;
  const auto skipSpace = [&] {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
  };
  skipSpace();
  const std::size_t typeStart = i;
  while (i < text.size() && text[i] != ';') ++i;
  for (const char c : trim(text.substr(typeStart, i - typeStart))) {
    value.type.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
  }
  while (i < text.size()) {
    ++i;  // the ';'
    skipSpace();
    if (i >= text.size()) break;  // a trailing ';' is tolerated
    const std::size_t keyStart = i;
    while (i < text.size() && text[i] != '=' && text[i] != ';') ++i;
    if (i >= text.size() || text[i] != '=') return std::nullopt;
    std::string key;
    for (const char c : trim(text.substr(keyStart, i - keyStart))) {
      key.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(c))));
    }
    if (key.empty()) return std::nullopt;
    ++i;  // the '='
    skipSpace();
    std::string val;
    if (i < text.size() && text[i] == '"') {
      ++i;
      bool closed = false;
      while (i < text.size()) {
        const char c = text[i++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && i < text.size() && (text[i] == '"' || text[i] == '\\')) {
          val.push_back(text[i++]);
          continue;
        }
        val.push_back(c);
      }
      if (!closed) return std::nullopt;
      skipSpace();
      if (i < text.size() && text[i] != ';') return std::nullopt;
    } else {
      const std::size_t valStart = i;
      while (i < text.size() && text[i] != ';') ++i;
      val = std::string(trim(text.substr(valStart, i - valStart)));
    }
    value.params.emplace_back(std::move(key), std::move(val));
  }
  return value;
}

// RFC 5987 ext-value: charset'language'percent-encoded. Only UTF-8 (and its ASCII subset) is
// understood; anything else is ignored in favour of the plain parameter.
std::optional<std::string> decodeExtValue(std::string_view ext) {
  const auto first = ext.find('\'');
  if (first == std::string_view::npos) return std::nullopt;
  const auto second = ext.find('\'', first + 1);
  if (second == std::string_view::npos) return std::nullopt;
  const auto charset = ext.substr(0, first);
  if (!iequals(charset, "utf-8") && !iequals(charset, "us-ascii")) return std::nullopt;
  std::string decoded;
  if (!percentDecode(ext.substr(second + 1), decoded, /*plusIsSpace=*/false)) return std::nullopt;
  return decoded;
}

bool isDelimiterEnd(char c) { return c == '-' || c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

}  // namespace

core::Result<std::optional<std::string>> multipartBoundary(std::string_view contentType) {
  auto value = parseHeaderValue(contentType);
  if (!value || value->type != "multipart/form-data") return std::optional<std::string>{};
  auto boundary = value->param("boundary");
  if (!boundary || boundary->empty() || boundary->size() > kMaxBoundary) {
    return malformed("missing or invalid boundary");
  }
  for (const char c : *boundary) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return malformed("invalid boundary");
  }
  return std::optional<std::string>(std::move(*boundary));
}

MultipartParser::MultipartParser(std::string boundary, MultipartLimits limits, Callbacks callbacks)
    : boundary_(std::move(boundary)), limits_(limits), callbacks_(std::move(callbacks)) {}

core::Status MultipartParser::fail(core::Error error) {
  state_ = State::kFailed;
  buffer_.clear();
  return error;
}

core::Status MultipartParser::feed(std::string_view chunk) {
  if (state_ == State::kFailed) return malformed("the parser failed earlier");
  if (state_ == State::kEpilogue) return {};  // RFC 2046: the epilogue is ignored
  buffer_.append(chunk);
  bool progressed = true;
  while (progressed && state_ != State::kFailed && state_ != State::kEpilogue) {
    progressed = false;
    if (auto status = step(progressed); !status) return status;
  }
  if (state_ == State::kEpilogue) buffer_.clear();
  return {};
}

core::Status MultipartParser::finish() {
  if (state_ == State::kFailed) return malformed("the parser failed earlier");
  if (state_ != State::kEpilogue) {
    return fail(malformed("the body ended before the closing boundary"));
  }
  return {};
}

core::Status MultipartParser::step(bool& progressed) {
  switch (state_) {
    case State::kPreamble: {
      // The first delimiter is "--boundary" at the very start or at the start of a line.
      const std::string dash = "--" + boundary_;
      std::size_t from = 0;
      while (true) {
        const auto pos = buffer_.find(dash, from);
        if (pos == std::string::npos) break;
        if (pos == 0 ? !preambleSeen_ : buffer_[pos - 1] == '\n') {
          buffer_.erase(0, pos + dash.size());
          state_ = State::kAfterDelimiter;
          progressed = true;
          return {};
        }
        from = pos + 1;
      }
      // Nothing found: drop the preamble but keep what could be the start of a delimiter and the
      // character before it.
      if (buffer_.size() > dash.size() + 1) {
        buffer_.erase(0, buffer_.size() - dash.size() - 1);
        preambleSeen_ = true;
      }
      return {};
    }
    case State::kAfterDelimiter: {
      if (buffer_.size() < 2) return {};
      if (buffer_[0] == '-') {
        if (buffer_[1] != '-') return fail(malformed("garbage after a boundary"));
        state_ = State::kEpilogue;
        progressed = true;
        return {};
      }
      std::size_t i = 0;
      while (i < buffer_.size() && (buffer_[i] == ' ' || buffer_[i] == '\t')) ++i;
      if (i > kMaxTransportPadding) return fail(malformed("too much padding after a boundary"));
      if (i >= buffer_.size()) return {};
      std::size_t lineEnd = 0;
      if (buffer_[i] == '\n') {
        if (firstDelimiter_) lfOnly_ = true;
        lineEnd = i + 1;
      } else if (buffer_[i] == '\r') {
        if (i + 1 >= buffer_.size()) return {};
        if (buffer_[i + 1] != '\n') return fail(malformed("a boundary line ends in a bare CR"));
        lineEnd = i + 2;
      } else {
        return fail(malformed("garbage after a boundary"));
      }
      firstDelimiter_ = false;
      buffer_.erase(0, lineEnd);
      if (++parts_ > limits_.maxParts) {
        return fail(core::makeError(core::ErrorCode::kInvalidArgument, kMultipartTooManyParts,
                                    "The multipart body has too many parts.",
                                    "limit " + std::to_string(limits_.maxParts)));
      }
      headerBytes_ = 0;
      headerLines_.clear();
      state_ = State::kHeaders;
      progressed = true;
      return {};
    }
    case State::kHeaders: {
      const auto nl = buffer_.find('\n');
      const std::size_t used = nl == std::string::npos ? buffer_.size() : nl + 1;
      if (headerBytes_ + used > limits_.maxHeaderBytes) {
        return fail(core::makeError(core::ErrorCode::kInvalidArgument, kMultipartHeaderTooLarge,
                                    "A multipart part's headers are too large.",
                                    "limit " + std::to_string(limits_.maxHeaderBytes)));
      }
      if (nl == std::string::npos) return {};
      std::string_view line(buffer_.data(), nl);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      headerBytes_ += used;
      progressed = true;
      if (line.empty()) {
        buffer_.erase(0, used);
        if (auto begun = beginPart(); !begun) return fail(std::move(begun).error());
        state_ = State::kBody;
        return {};
      }
      if (line.front() == ' ' || line.front() == '\t') {
        // Obsolete line folding (RFC 5322 §3.2.2): part of the previous header's value.
        if (headerLines_.empty()) return fail(malformed("a header continues nothing"));
        headerLines_.back() += ' ';
        headerLines_.back() += trim(line);
      } else {
        headerLines_.emplace_back(line);
      }
      buffer_.erase(0, used);
      return {};
    }
    case State::kBody: {
      const std::string delim = delimiter();
      std::size_t from = 0;
      while (true) {
        const auto pos = buffer_.find(delim, from);
        if (pos == std::string::npos) break;
        const std::size_t after = pos + delim.size();
        if (after >= buffer_.size()) {
          // Cannot tell yet whether this is a delimiter or content that starts like one.
          if (auto sent = emit(std::string_view(buffer_).substr(0, pos)); !sent) return sent;
          buffer_.erase(0, pos);
          return {};
        }
        if (!isDelimiterEnd(buffer_[after])) {
          from = pos + 1;
          continue;
        }
        if (auto sent = emit(std::string_view(buffer_).substr(0, pos)); !sent) return sent;
        buffer_.erase(0, after);
        if (callbacks_.onPartEnd) {
          if (auto ended = callbacks_.onPartEnd(); !ended) return fail(std::move(ended).error());
        }
        state_ = State::kAfterDelimiter;
        progressed = true;
        return {};
      }
      // Keep what could be the start of a delimiter; the rest is this part's content.
      if (buffer_.size() > delim.size()) {
        const std::size_t keep = delim.size();
        if (auto sent = emit(std::string_view(buffer_).substr(0, buffer_.size() - keep)); !sent) {
          return sent;
        }
        buffer_.erase(0, buffer_.size() - keep);
      }
      return {};
    }
    case State::kEpilogue:
    case State::kFailed: return {};
  }
  return {};
}

core::Status MultipartParser::beginPart() {
  current_ = PartHeaders{};
  for (const auto& line : headerLines_) {
    const auto colon = line.find(':');
    if (colon == std::string::npos || colon == 0) return malformed("a header line has no name");
    const std::string_view name = trim(std::string_view(line).substr(0, colon));
    const std::string_view value = trim(std::string_view(line).substr(colon + 1));
    if (iequals(name, "content-disposition")) {
      auto parsed = parseHeaderValue(value);
      if (!parsed) return malformed("invalid Content-Disposition");
      // Only form-data parts have form names (RFC 7578 §4.2); others are kept nameless.
      if (parsed->type != "form-data") continue;
      current_.name = parsed->param("name").value_or("");
      if (auto ext = parsed->param("filename*")) {
        if (auto decoded = decodeExtValue(*ext)) current_.filename = std::move(*decoded);
      }
      if (!current_.filename) current_.filename = parsed->param("filename");
    } else if (iequals(name, "content-type")) {
      current_.contentType = std::string(value);
    }
  }
  partBytes_ = 0;
  if (callbacks_.onPartBegin) return callbacks_.onPartBegin(current_);
  return {};
}

core::Status MultipartParser::emit(std::string_view data) {
  if (data.empty()) return {};
  partBytes_ += data.size();
  const std::uint64_t limit = current_.isFile() ? limits_.maxFileBytes : limits_.maxFieldBytes;
  if (partBytes_ > limit) {
    return fail(core::makeError(core::ErrorCode::kTooLarge, kMultipartPartTooLarge,
                                "A multipart part is too large.",
                                "part \"" + current_.name + "\", limit " + std::to_string(limit)));
  }
  if (callbacks_.onPartData) {
    if (auto taken = callbacks_.onPartData(data); !taken) return fail(std::move(taken).error());
  }
  return {};
}

core::Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                        std::string_view boundary,
                                                        const MultipartLimits& limits) {
  std::vector<MultipartPart> parts;
  MultipartParser parser(std::string(boundary), limits,
                         {[&parts](const PartHeaders& headers) -> core::Status {
                            parts.push_back({headers, {}});
                            return {};
                          },
                          [&parts](std::string_view data) -> core::Status {
                            parts.back().body.append(data);
                            return {};
                          },
                          nullptr});
  if (auto fed = parser.feed(body); !fed) return std::move(fed).error();
  if (auto done = parser.finish(); !done) return std::move(done).error();
  return parts;
}

}  // namespace parley::gateway::http
