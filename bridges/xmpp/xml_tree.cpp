#include "bridges/xmpp/xml_tree.hpp"

#include <expat.h>

#include <memory>

#include "bridges/common/utf8.hpp"

namespace parley::bridges::xmpp {

namespace {

constexpr std::string_view kXmlNamespace = "http://www.w3.org/XML/1998/namespace";
// Expat joins a namespace URI and a local name with this character. A local name never holds
// a space, so the last space splits them even if a (malformed) URI contains one.
constexpr char kNsSeparator = ' ';

// Splits expat's "uri local" into {uri, local}; a name without a namespace has no separator.
std::pair<std::string, std::string> splitName(std::string_view qualified) {
  const auto at = qualified.rfind(kNsSeparator);
  if (at == std::string_view::npos) return {{}, std::string(qualified)};
  return {std::string(qualified.substr(0, at)), std::string(qualified.substr(at + 1))};
}

// expat's events, fed to the tree builder.
struct ParseState {
  explicit ParseState(const XmlLimits& limits) : tree(limits) {}

  XmlTreeBuilder tree;
  XML_Parser parser = nullptr;

  void fail(core::ErrorCode code, std::string why) {
    tree.fail(code, std::move(why));
    XML_StopParser(parser, XML_FALSE);
  }
};

void XMLCALL onStart(void* data, const XML_Char* name, const XML_Char** attributes) {
  auto& state = *static_cast<ParseState*>(data);
  auto [ns, local] = splitName(name);
  bool accepted = state.tree.open(std::move(local), std::move(ns));
  for (std::size_t i = 0; accepted && attributes[i] != nullptr; i += 2) {
    auto [attributeNs, attributeLocal] = splitName(attributes[i]);
    std::string key;
    if (attributeNs.empty()) {
      key = std::move(attributeLocal);
    } else if (attributeNs == kXmlNamespace) {
      key = "xml:" + attributeLocal;
    } else {
      key.append("{").append(attributeNs).append("}").append(attributeLocal);
    }
    accepted = state.tree.attribute(std::move(key), attributes[i + 1]);
  }
  if (!accepted) XML_StopParser(state.parser, XML_FALSE);
}

void XMLCALL onEnd(void* data, const XML_Char* /*name*/) {
  static_cast<ParseState*>(data)->tree.close();
}

void XMLCALL onText(void* data, const XML_Char* text, int length) {
  static_cast<ParseState*>(data)->tree.text(
      std::string_view(text, static_cast<std::size_t>(length)));
}

void XMLCALL onDoctype(void* data, const XML_Char*, const XML_Char*, const XML_Char*, int) {
  static_cast<ParseState*>(data)->fail(core::ErrorCode::kInvalidArgument,
                                       "a DOCTYPE is not allowed in XMPP");
}

void XMLCALL onEntityDecl(void* data, const XML_Char*, int, const XML_Char*, int, const XML_Char*,
                          const XML_Char*, const XML_Char*, const XML_Char*) {
  static_cast<ParseState*>(data)->fail(core::ErrorCode::kInvalidArgument,
                                       "entity declarations are not allowed in XMPP");
}

void escapeInto(std::string& out, std::string_view text, bool attribute) {
  const std::string safe = xmlSafeText(text);
  for (const char c : safe) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '\r': out += "&#xD;"; break;
      case '"': out += attribute ? "&quot;" : "\""; break;
      case '\'': out += attribute ? "&apos;" : "'"; break;
      case '\n': out += attribute ? "&#xA;" : "\n"; break;
      case '\t': out += attribute ? "&#x9;" : "\t"; break;
      default: out += c;
    }
  }
}

void writeElement(std::string& out, const XmlElement& element, std::string_view parentNs) {
  out += '<';
  out += element.name;
  if (element.ns != parentNs) {
    out += " xmlns='";
    escapeInto(out, element.ns, true);
    out += '\'';
  }
  for (const auto& [key, value] : element.attributes) {
    // "{uri}local" attributes are only produced by the parser; a stanza we build never has
    // them, and writing them would need a prefix declaration.
    if (key.empty() || key.front() == '{') continue;
    out += ' ';
    out += key;
    out += "='";
    escapeInto(out, value, true);
    out += '\'';
  }
  if (element.text.empty() && element.children.empty()) {
    out += "/>";
    return;
  }
  out += '>';
  escapeInto(out, element.text, false);
  for (const auto& child : element.children) writeElement(out, child, element.ns);
  out += "</";
  out += element.name;
  out += '>';
}

}  // namespace

const std::string* XmlElement::attribute(std::string_view attributeName) const {
  for (const auto& [key, value] : attributes) {
    if (key == attributeName) return &value;
  }
  return nullptr;
}

std::string XmlElement::attributeOr(std::string_view attributeName,
                                    std::string_view fallback) const {
  const std::string* value = attribute(attributeName);
  return value != nullptr ? *value : std::string(fallback);
}

XmlElement& XmlElement::setAttribute(std::string_view attributeName, std::string value) {
  for (auto& [key, existing] : attributes) {
    if (key == attributeName) {
      existing = std::move(value);
      return *this;
    }
  }
  attributes.emplace_back(std::string(attributeName), std::move(value));
  return *this;
}

