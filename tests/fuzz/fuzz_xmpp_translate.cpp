// libFuzzer target: the XMPP bridge's translation (bridges/xmpp/translate.hpp) on any bytes.
// The input is used three ways, and each must hold for every input:
//  1. as a received stanza: fromXmppText() returns a message or an error with one of the
//     translation's ids, never a crash, leak or hang; a message respects every limit (text
//     length, reaction and file counts, https URLs, a non-empty inbox key);
//  2. as Mattermost markdown posted to a room: every stanza toXmpp() makes is well-formed XML
//     that comes back in as the same kind of message (what we send, we can read);
//  3. as the root of a reply: the XEP-0428 fallback quote Parley prepends is exactly what the
//     receiving side removes (the reply's text comes back as if there were no quote).
// Also styling -> markdown on the raw bytes. PARLEY_FUZZ_VERBOSE=1 prints what each input came
// to (when replaying files by hand).

#include <cctype>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bridges/common/emoji.hpp"
#include "bridges/xmpp/styling.hpp"
#include "bridges/xmpp/translate.hpp"

namespace {

using namespace parley::bridges::xmpp;
using parley::bridges::emojiForName;
using parley::core::model::CanonicalMessage;
using parley::core::model::MessageChange;

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_xmpp_translate: property violated: %s\n", what);
    std::abort();
  }
}

bool knownErrorId(const std::string& id) {
  return id == kErrMalformed || id == kErrUnsupported || id == kErrTooLarge || id == kErrBadUrl ||
         id == kErrErrorStanza || id == kErrNothingToBridge;
}

std::size_t codePoints(std::string_view text) {
  std::size_t count = 0;
  for (const char c : text) count += (static_cast<unsigned char>(c) & 0xC0) != 0x80 ? 1 : 0;
  return count;
}

void asStanza(std::string_view input, bool verbose) {
  InboundOptions options;
  options.trustedStanzaIdBy = "room@conference.localhost";
  auto message = fromXmppText(input, options);
  if (verbose) {
    std::fprintf(stderr, "stanza: %s\n",
                 message.ok() ? message->text.c_str() : message.error().message.c_str());
  }
  if (!message.ok()) {
    check(knownErrorId(message.error().id), "an error with an unknown id");
    check(!message.error().message.empty(), "an error without a message");
    return;
  }
  const InboundMessage& in = *message;
  const InboundLimits& limits = options.limits;
  check(!in.remoteEventId.empty(), "no inbox key");
  check(codePoints(in.text) <= limits.maxBodyChars, "text over the limit");
  check(in.reactions.size() <= limits.maxReactions, "too many reactions");
  check(in.files.size() <= limits.maxFiles, "too many files");
  for (const auto& file : in.files) {
    std::string scheme = file.url.substr(0, 8);
    for (char& c : scheme) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    check(scheme == "https://", "an attachment URL that is not https");
    check(file.url.size() <= limits.maxUrlBytes, "a URL over the limit");
    check(!file.name.empty(), "a file without a name");
  }
  for (const auto& name : in.reactions) {
    check(emojiForName(name).has_value(), "a reaction name without its emoji");
  }
  if (in.change == MessageChange::kEdit) check(!in.text.empty(), "an edit without text");
  if (in.change == MessageChange::kEdit || in.change == MessageChange::kDelete ||
      in.change == MessageChange::kReaction) {
    check(!in.targetRemoteId.empty(), "a change without a target");
  }
}

OutboundRequest room() {
  OutboundRequest request;
  request.address = {"town-square@mm.example/alice", "town-square@mm.example",
                     ChatType::kGroupchat};
  request.txnId = "txn";
  return request;
}

// Serialises what toXmpp made and reads it back as a client's reflection would arrive.
parley::core::Result<InboundMessage> reflected(const OutboundStanza& stanza) {
  return fromXmppText(toXml(stanza.element, kNsComponent), InboundOptions{});
}

void asMarkdown(std::string_view input, bool verbose) {
  CanonicalMessage message;
  message.text = std::string(input);
  auto stanzas = toXmpp(message, room());
  if (!stanzas.ok()) {
    // only a post with nothing to send is refused
    check(stanzas.error().id == kErrMalformed, "a post refused for another reason");
    return;
  }
  check(stanzas->size() == 1, "one stanza for a text post");
  auto back = reflected(stanzas->front());
  if (verbose) {
    std::fprintf(stderr, "markdown: %s\n",
                 back.ok() ? back->text.c_str() : back.error().message.c_str());
  }
  // a body over the inbound limit may be refused as too large; anything else must read back
  if (!back.ok()) {
    check(back.error().id == kErrTooLarge || back.error().id == kErrNothingToBridge,
          "Parley's own stanza does not read back");
    return;
  }
  check(back->change == MessageChange::kPost, "a post came back as another change");
  check(back->originId == "txn", "the origin-id was lost");

  // the same text as a reply whose root is the input: the quote must vanish exactly
  CanonicalMessage reply;
  reply.text = "reply *text*";
  reply.rootId = "root";
  OutboundRequest request = room();
  request.rootRemoteId = "root-sid";
  request.rootAuthorName = std::string(input.substr(0, 40));
  request.rootText = std::string(input);
  auto replied = toXmpp(reply, request);
  check(replied.ok(), "a reply could not be sent");
  auto replyBack = reflected(replied->front());
  check(replyBack.ok(), "a reply does not read back");
  check(replyBack->text == "reply *text*", "the fallback quote was not removed exactly");
  check(replyBack->replyToRemoteId == "root-sid", "the reply reference was lost");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const bool verbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  asStanza(input, verbose);
  asMarkdown(input, verbose);
  (void)stylingToMarkdown(input);
  return 0;
}
