// libFuzzer target: a received stanza's tree read from libstrophe's nodes (Stanza::toTree,
// bridges/xmpp/stanza.hpp) against the way the bridge read it before, its text written out and
// parsed again (parseXml(toXml())). For every input libstrophe parses as one element:
//  1. xmlSize() is the size of toXml();
//  2. under the default limits and tight ones, both readings accept it or refuse it alike,
//     with the same error; accepted, they are the same tree once the text's known losses are
//     applied to toTree's: libstrophe writes line ends and tabs raw, so a parser reads a
//     carriage return in text as a line feed, and any of them in an attribute value as a
//     space. Skipped: a root in jabber:client, which libstrophe leaves unwritten (so the
//     text's tree has no namespace there), and a namespace name holding a space, which
//     parseXml() refuses (expat's separator there; libstrophe's is U+001F) and toTree() reads.
// Inputs are the XMPP translation's seeds and dictionary (symbolic links).

#include <strophe.h>

#include <climits>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "bridges/xmpp/stanza.hpp"
#include "bridges/xmpp/xml_tree.hpp"

namespace {

using namespace parley::bridges::xmpp;

void check(bool condition, const char* what, std::string_view text) {
  if (!condition) {
    std::fprintf(stderr, "fuzz_xmpp_stanza_tree: property violated: %s\n%.*s\n", what,
                 static_cast<int>(text.size()), text.data());
    std::abort();
  }
}

// XML's line-end normalisation (CR LF and a lone CR become LF), then, in an attribute value,
// each white space character becomes a space.
std::string asParsed(std::string_view raw, bool attribute) {
  std::string out;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c == '\r') {
      if (i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      c = '\n';
    }
    if (attribute && (c == '\n' || c == '\t')) c = ' ';
    out += c;
  }
  return out;
}

XmlElement asParsed(XmlElement element) {
  element.text = asParsed(element.text, false);
  for (auto& [key, value] : element.attributes) value = asParsed(value, true);
  for (auto& child : element.children) child = asParsed(std::move(child));
  return element;
}

bool spaceInANamespace(const XmlElement& element) {
  if (element.ns.find(' ') != std::string::npos) return true;
  for (const auto& child : element.children) {
    if (spaceInANamespace(child)) return true;
  }
  return false;
}

void compare(const Stanza& stanza, const std::string& text, const XmlLimits& limits) {
  auto tree = stanza.toTree(limits);
  auto parsed = parseXml(text, limits);
  check(tree.ok() == parsed.ok(), "one reading accepted what the other refused", text);
  if (!tree.ok()) {
    check(tree.error().code == parsed.error().code, "different error codes", text);
    check(tree.error().message == parsed.error().message, "different error messages", text);
    return;
  }
  check(asParsed(std::move(*tree)) == *parsed, "different trees", text);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static xmpp_ctx_t* const ctx = xmpp_ctx_new(nullptr, nullptr);
  const Stanza stanza =
      Stanza::parse(ctx, std::string_view(reinterpret_cast<const char*>(data), size));
  if (!stanza || stanza.name().empty()) return 0;
  const std::string text = stanza.toXml();
  check(stanza.xmlSize() == text.size(), "xmlSize() is not the size of toXml()", text);
  if (stanza.ns() == XMPP_NS_CLIENT) return 0;
  XmlLimits unlimited;
  unlimited.maxBytes = SIZE_MAX;
  unlimited.maxDepth = INT_MAX;
  unlimited.maxElements = SIZE_MAX;
  unlimited.maxAttributes = SIZE_MAX;
  if (auto whole = stanza.toTree(unlimited); whole.ok() && spaceInANamespace(*whole)) return 0;

  compare(stanza, text, XmlLimits{});
  XmlLimits tight;
  tight.maxBytes = 512;
  tight.maxDepth = 4;
  tight.maxElements = 16;
  tight.maxAttributes = 3;
  compare(stanza, text, tight);
  return 0;
}