const XmlElement* XmlElement::child(std::string_view childName, std::string_view childNs) const {
  for (const auto& element : children) {
    if (element.name == childName && element.ns == childNs) return &element;
  }
  return nullptr;
}

std::vector<const XmlElement*> XmlElement::childrenNamed(std::string_view childName,
                                                         std::string_view childNs) const {
  std::vector<const XmlElement*> found;
  for (const auto& element : children) {
    if (element.name == childName && element.ns == childNs) found.push_back(&element);
  }
  return found;
}

XmlElement& XmlElement::add(XmlElement element) {
  children.push_back(std::move(element));
  return children.back();
}

XmlElement& XmlElement::addText(std::string childName, std::string childNs, std::string childText) {
  XmlElement element(std::move(childName), std::move(childNs));
  element.text = std::move(childText);
  return add(std::move(element));
}

bool XmlTreeBuilder::open(std::string name, std::string ns) {
  if (failed()) return false;
  if (++elements_ > limits_.maxElements) {
    fail(core::ErrorCode::kTooLarge, "too many elements");
    return false;
  }
  if (open_.size() >= static_cast<std::size_t>(limits_.maxDepth)) {
    fail(core::ErrorCode::kTooLarge, "elements nested too deeply");
    return false;
  }
  XmlElement element(std::move(name), std::move(ns));
  if (open_.empty()) {
    if (hasRoot_) {
      fail(core::ErrorCode::kInvalidArgument, "more than one root");
      return false;
    }
    hasRoot_ = true;
    root_ = std::move(element);
    open_.push_back(&root_);
  } else {
    // Children of an open element are only appended while it is the innermost one, so the
    // pointers on the path stay valid.
    open_.push_back(&open_.back()->add(std::move(element)));
  }
  return true;
}

bool XmlTreeBuilder::attribute(std::string key, std::string value) {
  if (failed() || open_.empty()) return false;
  auto& attributes = open_.back()->attributes;
  if (attributes.size() >= limits_.maxAttributes) {
    fail(core::ErrorCode::kTooLarge, "too many attributes");
    return false;
  }
  attributes.emplace_back(std::move(key), std::move(value));
  return true;
}

void XmlTreeBuilder::text(std::string_view characters) {
  if (!failed() && !open_.empty()) open_.back()->text.append(characters);
}

void XmlTreeBuilder::close() {
  if (!open_.empty()) open_.pop_back();
}

void XmlTreeBuilder::fail(core::ErrorCode code, std::string why) {
  if (failed()) return;
  failure_ = std::move(why);
  failureCode_ = code;
}

core::Result<XmlElement> XmlTreeBuilder::finish() && {
  if (failed()) {
    return core::makeError(failureCode_, std::string(kXmlErrorId),
                           "The stanza is not acceptable XML: " + failure_ + ".");
  }
  if (!hasRoot_) {
    return core::makeError(core::ErrorCode::kInvalidArgument, std::string(kXmlErrorId),
                           "The stanza holds no element.");
  }
  return std::move(root_);
}

core::Error xmlTooLarge(const XmlLimits& limits) {
  return core::makeError(
      core::ErrorCode::kTooLarge, std::string(kXmlErrorId),
      "The stanza is larger than " + std::to_string(limits.maxBytes) + " bytes.");
}

core::Result<XmlElement> parseXml(std::string_view xml, const XmlLimits& limits) {
  if (xml.size() > limits.maxBytes) return xmlTooLarge(limits);
  std::unique_ptr<XML_ParserStruct, decltype(&XML_ParserFree)> parser(
      XML_ParserCreateNS("UTF-8", kNsSeparator), &XML_ParserFree);
  if (!parser) {
    return core::makeError(core::ErrorCode::kInternal, std::string(kXmlErrorId),
                           "The XML parser could not be created.");
  }
  ParseState state(limits);
  state.parser = parser.get();
  XML_SetUserData(parser.get(), &state);
  XML_SetElementHandler(parser.get(), onStart, onEnd);
  XML_SetCharacterDataHandler(parser.get(), onText);
  XML_SetStartDoctypeDeclHandler(parser.get(), onDoctype);
  XML_SetEntityDeclHandler(parser.get(), onEntityDecl);
  const auto status = XML_Parse(parser.get(), xml.data(), static_cast<int>(xml.size()), XML_TRUE);
  if (!state.tree.failed() && status != XML_STATUS_OK) {
    const XML_Error code = XML_GetErrorCode(parser.get());
    return core::makeError(core::ErrorCode::kInvalidArgument, std::string(kXmlErrorId),
                           std::string("The stanza is not well-formed XML: ") +
                               XML_ErrorString(code) + " (line " +
                               std::to_string(XML_GetCurrentLineNumber(parser.get())) + ").");
  }
  return std::move(state.tree).finish();
}

std::string toXml(const XmlElement& element, std::string_view parentNs) {
  std::string out;
  writeElement(out, element, parentNs);
  return out;
}

std::string xmlSafeText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t pos = 0; pos < text.size();) {
    const utf8::Decoded d = utf8::decode(text, pos);
    pos += d.length;
    const char32_t cp = d.codepoint;
    const bool allowed =
        cp == 0x9 || cp == 0xA || cp == 0xD || (cp >= 0x20 && cp != 0xFFFE && cp != 0xFFFF);
    if (allowed) utf8::append(out, cp);
  }
  return out;
}

}  // namespace parley::bridges::xmpp
