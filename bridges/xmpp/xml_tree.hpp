#pragma once
// A small XML element tree for XMPP stanzas, parsed with expat and serialised by us, so the
// translation functions (translate.hpp) are pure: no libstrophe context, no connection, and
// any byte string can be fed to them (tests/fuzz/fuzz_xmpp_translate).
//
// Only what stanzas use: elements with a namespace, unprefixed attributes (plus xml:lang),
// character data. Character data directly inside an element is kept as one string (`text`);
// stanzas never mix text and child elements in a way that needs their order. No DOCTYPE, no
// entity declarations (refused, as RFC 6120 §11.1 forbids them in XMPP streams), bounded
// size, depth and element count.

#include <cstddef>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/common/result.hpp"

namespace parley::bridges::xmpp {

struct XmlElement {
  std::string name;  // local name
  std::string ns;    // namespace URI ("" = none)
  // Unqualified attributes by name; xml:lang as "xml:lang"; an attribute in any other
  // namespace as "{uri}local".
  std::vector<std::pair<std::string, std::string>> attributes;
  std::string text;  // character data directly inside this element, concatenated
  std::vector<XmlElement> children;

  XmlElement() = default;
  XmlElement(std::string elementName, std::string elementNs)
      : name(std::move(elementName)), ns(std::move(elementNs)) {}

  // nullptr when absent.
  const std::string* attribute(std::string_view attributeName) const;
  std::string attributeOr(std::string_view attributeName, std::string_view fallback = {}) const;
  XmlElement& setAttribute(std::string_view attributeName, std::string value);

  // The first child with this name and namespace; nullptr when there is none.
  const XmlElement* child(std::string_view childName, std::string_view childNs) const;
  std::vector<const XmlElement*> childrenNamed(std::string_view childName,
                                               std::string_view childNs) const;
  // Appends a child and returns it (a reference valid until the next append).
  XmlElement& add(XmlElement element);
  // Appends <name xmlns=ns>text</name>.
  XmlElement& addText(std::string childName, std::string childNs, std::string childText);

  bool operator==(const XmlElement&) const = default;
};

struct XmlLimits {
  std::size_t maxBytes = std::size_t{256} * 1024;
  int maxDepth = 16;
  std::size_t maxElements = 2048;
  std::size_t maxAttributes = 64;  // per element
};

inline constexpr std::string_view kXmlErrorId = "xmpp.xml.malformed";

// An element tree built element by element within XmlLimits' depth, element and attribute
// counts: parseXml() feeds it expat's events, Stanza::toTree() libstrophe's nodes, so that a
// stanza is held to the same limits whichever way it is read.
class XmlTreeBuilder {
 public:
  explicit XmlTreeBuilder(const XmlLimits& limits) : limits_(limits) {}

  // Opens an element inside the open one (the first is the root). False, with the builder
  // failed, over a limit or for a second root; every call after a failure does nothing.
  bool open(std::string name, std::string ns);
  // An attribute of the element opened last (before any of its text or children).
  bool attribute(std::string key, std::string value);
  // Character data directly inside the open element.
  void text(std::string_view characters);
  void close();

  bool failed() const { return !failure_.empty(); }
  // Stops the building with kTooLarge or kInvalidArgument and `why` ("too many elements").
  void fail(core::ErrorCode code, std::string why);
  // The root, or the failure as "The stanza is not acceptable XML: <why>." (kXmlErrorId).
  core::Result<XmlElement> finish() &&;

 private:
  const XmlLimits& limits_;
  XmlElement root_;
  bool hasRoot_ = false;
  std::vector<XmlElement*> open_;  // the path from the root to the innermost open element
  std::size_t elements_ = 0;
  std::string failure_;
  core::ErrorCode failureCode_ = core::ErrorCode::kInvalidArgument;
};

// The error of a stanza over XmlLimits::maxBytes (kTooLarge, kXmlErrorId).
core::Error xmlTooLarge(const XmlLimits& limits);

// One XML element (a stanza as libstrophe's xmpp_stanza_to_text() writes it). Errors:
// kInvalidArgument (not well-formed, a DOCTYPE, more than one root), kTooLarge (over a limit).
core::Result<XmlElement> parseXml(std::string_view xml, const XmlLimits& limits = {});

// The element as XML text. An xmlns attribute is written where the namespace differs from
// `parentNs` (pass the stream's content namespace, e.g. "jabber:component:accept", to leave it
// out on the stanza). Text is escaped; characters XML 1.0 cannot carry (C0 controls other than
// tab/newline/carriage return, U+FFFE/U+FFFF) are dropped and invalid UTF-8 becomes U+FFFD, so
// the output is always well-formed.
std::string toXml(const XmlElement& element, std::string_view parentNs = {});

// `text` with invalid UTF-8 replaced by U+FFFD and characters XML cannot carry removed.
std::string xmlSafeText(std::string_view text);

}  // namespace parley::bridges::xmpp
