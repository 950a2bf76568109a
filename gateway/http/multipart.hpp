#pragma once
// multipart/form-data (RFC 7578 over RFC 2046) as a push parser: feed() takes the body in
// chunks of any size and hands each part's headers and bytes to callbacks as soon as they are
// known, keeping at most one header block and one delimiter's worth of bytes buffered, so that
// it works the same on a body read whole or streamed from the socket.
//
// Limits: parts per body, bytes of one part's header block, bytes of one file part and of one
// plain field. Bodies whose lines end in a bare LF are accepted when the first delimiter line
// does (as Go's mime/multipart, which Mattermost uses, accepts them). A body that ends before
// the closing delimiter is an error.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"

namespace parley::gateway::http {

struct MultipartLimits {
  std::size_t maxParts = 64;
  std::size_t maxHeaderBytes = 8 * 1024;      // one part's header block
  std::uint64_t maxFileBytes = 100ull << 20;  // a part with a filename
  std::uint64_t maxFieldBytes = 64 * 1024;    // a part without one
};

struct PartHeaders {
  std::string name;                     // Content-Disposition name
  std::optional<std::string> filename;  // set for file parts (filename* preferred, decoded)
  std::string contentType = "text/plain";

  bool isFile() const { return filename.has_value(); }
};

// Error ids of the parser; all kInvalidArgument except kPartTooLarge (kTooLarge).
inline constexpr const char* kMultipartMalformed = "multipart.malformed";
inline constexpr const char* kMultipartTooManyParts = "multipart.too_many_parts";
inline constexpr const char* kMultipartHeaderTooLarge = "multipart.header_too_large";
inline constexpr const char* kMultipartPartTooLarge = "multipart.part_too_large";

// The boundary parameter of a Content-Type value such as
// `multipart/form-data; boundary="abc"`. nullopt when the media type is not
// multipart/form-data; an error when it is but the boundary is missing or invalid (RFC 2046:
// 1 to 70 characters, no control characters).
core::Result<std::optional<std::string>> multipartBoundary(std::string_view contentType);

class MultipartParser {
 public:
  struct Callbacks {
    // Each callback may return an error to stop parsing; feed() then returns that error.
    std::function<core::Status(const PartHeaders&)> onPartBegin;
    std::function<core::Status(std::string_view)> onPartData;
    std::function<core::Status()> onPartEnd;
  };

  MultipartParser(std::string boundary, MultipartLimits limits, Callbacks callbacks);

  // Consumes the next chunk of the body. After an error the parser stays failed.
  core::Status feed(std::string_view chunk);
  // The body ended: an error unless the closing delimiter was seen.
  core::Status finish();

  std::size_t partCount() const { return parts_; }

 private:
  enum class State { kPreamble, kAfterDelimiter, kHeaders, kBody, kEpilogue, kFailed };

  core::Status step(bool& progressed);
  core::Status fail(core::Error error);
  core::Status parseHeaderLine(std::string_view line);
  core::Status beginPart();
  core::Status emit(std::string_view data);
  std::string_view newline() const { return lfOnly_ ? "\n" : "\r\n"; }
  std::string delimiter() const { return std::string(newline()) + "--" + boundary_; }

  std::string boundary_;
  MultipartLimits limits_;
  Callbacks callbacks_;
  State state_ = State::kPreamble;
  bool lfOnly_ = false;
  bool firstDelimiter_ = true;
  bool preambleSeen_ = false;  // bytes were dropped before the first delimiter
  std::vector<std::string> headerLines_;
  std::string buffer_;
  std::size_t parts_ = 0;
  std::size_t headerBytes_ = 0;
  std::uint64_t partBytes_ = 0;
  PartHeaders current_;
};

// A whole body parsed at once, each part's bytes collected: for small bodies (webhook forms)
// and tests.
struct MultipartPart {
  PartHeaders headers;
  std::string body;
};
core::Result<std::vector<MultipartPart>> parseMultipart(std::string_view body,
                                                        std::string_view boundary,
                                                        const MultipartLimits& limits);

}  // namespace parley::gateway::http
