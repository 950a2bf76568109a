#include "bridges/xmpp/stanza.hpp"

#include <utility>

namespace parley::bridges::xmpp {
namespace {

std::string owned(xmpp_ctx_t* ctx, char* text) {
  if (text == nullptr) return {};
  std::string out(text);
  xmpp_free(ctx, text);
  return out;
}

// The bytes xmpp_stanza_to_text() writes for `value`: it writes < > & " as entities.
std::size_t escapedSize(std::string_view value) {
  std::size_t size = value.size();
  for (const char c : value) {
    switch (c) {
      case '<':
      case '>': size += 3; break;
      case '&': size += 4; break;
      case '"': size += 5; break;
      default: break;
    }
  }
  return size;
}

// A stanza's attributes in the order libstrophe writes them (its hash's).
std::vector<std::pair<std::string_view, std::string_view>> attributesOf(xmpp_stanza_t* raw) {
  const int count = xmpp_stanza_get_attribute_count(raw);
  std::vector<const char*> flat(static_cast<std::size_t>(count) * 2);
  const int filled = xmpp_stanza_get_attributes(raw, flat.data(), static_cast<int>(flat.size()));
  std::vector<std::pair<std::string_view, std::string_view>> out;
  out.reserve(static_cast<std::size_t>(filled) / 2);
  for (int i = 0; i + 1 < filled; i += 2) out.emplace_back(flat[i], flat[i + 1]);
  return out;
}

// Whether xmpp_stanza_to_text() leaves out an xmlns of `value`: the parent's own, or the
// client stream's on the outermost element.
bool xmlnsUnwritten(std::string_view value, const char* parentXmlns, bool outermost) {
  if (outermost) return value == XMPP_NS_CLIENT;
  return parentXmlns != nullptr && value == parentXmlns;
}

// What xmpp_stanza_to_text() writes for a node, counted: `<name attributes/>`, or
// `<name attributes>children</name>`, and escaped text.
std::size_t renderedSize(xmpp_stanza_t* raw, const char* parentXmlns, bool outermost) {
  if (xmpp_stanza_is_text(raw) != 0) {
    const char* text = xmpp_stanza_get_text_ptr(raw);
    return text == nullptr ? 0 : escapedSize(text);
  }
  const char* name = xmpp_stanza_get_name(raw);
  if (name == nullptr) return 0;
  const std::size_t nameSize = std::string_view(name).size();
  std::size_t size = 1 + nameSize;
  for (const auto& [key, value] : attributesOf(raw)) {
    if (key == "xmlns" && xmlnsUnwritten(value, parentXmlns, outermost)) continue;
    size += key.size() + escapedSize(value) + 4;  // ` key="value"`
  }
  xmpp_stanza_t* child = xmpp_stanza_get_children(raw);
  if (child == nullptr) return size + 2;
  size += 1 + 3 + nameSize;  // `>` and `</name>`
  const char* xmlns = xmpp_stanza_get_attribute(raw, "xmlns");
  for (; child != nullptr; child = xmpp_stanza_get_next(child)) {
    size += renderedSize(child, xmlns, false);
  }
  return size;
}

// Reads the element `raw` and what it holds into `tree`. An element without an xmlns is in its
// parent's namespace, as a parser reads it from the text; the xmlns is its namespace, not an
// attribute.
void readTree(xmpp_stanza_t* raw, std::string_view parentNs, XmlTreeBuilder& tree) {
  const char* name = xmpp_stanza_get_name(raw);
  if (name == nullptr) return;
  const char* xmlns = xmpp_stanza_get_attribute(raw, "xmlns");
  const std::string_view ns = xmlns != nullptr ? std::string_view(xmlns) : parentNs;
  if (!tree.open(name, std::string(ns))) return;
  for (const auto& [key, value] : attributesOf(raw)) {
    if (key != "xmlns" && !tree.attribute(std::string(key), std::string(value))) return;
  }
  for (xmpp_stanza_t* child = xmpp_stanza_get_children(raw); child != nullptr && !tree.failed();
       child = xmpp_stanza_get_next(child)) {
    if (xmpp_stanza_is_text(child) == 0) {
      readTree(child, ns, tree);
    } else if (const char* text = xmpp_stanza_get_text_ptr(child); text != nullptr) {
      tree.text(text);
    }
  }
  tree.close();
}

}  // namespace

Stanza Stanza::share(xmpp_stanza_t* raw) {
  return raw == nullptr ? Stanza() : Stanza(xmpp_stanza_clone(raw));
}

Stanza Stanza::element(xmpp_ctx_t* ctx, std::string_view name, std::string_view ns) {
  Stanza out(xmpp_stanza_new(ctx));
  xmpp_stanza_set_name(out.raw_, std::string(name).c_str());
  if (!ns.empty()) xmpp_stanza_set_ns(out.raw_, std::string(ns).c_str());
  return out;
}

Stanza Stanza::parse(xmpp_ctx_t* ctx, std::string_view xml) {
  return Stanza(xmpp_stanza_new_from_string(ctx, std::string(xml).c_str()));
}

Stanza Stanza::fromTree(xmpp_ctx_t* ctx, const XmlElement& element, std::string_view parentNs) {
  Stanza out(xmpp_stanza_new(ctx));
  xmpp_stanza_set_name(out.raw_, element.name.c_str());
  if (element.ns != parentNs) xmpp_stanza_set_ns(out.raw_, element.ns.c_str());
  for (const auto& [key, value] : element.attributes) {
    if (key.empty() || key.front() == '{') continue;
    xmpp_stanza_set_attribute(out.raw_, key.c_str(), xmlSafeText(value).c_str());
  }
  if (!element.text.empty()) {
    const std::string text = xmlSafeText(element.text);
    Stanza node(xmpp_stanza_new(ctx));
    xmpp_stanza_set_text_with_size(node.raw_, text.data(), text.size());
    out.add(node);
  }
  for (const auto& child : element.children) out.add(fromTree(ctx, child, element.ns));
  return out;
}

Stanza Stanza::copy() const { return raw_ == nullptr ? Stanza() : Stanza(xmpp_stanza_copy(raw_)); }

Stanza::Stanza(const Stanza& other)
    : raw_(other.raw_ == nullptr ? nullptr : xmpp_stanza_clone(other.raw_)) {}

Stanza& Stanza::operator=(const Stanza& other) {
  if (this != &other) *this = Stanza(other);
  return *this;
}

Stanza& Stanza::operator=(Stanza&& other) noexcept {
  if (this != &other) {
    if (raw_ != nullptr) xmpp_stanza_release(raw_);
    raw_ = other.raw_;
    other.raw_ = nullptr;
  }
  return *this;
}

Stanza::~Stanza() {
  if (raw_ != nullptr) xmpp_stanza_release(raw_);
}

std::string_view Stanza::name() const {
  const char* value = raw_ == nullptr ? nullptr : xmpp_stanza_get_name(raw_);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

std::string_view Stanza::ns() const {
  const char* value = raw_ == nullptr ? nullptr : xmpp_stanza_get_ns(raw_);
  return value == nullptr ? std::string_view() : std::string_view(value);
}

std::string_view Stanza::attribute(std::string_view key) const {
  const char* value =
      raw_ == nullptr ? nullptr : xmpp_stanza_get_attribute(raw_, std::string(key).c_str());
  return value == nullptr ? std::string_view() : std::string_view(value);
}

bool Stanza::hasAttribute(std::string_view key) const {
  return raw_ != nullptr && xmpp_stanza_get_attribute(raw_, std::string(key).c_str()) != nullptr;
}

Stanza& Stanza::set(std::string_view key, std::string_view value) {
  xmpp_stanza_set_attribute(raw_, std::string(key).c_str(), std::string(value).c_str());
  return *this;
}

Stanza& Stanza::remove(std::string_view key) {
  xmpp_stanza_del_attribute(raw_, std::string(key).c_str());
  return *this;
}

Stanza Stanza::child(std::string_view childName, std::string_view childNs) const {
  if (raw_ == nullptr) return {};
  for (xmpp_stanza_t* c = xmpp_stanza_get_children(raw_); c != nullptr;
       c = xmpp_stanza_get_next(c)) {
    if (xmpp_stanza_is_tag(c) == 0) continue;
    const char* n = xmpp_stanza_get_name(c);
    if (n == nullptr || childName != n) continue;
    if (!childNs.empty()) {
      const char* cns = xmpp_stanza_get_ns(c);
      if (cns == nullptr || childNs != cns) continue;
    }
    return share(c);
  }
  return {};
}

std::vector<Stanza> Stanza::children() const {
  std::vector<Stanza> out;
  if (raw_ == nullptr) return out;
  for (xmpp_stanza_t* c = xmpp_stanza_get_children(raw_); c != nullptr;
       c = xmpp_stanza_get_next(c)) {
    if (xmpp_stanza_is_tag(c) != 0) out.push_back(share(c));
  }
  return out;
}

Stanza& Stanza::add(const Stanza& child) {
  xmpp_stanza_add_child(raw_, child.raw_);
  return *this;
}

Stanza& Stanza::addText(std::string_view childName, std::string_view childNs,
                        std::string_view text) {
  Stanza child = element(context(), childName, childNs);
  if (!text.empty()) {
    Stanza body(xmpp_stanza_new(context()));
    xmpp_stanza_set_text_with_size(body.raw_, text.data(), text.size());
    child.add(body);
  }
  return add(child);
}

Stanza Stanza::addChild(std::string_view childName, std::string_view childNs) {
  Stanza child = element(context(), childName, childNs);
  add(child);
  return child;
}

std::string Stanza::text() const {
  if (raw_ == nullptr) return {};
  return owned(context(), xmpp_stanza_get_text(raw_));
}

std::string Stanza::toXml() const {
  if (raw_ == nullptr) return {};
  char* buffer = nullptr;
  std::size_t length = 0;
  if (xmpp_stanza_to_text(raw_, &buffer, &length) != XMPP_EOK) return {};
  std::string out(buffer, length);
  xmpp_free(context(), buffer);
  return out;
}

std::size_t Stanza::xmlSize() const {
  return raw_ == nullptr ? 0 : renderedSize(raw_, nullptr, true);
}

core::Result<XmlElement> Stanza::toTree(const XmlLimits& limits) const {
  if (xmlSize() > limits.maxBytes) return xmlTooLarge(limits);
  XmlTreeBuilder tree(limits);
  if (raw_ != nullptr && xmpp_stanza_is_tag(raw_) != 0) readTree(raw_, {}, tree);
  return std::move(tree).finish();
}

Jid parseJid(std::string_view text) {
  Jid jid;
  const auto slash = text.find('/');
  const std::string_view bare = text.substr(0, slash);
  if (slash != std::string_view::npos) jid.resource = std::string(text.substr(slash + 1));
  const auto at = bare.find('@');
  if (at != std::string_view::npos) {
    jid.local = std::string(bare.substr(0, at));
    jid.domain = std::string(bare.substr(at + 1));
    if (jid.local.empty()) jid.domain.clear();  // "@domain" is not a JID
  } else {
    jid.domain = std::string(bare);
  }
  if (slash != std::string_view::npos && jid.resource.empty()) jid.domain.clear();
  return jid;
}

Stanza errorReply(const Stanza& original, std::string_view errorType, std::string_view condition,
                  std::string_view text) {
  Stanza reply = Stanza::element(original.context(), original.name());
  reply.set("type", "error");
  if (original.hasAttribute("id")) reply.set("id", original.attribute("id"));
  if (original.hasAttribute("from")) reply.set("to", original.attribute("from"));
  if (original.hasAttribute("to")) reply.set("from", original.attribute("to"));
  Stanza error = reply.addChild("error");
  error.set("type", errorType);
  error.addChild(condition, ns::kStanzas);
  if (!text.empty()) error.addText("text", ns::kStanzas, text);
  return reply;
}

}  // namespace parley::bridges::xmpp
