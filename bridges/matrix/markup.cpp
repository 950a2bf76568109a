#include "bridges/matrix/markup.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <memory>
#include <mutex>
#include <utility>

#include "bridges/common/utf8.hpp"
#include "core/common/xml_escape.hpp"

namespace parley::bridges::matrix {

namespace {

// ------------------------------------------------------------------ markdown -> HTML (egress)

using NodePtr = std::unique_ptr<cmark_node, decltype(&cmark_node_free)>;
using ParserPtr = std::unique_ptr<cmark_parser, decltype(&cmark_parser_free)>;

// Mattermost renders a single newline as a line break and strikethrough with two tildes; raw
// HTML is never rendered (cmark's default "safe" mode, and we turn HTML nodes into text).
constexpr int kCmarkOptions =
    CMARK_OPT_HARDBREAKS | CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE | CMARK_OPT_VALIDATE_UTF8;

constexpr std::string_view kPermalinkPrefix = "https://matrix.to/#/";

void registerExtensions() {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

struct Parsed {
  ParserPtr parser{nullptr, &cmark_parser_free};
  NodePtr document{nullptr, &cmark_node_free};
};

Parsed parseMarkdown(std::string_view markdown) {
  registerExtensions();
  Parsed parsed;
  parsed.parser.reset(cmark_parser_new(kCmarkOptions));
  for (const char* name : {"strikethrough", "table", "autolink"}) {
    if (cmark_syntax_extension* extension = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parsed.parser.get(), extension);
    }
  }
  cmark_parser_feed(parsed.parser.get(), markdown.data(), markdown.size());
  parsed.document.reset(cmark_parser_finish(parsed.parser.get()));
  cmark_consolidate_text_nodes(parsed.document.get());
  return parsed;
}

std::string_view literalOf(cmark_node* node) {
  const char* text = cmark_node_get_literal(node);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// Every node of the tree, parents before children (collected first: the caller changes it).
std::vector<cmark_node*> allNodes(cmark_node* root) {
  std::vector<cmark_node*> nodes;
  cmark_iter* iter = cmark_iter_new(root);
  for (cmark_event_type event = cmark_iter_next(iter); event != CMARK_EVENT_DONE;
       event = cmark_iter_next(iter)) {
    if (event == CMARK_EVENT_ENTER) nodes.push_back(cmark_iter_get_node(iter));
  }
  cmark_iter_free(iter);
  return nodes;
}

bool insideLink(cmark_node* node) {
  for (cmark_node* parent = cmark_node_parent(node); parent != nullptr;
       parent = cmark_node_parent(parent)) {
    if (cmark_node_get_type(parent) == CMARK_NODE_LINK) return true;
  }
  return false;
}

cmark_node* textNode(std::string_view text) {
  cmark_node* node = cmark_node_new(CMARK_NODE_TEXT);
  cmark_node_set_literal(node, std::string(text).c_str());
  return node;
}

bool usernameChar(char c) {
  const auto byte = static_cast<unsigned char>(c);
  return std::isalnum(byte) != 0 || c == '.' || c == '_' || c == '-' || c == ':';
}

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

bool isRoomMention(std::string_view name) {
  return name == "channel" || name == "all" || name == "here";
}

// A Mattermost @-mention found in text: [start, end) covers "@name".
struct MentionSpan {
  std::size_t start = 0;
  std::size_t end = 0;
  std::string name;  // lower-cased, without '@'
};

// The mentions in `text` whose name `accept` takes: "@" after the start or a character that
// cannot be part of a word, then the longest username (Mattermost's characters plus ':' of
// remote users) that `accept` knows, trailing punctuation left out (a sentence's full stop).
template <typename Accept>
std::vector<MentionSpan> findMentions(std::string_view text, Accept accept) {
  std::vector<MentionSpan> spans;
  for (std::size_t at = text.find('@'); at != std::string_view::npos; at = text.find('@', at + 1)) {
    if (at > 0 && (usernameChar(text[at - 1]) || text[at - 1] == '@')) continue;
    std::size_t end = at + 1;
    while (end < text.size() && usernameChar(text[end])) ++end;
    while (end > at + 1) {
      std::string name = lower(text.substr(at + 1, end - at - 1));
      if (accept(name)) {
        spans.push_back({at, end, std::move(name)});
        break;
      }
      const char last = text[end - 1];
      if (last != '.' && last != '_' && last != '-' && last != ':') break;
      --end;
    }
    if (!spans.empty() && spans.back().start == at) at = spans.back().end - 1;
  }
  return spans;
}

void appendUnique(std::vector<std::string>& list, const std::string& value) {
  if (std::find(list.begin(), list.end(), value) == list.end()) list.push_back(value);
}

// Raw HTML in a post is text for Mattermost (it never renders it): the same for Matrix.
void htmlNodesToText(cmark_node* node) {
  const cmark_node_type type = cmark_node_get_type(node);
  if (type == CMARK_NODE_HTML_INLINE) {
    cmark_node* text = textNode(literalOf(node));
    cmark_node_replace(node, text);
    cmark_node_free(node);
  } else if (type == CMARK_NODE_HTML_BLOCK) {
    std::string literal(literalOf(node));
    while (!literal.empty() && literal.back() == '\n') literal.pop_back();
    cmark_node* paragraph = cmark_node_new(CMARK_NODE_PARAGRAPH);
    std::size_t start = 0;
    while (start <= literal.size()) {
      std::size_t end = literal.find('\n', start);
      if (end == std::string::npos) end = literal.size();
      if (start > 0) cmark_node_append_child(paragraph, cmark_node_new(CMARK_NODE_LINEBREAK));
      cmark_node_append_child(paragraph,
                              textNode(std::string_view(literal).substr(start, end - start)));
      start = end + 1;
    }
    cmark_node_replace(node, paragraph);
    cmark_node_free(node);
  }
}

// An image in a post points at a web URL; Matrix HTML images must be mxc:// URIs, so it goes
// out as a link with the image's alt text.
void imageToLink(cmark_node* image) {
  cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
  const char* url = cmark_node_get_url(image);
  const char* title = cmark_node_get_title(image);
  cmark_node_set_url(link, url != nullptr ? url : "");
  cmark_node_set_title(link, title != nullptr ? title : "");
  while (cmark_node* child = cmark_node_first_child(image)) {
    cmark_node_unlink(child);
    cmark_node_append_child(link, child);
  }
  if (cmark_node_first_child(link) == nullptr) {
    cmark_node_append_child(link, textNode(url != nullptr ? url : ""));
  }
  cmark_node_replace(image, link);
  cmark_node_free(image);
}

// Splits a text node at the mentions of `mentions`' users into text and pill links.
void pillMentions(cmark_node* node, const std::map<std::string, std::string>& mentions,
                  MatrixText& out) {
  const std::string text(literalOf(node));
  const auto spans = findMentions(text, [&](const std::string& name) {
    return isRoomMention(name) || mentions.count(name) != 0;
  });
  bool anyPill = false;
  for (const auto& span : spans) {
    if (isRoomMention(span.name)) {
      out.mentionsRoom = true;
    } else {
      anyPill = true;
    }
  }
  if (!anyPill) return;
  std::size_t cursor = 0;
  for (const auto& span : spans) {
    if (isRoomMention(span.name)) continue;
    const std::string& mxid = mentions.at(span.name);
    if (span.start > cursor) {
      cmark_node_insert_before(
          node, textNode(std::string_view(text).substr(cursor, span.start - cursor)));
    }
    cmark_node* link = cmark_node_new(CMARK_NODE_LINK);
    cmark_node_set_url(link, (std::string(kPermalinkPrefix) + mxid).c_str());
    cmark_node_append_child(
        link, textNode(std::string_view(text).substr(span.start, span.end - span.start)));
    cmark_node_insert_before(node, link);
    appendUnique(out.mentionedUserIds, mxid);
    cursor = span.end;
  }
  if (cursor < text.size()) cmark_node_insert_before(node, textNode(text.substr(cursor)));
  cmark_node_unlink(node);
  cmark_node_free(node);
}

std::string trimmed(std::string_view text) {
  const auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = text.find_last_not_of(" \t\r\n");
  return std::string(text.substr(first, last - first + 1));
}

// ------------------------------------------------------------------ HTML -> markdown (ingress)

bool named(const xmlNode* node, std::string_view name) {
  return node->name != nullptr &&
         std::string_view(reinterpret_cast<const char*>(node->name)) == name;
}

std::string_view nameOf(const xmlNode* node) {
  return node->name != nullptr ? std::string_view(reinterpret_cast<const char*>(node->name))
                               : std::string_view();
}

std::string attributeOf(const xmlNode* node, const char* name) {
  for (const xmlAttr* attr = node->properties; attr != nullptr; attr = attr->next) {
    if (attr->name == nullptr ||
        std::string_view(reinterpret_cast<const char*>(attr->name)) != name) {
      continue;
    }
    std::string value;
    for (const xmlNode* child = attr->children; child != nullptr; child = child->next) {
      if (child->content != nullptr) value += reinterpret_cast<const char*>(child->content);
    }
    return value;
  }
  return {};
}

// Dropped with everything inside: not content (scripts, styles, document metadata, form
// widgets) or the rich-reply fallback the spec tells receivers to strip.
bool droppedElement(std::string_view name) {
  static constexpr std::array kDropped{
      "script",   "style",  "title",    "head", "template", "iframe", "object", "noscript",
      "textarea", "select", "mx-reply", "svg",  "math",     "embed",  "frame",  "frameset"};
  return std::find(kDropped.begin(), kDropped.end(), name) != kDropped.end();
}

bool blockElement(std::string_view name) {
  static constexpr std::array kBlocks{
      "p",  "div", "h1", "h2",    "h3",      "h4",      "h5",      "h6", "blockquote", "ul",  "ol",
      "li", "pre", "hr", "table", "details", "summary", "caption", "tr", "body",       "html"};
  return std::find(kBlocks.begin(), kBlocks.end(), name) != kBlocks.end();
}

bool allowedScheme(std::string_view url) {
  const auto colon = url.find(':');
  if (colon == std::string_view::npos) return false;
  const std::string scheme = lower(url.substr(0, colon));
  return scheme == "http" || scheme == "https" || scheme == "ftp" || scheme == "mailto" ||
         scheme == "magnet";
}

// A link target markdown can carry as it is: an allowed scheme, no whitespace or controls,
// parentheses percent-encoded so they cannot end the target early.
std::optional<std::string> safeHref(std::string_view raw, std::size_t maxBytes) {
  const std::string url = trimmed(raw);
  if (url.empty() || url.size() > maxBytes || !allowedScheme(url)) return std::nullopt;
  std::string out;
  for (const char c : url) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte <= 0x20 || byte == 0x7F || c == '<' || c == '>' || c == '"' || c == '\\' || c == '`') {
      return std::nullopt;
    }
    if (c == '(') {
      out += "%28";
    } else if (c == ')') {
      out += "%29";
    } else {
      out += c;
    }
  }
  return out;
}

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string percentDecoded(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      const int high = hexValue(text[i + 1]);
      const int low = hexValue(text[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += text[i];
  }
  return out;
}

// Text a URL starts with, which is copied without markdown escapes (a backslash would break it).
std::size_t urlLength(std::string_view text, std::size_t pos) {
  const std::string_view rest = text.substr(pos);
  for (std::string_view prefix : {"https://", "http://", "ftp://", "mailto:", "www."}) {
    if (rest.size() > prefix.size() && lower(rest.substr(0, prefix.size())) == prefix) {
      std::size_t end = 0;
      while (end < rest.size() && static_cast<unsigned char>(rest[end]) > 0x20 &&
             rest[end] != '<' && rest[end] != '>') {
        ++end;
      }
      return end;
    }
  }
  return 0;
}

bool atWordStart(std::string_view text, std::size_t pos) {
  return pos == 0 || std::isalnum(static_cast<unsigned char>(text[pos - 1])) == 0;
}

// Escapes `text` for markdown; `lineStart`: text[0] begins a line of the output.
std::string escapeText(std::string_view text, bool lineStart) {
  std::string out;
  out.reserve(text.size() + 8);
  bool atLineStart = lineStart;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (atWordStart(text, i)) {
      if (const std::size_t url = urlLength(text, i); url > 0) {
        out += text.substr(i, url);
        i += url - 1;
        atLineStart = false;
        continue;
      }
    }
    if (atLineStart) {
      if (c == ' ' || c == '\t') {
        out += c;
        continue;
      }
      if (c == '#' || c == '-' || c == '+' || c == '=' || c == '|') {
        out += '\\';
      } else if (std::isdigit(static_cast<unsigned char>(c)) != 0) {
        std::size_t end = i;
        while (end < text.size() && std::isdigit(static_cast<unsigned char>(text[end])) != 0) {
          ++end;
        }
        if (end < text.size() && (text[end] == '.' || text[end] == ')')) {
          out += text.substr(i, end - i);
          out += '\\';
          i = end - 1;
          atLineStart = false;
          continue;
        }
      }
      atLineStart = false;
    }
    switch (c) {
      case '\\':
      case '*':
      case '_':
      case '~':
      case '`':
      case '[':
      case ']':
      case '<':
      case '>':
        out += '\\';
        out += c;
        break;
      case '\n':
        out += c;
        atLineStart = true;
        break;
      default: out += c;
    }
  }
  return out;
}

// A backtick fence longer than any run of backticks in `text`.
std::string fenceFor(std::string_view text, std::size_t minimum) {
  std::size_t longest = 0;
  std::size_t run = 0;
  for (const char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return std::string(std::max(minimum, longest + 1), '`');
}

std::string collapseWhitespace(std::string_view text) {
  std::string out;
  bool space = false;
  for (const char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
      space = true;
      continue;
    }
    if (space) out += ' ';
    space = false;
    out += c;
  }
  if (space) out += ' ';
  return out;
}

// Puts `prefix` before every line of `text` (`first` before the first one).
std::string prefixLines(std::string_view text, std::string_view first, std::string_view prefix) {
  std::string out;
  std::size_t start = 0;
  bool isFirst = true;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(start, end - start);
    const std::string_view lead = isFirst ? first : prefix;
    out += line.empty() && !isFirst ? trimmed(lead) : std::string(lead);
    out += line;
    isFirst = false;
    if (end == text.size()) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string normalizeBlankLines(std::string_view text) {
  std::string out;
  std::size_t newlines = 0;
  for (const char c : text) {
    if (c == '\n') {
      if (++newlines > 2) continue;
    } else {
      newlines = 0;
    }
    out += c;
  }
  return trimmed(out);
}

class HtmlConverter {
 public:
  HtmlConverter(const MentionResolver& resolver, const MarkupLimits& limits)
      : resolver_(resolver), limits_(limits) {}

  // The markdown of `parent`'s children as a sequence of blocks.
  std::string blocks(const xmlNode* parent, std::size_t depth) {
    return sequence(parent->children, depth);
  }

  // The markdown of `first` and its following siblings as a sequence of blocks.
  std::string sequence(const xmlNode* first, std::size_t depth) {
    std::string out;
    for (const xmlNode* node = first; node != nullptr; node = node->next) {
      if (overBudget()) break;
      if (node->type == XML_ELEMENT_NODE && blockElement(nameOf(node)) &&
          depth < limits_.maxDepth) {
        const std::string block = blockOf(node, depth + 1);
        if (trimmed(block).empty()) continue;
        endBlock(out);
        out += block;
        out += "\n\n";
      } else {
        const std::string text = inlineOf(node, depth + 1, endsLine(out));
        if (endsLine(out) && trimmed(text).empty()) continue;
        out += text;
      }
    }
    return out;
  }

  std::vector<std::string> mentioned;
  bool truncated = false;

 private:
  static bool endsLine(const std::string& out) { return out.empty() || out.back() == '\n'; }

  static void endBlock(std::string& out) {
    while (!out.empty() && out.back() == ' ') out.pop_back();
    if (out.empty()) return;
    if (out.back() != '\n') out += "\n\n";
    else if (out.size() < 2 || out[out.size() - 2] != '\n') out += '\n';
  }

  bool overBudget() {
    if (emitted_ > limits_.maxOutputBytes) truncated = true;
    return truncated;
  }

  // Counts what the text of the message adds (not the markers blocks put around it again).
  std::string counted(std::string text) {
    emitted_ += text.size();
    return text;
  }

  // Only the text of a subtree (too deep for structure, or inside a heading/table cell where
  // markdown allows no blocks); dropped elements stay dropped.
  std::string plainText(const xmlNode* node) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      return node->content != nullptr ? std::string(reinterpret_cast<const char*>(node->content))
                                      : std::string();
    }
    if (node->type != XML_ELEMENT_NODE || droppedElement(nameOf(node))) return {};
    std::string out;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (out.size() > limits_.maxOutputBytes) break;
      out += plainText(child);
    }
    if (named(node, "br")) out += ' ';
    return out;
  }

  std::string inlineChildren(const xmlNode* node, std::size_t depth, bool lineStart) {
    std::string out;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (overBudget()) break;
      out += inlineOf(child, depth + 1, lineStart && (out.empty() || out.back() == '\n'));
    }
    return out;
  }

  std::string wrap(std::string_view marker, const std::string& inner) {
    // markdown needs the markers against the text: "**a** b", never "** a **"
    const auto first = inner.find_first_not_of(' ');
    if (first == std::string::npos) return inner;
    const auto last = inner.find_last_not_of(' ');
    return inner.substr(0, first) + std::string(marker) + inner.substr(first, last - first + 1) +
           std::string(marker) + inner.substr(last + 1);
  }

  std::string inlineOf(const xmlNode* node, std::size_t depth, bool lineStart) {
    if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
      std::string text = collapseWhitespace(
          node->content != nullptr ? reinterpret_cast<const char*>(node->content) : "");
      if (lineStart) {
        const auto first = text.find_first_not_of(' ');
        text = first == std::string::npos ? std::string() : text.substr(first);
      }
      return counted(escapeText(text, lineStart));
    }
    if (node->type != XML_ELEMENT_NODE) return {};
    const std::string_view name = nameOf(node);
    if (droppedElement(name)) return {};
    if (depth > limits_.maxDepth)
      return counted(escapeText(collapseWhitespace(plainText(node)), lineStart));
    if (name == "br") return counted("\n");
    if (name == "b" || name == "strong") return wrap("**", inlineChildren(node, depth, lineStart));
    if (name == "i" || name == "em") return wrap("*", inlineChildren(node, depth, lineStart));
    if (name == "del" || name == "s" || name == "strike") {
      return wrap("~~", inlineChildren(node, depth, lineStart));
    }
    if (name == "code") {
      const std::string code = collapseWhitespace(plainText(node));
      if (code.empty()) return {};
      const std::string fence = fenceFor(code, 1);
      const bool pad = code.front() == '`' || code.back() == '`';
      return counted(fence + (pad ? " " : "") + code + (pad ? " " : "") + fence);
    }
    if (name == "a") return link(node, depth, lineStart);
    if (name == "img") {
      std::string alt = attributeOf(node, "alt");
      if (alt.empty()) alt = attributeOf(node, "title");
      return counted(escapeText(collapseWhitespace(alt), lineStart));
    }
    if (blockElement(name)) {
      // a block where only inline content fits (a heading, a table cell): its text
      return counted(escapeText(collapseWhitespace(plainText(node)), lineStart));
    }
    // u, sup, sub, span, font and every unknown element: the text, without the markup
    return inlineChildren(node, depth, lineStart);
  }

  std::string link(const xmlNode* node, std::size_t depth, bool lineStart) {
    const std::string href = attributeOf(node, "href");
    if (auto mxid = userIdOfPermalink(href)) {
      if (std::find(mentioned.begin(), mentioned.end(), *mxid) == mentioned.end() &&
          mentioned.size() < 100) {
        mentioned.push_back(*mxid);
      }
      if (resolver_) {
        if (auto username = resolver_(*mxid); username && !username->empty()) {
          return counted("@" + *username);
        }
      }
      return inlineChildren(node, depth, lineStart);
    }
    const std::string text = inlineChildren(node, depth, lineStart);
    const auto url = safeHref(href, 4096);
    if (!url) return text;
    if (trimmed(text).empty()) return counted(*url);
    if (collapseWhitespace(plainText(node)) == href) return counted(*url);
    // link text holds no links of its own
    std::string label = text;
    std::replace(label.begin(), label.end(), '\n', ' ');
    emitted_ += url->size() + 4;  // the label is counted already
    return "[" + label + "](" + *url + ")";
  }

  std::string blockOf(const xmlNode* node, std::size_t depth) {
    const std::string_view name = nameOf(node);
    if (droppedElement(name)) return {};
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      const std::string text = trimmed(collapseWhitespace(plainText(node)));
      if (text.empty()) return {};
      return counted(std::string(static_cast<std::size_t>(name[1] - '0'), '#') + " " +
                     escapeText(text, false));
    }
    if (name == "hr") return counted("---");
    if (name == "pre") return preformatted(node);
    if (name == "blockquote") {
      const std::string inner = normalizeBlankLines(blocks(node, depth));
      if (inner.empty()) return {};
      return prefixLines(inner, "> ", "> ");
    }
    if (name == "ul" || name == "ol") return list(node, depth, name == "ol");
    if (name == "table") return table(node);
    // p, div, li outside a list, details, summary, caption, tr: their content
    return normalizeBlankLines(blocks(node, depth));
  }

  std::string preformatted(const xmlNode* node) {
    std::string code = plainTextKeepingBreaks(node);
    while (!code.empty() && code.back() == '\n') code.pop_back();
    std::string language;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (child->type == XML_ELEMENT_NODE && named(child, "code")) {
        const std::string cls = attributeOf(child, "class");
        if (cls.rfind("language-", 0) == 0) language = cls.substr(9);
      }
    }
    if (!std::all_of(language.begin(), language.end(),
                     [](char c) {
                       return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' ||
                              c == '+' || c == '_' || c == '#' || c == '.';
                     }) ||
        language.size() > 32) {
      language.clear();
    }
    const std::string fence = fenceFor(code, 3);
    return counted(fence + language + "\n" + code + "\n" + fence);
  }

  std::string plainTextKeepingBreaks(const xmlNode* node) {
    std::string out;
    for (const xmlNode* child = node->children; child != nullptr; child = child->next) {
      if (out.size() > limits_.maxOutputBytes) break;
      if (child->type == XML_ELEMENT_NODE && named(child, "br")) {
        out += '\n';
      } else if (child->type == XML_ELEMENT_NODE && !droppedElement(nameOf(child))) {
        out += plainTextKeepingBreaks(child);
      } else if (child->type == XML_TEXT_NODE || child->type == XML_CDATA_SECTION_NODE) {
        if (child->content != nullptr) out += reinterpret_cast<const char*>(child->content);
      }
    }
    return out;
  }

  std::string list(const xmlNode* node, std::size_t depth, bool ordered) {
    long number = 1;
    if (ordered) {
      const std::string start = attributeOf(node, "start");
      if (!start.empty() && start.size() < 9 && std::all_of(start.begin(), start.end(), [](char c) {
            return std::isdigit(static_cast<unsigned char>(c)) != 0;
          })) {
        number = std::strtol(start.c_str(), nullptr, 10);
      }
    }
    std::string out;
    for (const xmlNode* item = node->children; item != nullptr; item = item->next) {
      if (overBudget()) break;
      std::string content;
      if (item->type == XML_ELEMENT_NODE && named(item, "li")) {
        content = normalizeBlankLines(blocks(item, depth + 1));
      } else if (item->type == XML_ELEMENT_NODE || item->type == XML_TEXT_NODE) {
        content = trimmed(inlineOf(item, depth + 1, true));
      }
      if (content.empty()) continue;
      const std::string marker = ordered ? std::to_string(number++) + ". " : "- ";
      if (!out.empty()) out += '\n';
      out += prefixLines(content, marker, std::string(marker.size(), ' '));
    }
    return out;
  }

  std::string cell(const xmlNode* node) {
    std::string text = escapeText(trimmed(collapseWhitespace(plainText(node))), false);
    std::string out;
    for (const char c : text) {
      if (c == '|') out += '\\';
      out += c;
    }
    return out;
  }

  void rowsOf(const xmlNode* parent, std::vector<std::vector<std::string>>& rows,
              std::size_t depth) {
    for (const xmlNode* node = parent->children; node != nullptr; node = node->next) {
      if (node->type != XML_ELEMENT_NODE || rows.size() > 1000 || depth > 4) continue;
      if (named(node, "tr")) {
        std::vector<std::string> row;
        for (const xmlNode* c = node->children; c != nullptr; c = c->next) {
          if (c->type == XML_ELEMENT_NODE && (named(c, "td") || named(c, "th")) &&
              row.size() < 64) {
            row.push_back(cell(c));
          }
        }
        rows.push_back(std::move(row));
      } else if (named(node, "thead") || named(node, "tbody") || named(node, "tfoot")) {
        rowsOf(node, rows, depth + 1);
      }
    }
  }

  std::string table(const xmlNode* node) {
    std::vector<std::vector<std::string>> rows;
    rowsOf(node, rows, 0);
    std::size_t columns = 0;
    for (const auto& row : rows) columns = std::max(columns, row.size());
    if (columns == 0) return {};
    std::string out;
    for (std::size_t r = 0; r < rows.size(); ++r) {
      out += '|';
      for (std::size_t c = 0; c < columns; ++c) {
        out += ' ';
        out += c < rows[r].size() ? rows[r][c] : std::string();
        out += " |";
      }
      out += '\n';
      if (r == 0) {
        out += '|';
        for (std::size_t c = 0; c < columns; ++c) out += " --- |";
        out += '\n';
      }
    }
    out.pop_back();
    return counted(out);
  }

  const MentionResolver& resolver_;
  const MarkupLimits& limits_;
  std::size_t emitted_ = 0;
};

