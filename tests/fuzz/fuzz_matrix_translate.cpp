// libFuzzer target: the Matrix bridge's translation (bridges/matrix/translate.hpp) and its HTML
// sanitiser (markup.hpp) on any bytes. The input is used four ways, and each must hold for
// every input:
//  1. as a transaction's event (JSON text): fromMatrixText() returns an event or an error with
//     one of the translation's ids, never a crash, leak or hang; an event respects every limit
//     (text length, ids, files with valid mxc URIs and safe names, a target for each change);
//  2. as a formatted_body: htmlToMarkdown() stays within its output limit, and what it gives,
//     sent back out through markdownToMatrix(), never carries a script or a javascript: link;
//  3. the same HTML inside an m.text event, through fromMatrix();
//  4. as Mattermost markdown posted to a room: every event toMatrix() makes is under the
//     Matrix event size limit and reads back through fromMatrix() as a post.
// PARLEY_FUZZ_VERBOSE=1 prints what each input came to (when replaying files by hand).

#include <algorithm>
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bridges/matrix/markup.hpp"
#include "bridges/matrix/translate.hpp"

namespace {

using namespace parley::bridges::matrix;
using nlohmann::json;
using parley::core::model::CanonicalMessage;
using parley::core::model::MessageChange;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_matrix_translate: property violated: %s\n", what);
    std::abort();
  }
}

bool knownErrorId(const std::string& id) {
  return id == kErrMalformed || id == kErrUnsupported || id == kErrTooLarge || id == kErrBadUrl ||
         id == kErrNothingToBridge;
}

std::size_t codePoints(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

InboundOptions options() {
  InboundOptions out;
  out.mentionResolver = [](std::string_view mxid) -> std::optional<std::string> {
    if (mxid.rfind("@mm_", 0) == 0) return std::string(mxid.substr(4, mxid.find(':') - 4));
    return std::nullopt;
  };
  return out;
}

void checkEvent(const parley::core::Result<InboundMatrixEvent>& result,
                const InboundOptions& opts) {
  if (!result.ok()) {
    check(knownErrorId(result.error().id), "an error with an unknown id");
    check(!result.error().message.empty(), "an error without a message");
    return;
  }
  const InboundMatrixEvent& event = *result;
  const InboundLimits& limits = opts.limits;
  check(event.eventId.size() >= 2 && event.eventId[0] == '$', "no event id");
  check(event.eventId.size() <= limits.maxIdBytes, "an event id over the limit");
  check(!event.senderDomain.empty(), "a sender without a server");
  check(codePoints(event.text) <= limits.maxBodyChars, "text over the limit");
  check(event.mentionedUserIds.size() <= 100, "too many mentions");
  for (const auto& file : event.files) {
    check(parseMxc(file.url).has_value(), "a file without a valid mxc URI");
    check(!file.name.empty() && file.name.size() <= limits.maxFileNameBytes, "a bad file name");
    check(file.name.find('/') == std::string::npos, "a file name with a path");
    check(file.size >= 0, "a negative file size");
  }
  switch (event.change) {
    case MessageChange::kPost:
      check(!event.text.empty() || !event.files.empty(), "an empty post");
      break;
    case MessageChange::kEdit:
      check(!event.text.empty(), "an edit without text");
      check(!event.targetRemoteId.empty(), "an edit without a target");
      break;
    case MessageChange::kDelete:
      check(!event.targetRemoteId.empty(), "a redaction without a target");
      break;
    case MessageChange::kReaction:
      check(!event.targetRemoteId.empty() && !event.emoji.empty(), "a reaction without emoji");
      break;
    case MessageChange::kReactionDelete: check(false, "fromMatrix made a reaction removal");
  }
  if (event.replyKind != ReplyKind::kNone) {
    check(event.replyToEventId.size() >= 2 && event.replyToEventId[0] == '$', "a bad reply id");
  }
}

void asEvent(std::string_view input, bool verbose) {
  const InboundOptions opts = options();
  auto result = fromMatrixText(input, opts);
  if (verbose) {
    std::fprintf(stderr, "event: %s\n",
                 result.ok() ? result->text.c_str() : result.error().message.c_str());
  }
  checkEvent(result, opts);
}

void asHtml(std::string_view input, bool verbose) {
  const InboundOptions opts = options();
  auto markdown = htmlToMarkdown(input, opts.mentionResolver, opts.limits.markup);
  if (verbose) {
    std::fprintf(stderr, "html: %s\n", markdown ? markdown->markdown.c_str() : "(body)");
  }
  if (markdown) {
    check(markdown->markdown.size() <= opts.limits.markup.maxOutputBytes,
          "markdown over the limit");
    // what we read, we can send: and what we send carries no script
    const MatrixText out = markdownToMatrix(markdown->markdown, {{"alice", "@mm_alice:hs"}});
    const std::string html = lower(out.formattedBody);
    check(html.find("<script") == std::string::npos, "a script element went out");
    check(html.find("href=\"javascript:") == std::string::npos, "a javascript: link went out");
    check(html.find("<img") == std::string::npos, "an image element went out");
  }
  // the same HTML in a message event
  const json event = {{"type", "m.room.message"},
                      {"event_id", "$e:hs"},
                      {"sender", "@bob:hs"},
                      {"content",
                       {{"msgtype", "m.text"},
                        {"body", "plain"},
                        {"format", "org.matrix.custom.html"},
                        {"formatted_body", std::string(input)}}}};
  // invalid UTF-8 cannot be in a JSON string a homeserver sends; nlohmann keeps it here
  checkEvent(fromMatrix(event, opts), opts);
}

void asMarkdown(std::string_view input, bool verbose) {
  CanonicalMessage message;
  message.text = std::string(input);
  message.rootId = "root";
  OutboundRequest request;
  request.txnId = "txn";
  request.rootRemoteId = "$root:hs";
  request.mentions = {{"alice", "@mm_alice:hs"}};
  auto events = toMatrix(message, request);
  if (!events.ok()) {
    check(events.error().id == kErrMalformed || events.error().id == kErrTooLarge,
          "a post refused for another reason");
    return;
  }
  check(events->size() == 1, "one event for a text post");
  const OutboundEvent& out = events->front();
  std::string dumped;
  try {
    dumped = out.content.dump();
  } catch (const json::type_error&) {
    check(false, "an event the transport cannot serialise (invalid UTF-8)");
  }
  check(dumped.size() <= kMaxEventBytes, "an event over the size limit");
  const json event = {{"type", out.type},
                      {"event_id", "$sent:hs"},
                      {"sender", "@mm_alice:hs"},
                      {"content", out.content}};
  auto back = fromMatrix(event, options());
  if (verbose) {
    std::fprintf(stderr, "markdown: %s\n",
                 back.ok() ? back->text.c_str() : back.error().message.c_str());
  }
  if (!back.ok()) {
    check(back.error().id == kErrTooLarge || back.error().id == kErrNothingToBridge,
          "Parley's own event does not read back");
    return;
  }
  check(back->change == MessageChange::kPost, "a post came back as another change");
  check(back->replyKind == ReplyKind::kThread && back->replyToEventId == "$root:hs",
        "the thread was lost");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool verbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  asEvent(input, verbose);
  asHtml(input, verbose);
  asMarkdown(input, verbose);
  return 0;
}
