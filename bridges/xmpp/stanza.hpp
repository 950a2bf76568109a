#pragma once
// A thin RAII layer over libstrophe's reference-counted stanzas (xmpp.md §3: the builder API is
// verbose and easy to leak). A Stanza holds one reference; copies add one. Every call must run
// on the thread that owns the stanza's xmpp_ctx_t (libstrophe is not thread-safe).

#include <strophe.h>

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "bridges/xmpp/xml_tree.hpp"
#include "core/common/result.hpp"

namespace parley::bridges::xmpp {

namespace ns {
inline constexpr std::string_view kDiscoInfo = "http://jabber.org/protocol/disco#info";
inline constexpr std::string_view kDiscoItems = "http://jabber.org/protocol/disco#items";
inline constexpr std::string_view kMuc = "http://jabber.org/protocol/muc";
inline constexpr std::string_view kMucUser = "http://jabber.org/protocol/muc#user";
inline constexpr std::string_view kStanzas = "urn:ietf:params:xml:ns:xmpp-stanzas";
inline constexpr std::string_view kPing = "urn:xmpp:ping";
inline constexpr std::string_view kStableId = "urn:xmpp:sid:0";
inline constexpr std::string_view kOccupantId = "urn:xmpp:occupant-id:0";
inline constexpr std::string_view kDelay = "urn:xmpp:delay";
}  // namespace ns

class Stanza {
 public:
  Stanza() = default;
  // Takes over the caller's reference (from xmpp_stanza_new and the like).
  static Stanza adopt(xmpp_stanza_t* raw) { return Stanza(raw); }
  // Adds a reference to a stanza libstrophe lends (a handler's argument, a child).
  static Stanza share(xmpp_stanza_t* raw);
  // A new element <name xmlns='ns'/> (ns left out when empty).
  static Stanza element(xmpp_ctx_t* ctx, std::string_view name, std::string_view ns = {});
  // Parses one element; a null Stanza when the text is not one.
  static Stanza parse(xmpp_ctx_t* ctx, std::string_view xml);
  // The stanza parse(ctx, toXml(element, parentNs)) would give, built without the text in
  // between: xmlns where the namespace differs from the parent's, text and attribute values
  // made XML-safe, "{uri}local" attributes left out (xml_tree.hpp).
  static Stanza fromTree(xmpp_ctx_t* ctx, const XmlElement& element,
                         std::string_view parentNs = {});

  Stanza(const Stanza& other);
  Stanza& operator=(const Stanza& other);
  Stanza(Stanza&& other) noexcept : raw_(other.raw_) { other.raw_ = nullptr; }
  Stanza& operator=(Stanza&& other) noexcept;
  ~Stanza();

  // A deep copy, free to modify without touching this one.
  Stanza copy() const;

  explicit operator bool() const { return raw_ != nullptr; }
  xmpp_stanza_t* get() const { return raw_; }
  xmpp_ctx_t* context() const { return xmpp_stanza_get_context(raw_); }

  std::string_view name() const;
  std::string_view ns() const;
  // "" when absent.
  std::string_view attribute(std::string_view key) const;
  bool hasAttribute(std::string_view key) const;
  Stanza& set(std::string_view key, std::string_view value);
  Stanza& remove(std::string_view key);

  // The first child element with this name (and namespace, when given); null when none.
  Stanza child(std::string_view childName, std::string_view childNs = {}) const;
  std::vector<Stanza> children() const;  // elements only
  // Appends `child` (the parent takes its own reference) and returns *this.
  Stanza& add(const Stanza& child);
  // Appends <childName xmlns=childNs>text</childName> (text escaped by libstrophe on output).
  Stanza& addText(std::string_view childName, std::string_view childNs, std::string_view text);
  // Appends a new empty child and returns it.
  Stanza addChild(std::string_view childName, std::string_view childNs = {});

  // The concatenated character data inside this element.
  std::string text() const;
  // The stanza serialised as XML.
  std::string toXml() const;
  // toXml().size(), counted without writing the text, for a stanza that is not inside another
  // (as a received one): inside one, toXml() also leaves out an xmlns its parent shares.
  std::size_t xmlSize() const;
  // The element tree parseXml(toXml(), limits) gives, read from the stanza's own nodes with the
  // same limits (the byte limit against xmlSize()), not written out and parsed again. Where
  // the text would lose something, the tree keeps it: libstrophe writes line ends and tabs
  // raw, so a parser reads a carriage return in text as a line feed and one in an attribute
  // value, like a tab or a line feed there, as a space; and it leaves the root's jabber:client
  // namespace unwritten. It also reads a namespace name holding a space, which parseXml()
  // refuses (its parser separates names with a space), as the server that sent it did.
  core::Result<XmlElement> toTree(const XmlLimits& limits = {}) const;

 private:
  explicit Stanza(xmpp_stanza_t* raw) : raw_(raw) {}
  xmpp_stanza_t* raw_ = nullptr;
};

// A parsed JID: local@domain/resource (each "" when absent). No RFC 7622 preparation: Parley
// compares domains it owns in lower case and otherwise keeps what the server sent.
struct Jid {
  std::string local;
  std::string domain;
  std::string resource;

  bool valid() const { return !domain.empty(); }
  std::string bare() const { return local.empty() ? domain : local + "@" + domain; }
  std::string full() const { return resource.empty() ? bare() : bare() + "/" + resource; }
};
Jid parseJid(std::string_view text);

// <iq type='error'> / <message type='error'> / <presence type='error'>: the original stanza's
// name and id, `to` and `from` swapped (the component sets `from` on everything it sends, as
// xmpp_stanza_reply() drops it), and <error type=...><condition xmlns=stanzas/><text/></error>.
Stanza errorReply(const Stanza& original, std::string_view errorType, std::string_view condition,
                  std::string_view text = {});

}  // namespace parley::bridges::xmpp