void initLibxml() {
  static std::once_flag once;
  std::call_once(once, [] { xmlInitParser(); });
}

std::string cutAtCodePoint(std::string text, std::size_t maxBytes) {
  if (text.size() <= maxBytes) return text;
  std::size_t cut = maxBytes;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  return text;
}

}  // namespace

MatrixText markdownToMatrix(std::string_view markdown,
                            const std::map<std::string, std::string>& mentions,
                            const MarkupLimits& limits) {
  MatrixText out;
  out.body = utf8::sanitized(trimmed(markdown));
  if (out.body.empty()) return out;
  std::map<std::string, std::string> lowered;
  for (const auto& [username, mxid] : mentions) lowered.emplace(lower(username), mxid);

  Parsed parsed = parseMarkdown(out.body);
  for (cmark_node* node : allNodes(parsed.document.get())) {
    const cmark_node_type type = cmark_node_get_type(node);
    if (type == CMARK_NODE_HTML_INLINE || type == CMARK_NODE_HTML_BLOCK) htmlNodesToText(node);
  }
  for (cmark_node* node : allNodes(parsed.document.get())) {
    if (cmark_node_get_type(node) == CMARK_NODE_IMAGE) imageToLink(node);
  }
  for (cmark_node* node : allNodes(parsed.document.get())) {
    if (cmark_node_get_type(node) == CMARK_NODE_TEXT && !insideLink(node)) {
      pillMentions(node, lowered, out);
    }
  }
  char* rendered = cmark_render_html(parsed.document.get(), kCmarkOptions,
                                     cmark_parser_get_syntax_extensions(parsed.parser.get()));
  std::string html = rendered != nullptr ? rendered : "";
  std::free(rendered);  // NOLINT(cppcoreguidelines-no-malloc): cmark's buffer
  while (!html.empty() && html.back() == '\n') html.pop_back();

  // Plain text renders as "<p>text</p>" with <br /> for its newlines: nothing the body does not
  // already say, so no formatted_body (as Element does for unformatted messages).
  std::string plain = "<p>";
  for (std::size_t start = 0; start <= out.body.size();) {
    std::size_t end = out.body.find('\n', start);
    if (end == std::string::npos) end = out.body.size();
    if (start > 0) plain += "<br />\n";
    core::appendXmlEscaped(plain, std::string_view(out.body).substr(start, end - start));
    start = end + 1;
  }
  plain += "</p>";
  if (html != plain && html.size() <= limits.maxFormattedBytes) out.formattedBody = std::move(html);
  return out;
}

std::vector<std::string> mentionedUsernames(std::string_view markdown) {
  std::vector<std::string> names;
  Parsed parsed = parseMarkdown(markdown);
  for (cmark_node* node : allNodes(parsed.document.get())) {
    if (cmark_node_get_type(node) != CMARK_NODE_TEXT || insideLink(node)) continue;
    const auto spans = findMentions(literalOf(node), [](const std::string& name) {
      return !name.empty() && name.back() != '.' && name.back() != '-' && name.back() != '_' &&
             name.back() != ':';
    });
    for (const auto& span : spans) {
      if (!isRoomMention(span.name) && names.size() < 100) appendUnique(names, span.name);
    }
  }
  return names;
}

std::optional<MarkdownResult> htmlToMarkdown(std::string_view html, const MentionResolver& resolver,
                                             const MarkupLimits& limits) {
  if (html.size() > limits.maxInputBytes) return std::nullopt;
  MarkdownResult result;
  if (trimmed(html).empty()) return result;
  initLibxml();
  const int options = HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET |
                      HTML_PARSE_NODEFDTD | HTML_PARSE_NOIMPLIED;
  // A wrapper element gives one root for the fragment, whatever it starts with.
  const std::string document = "<div>" + std::string(html) + "</div>";
  std::unique_ptr<htmlParserCtxt, decltype(&htmlFreeParserCtxt)> context(htmlNewParserCtxt(),
                                                                         &htmlFreeParserCtxt);
  if (!context) return std::nullopt;
  htmlDocPtr doc = htmlCtxtReadMemory(context.get(), document.data(),
                                      static_cast<int>(document.size()), nullptr, "UTF-8", options);
  if (doc == nullptr) return std::nullopt;
  std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> owner(doc, &xmlFreeDoc);
  // libxml2 stops at its nesting limit (256) and drops the rest of the document: what is left
  // is not what the sender wrote, so the caller falls back to the plain body.
  if (context->errNo == XML_ERR_INTERNAL_ERROR) return std::nullopt;
  HtmlConverter converter(resolver, limits);
  const std::string markdown = converter.sequence(doc->children, 0);
  result.markdown = normalizeBlankLines(markdown);
  result.mentionedUserIds = std::move(converter.mentioned);
  result.truncated = converter.truncated;
  if (result.markdown.size() > limits.maxOutputBytes) {
    result.markdown = cutAtCodePoint(std::move(result.markdown), limits.maxOutputBytes);
    result.truncated = true;
  }
  return result;
}

std::optional<std::string> userIdOfPermalink(std::string_view href) {
  std::string_view rest = href;
  for (std::string_view prefix : {"https://matrix.to/#/", "http://matrix.to/#/"}) {
    if (rest.substr(0, prefix.size()) == prefix) {
      rest.remove_prefix(prefix.size());
      std::string id = percentDecoded(rest.substr(0, rest.find_first_of("?#")));
      const auto colon = id.find(':');
      if (id.size() < 4 || id.size() > 255 || id[0] != '@' || colon == std::string::npos ||
          colon == 1 || colon + 1 == id.size()) {
        return std::nullopt;
      }
      const bool clean = std::none_of(id.begin(), id.end(), [](char c) {
        const auto byte = static_cast<unsigned char>(c);
        return byte <= 0x20 || byte == 0x7F || c == '/' || c == '<' || c == '>' || c == '"';
      });
      if (!clean) return std::nullopt;
      return id;
    }
  }
  return std::nullopt;
}

std::string escapeMarkdown(std::string_view text) { return escapeText(text, true); }

}  // namespace parley::bridges::matrix
