#include "bridges/xmpp/styling.hpp"

#include <cmark-gfm-core-extensions.h>
#include <cmark-gfm-extension_api.h>
#include <cmark-gfm.h>

#include <algorithm>
#include <array>
#include <memory>
#include <mutex>
#include <vector>

#include "bridges/common/utf8.hpp"

namespace parley::bridges::xmpp {

namespace {

// ---------------------------------------------------------------- markdown -> styling (egress)

using NodePtr = std::unique_ptr<cmark_node, decltype(&cmark_node_free)>;
using ParserPtr = std::unique_ptr<cmark_parser, decltype(&cmark_parser_free)>;

constexpr int kCmarkOptions =
    CMARK_OPT_STRIKETHROUGH_DOUBLE_TILDE | CMARK_OPT_VALIDATE_UTF8 | CMARK_OPT_SOURCEPOS;

std::string_view typeString(cmark_node* node) {
  const char* type = cmark_node_get_type_string(node);
  return type != nullptr ? std::string_view(type) : std::string_view();
}

std::string_view literal(cmark_node* node) {
  const char* text = cmark_node_get_literal(node);
  return text != nullptr ? std::string_view(text) : std::string_view();
}

// The markdown being rendered, by line: whether the author left a blank line between two
// blocks (cmark's end lines are not reliable for every block type). Set for the duration of
// one markdownToStyling() call on this thread.
thread_local const std::vector<std::string_view>* gSourceLines = nullptr;

// Line `line` (1-based) holds nothing but whitespace and quote markers.
bool blankSourceLine(int line) {
  if (gSourceLines == nullptr || line < 1 ||
      static_cast<std::size_t>(line) > gSourceLines->size()) {
    return false;
  }
  const std::string_view text = (*gSourceLines)[static_cast<std::size_t>(line) - 1];
  return text.find_first_not_of(" \t\r>") == std::string_view::npos;
}

std::vector<std::string_view> splitLines(std::string_view text);
std::string renderBlocks(cmark_node* parent);
std::string renderInlines(cmark_node* parent);
std::string renderBlock(cmark_node* node);

// Styling needs the directive right against the text: "*b*", never "* b *". Whitespace at
// the ends of the styled text moves outside the directives; empty text gets none.
std::string wrapSpan(std::string_view directive, const std::string& inner) {
  const auto first = inner.find_first_not_of(" \t\n");
  if (first == std::string::npos) return inner;
  const auto last = inner.find_last_not_of(" \t\n");
  std::string out = inner.substr(0, first);
  out += directive;
  out += inner.substr(first, last - first + 1);
  out += directive;
  out += inner.substr(last + 1);
  return out;
}

std::string renderLink(cmark_node* node, bool image) {
  const char* urlText = cmark_node_get_url(node);
  std::string url = urlText != nullptr ? urlText : "";
  std::string text = renderInlines(node);
  if (url.empty()) return text;
  if (text.empty()) return url;
  // autolinks and links whose text is the address itself: the address once
  if (!image && (text == url || "http://" + text == url || "https://" + text == url ||
                 "mailto:" + text == url)) {
    return text;
  }
  return text + " <" + url + ">";
}

std::string renderInline(cmark_node* node) {
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_TEXT: return std::string(literal(node));
    case CMARK_NODE_SOFTBREAK:
    case CMARK_NODE_LINEBREAK: return "\n";
    case CMARK_NODE_CODE: {
      const std::string_view code = literal(node);
      return "`" + std::string(code) + "`";
    }
    case CMARK_NODE_HTML_INLINE: return std::string(literal(node));
    case CMARK_NODE_EMPH: return wrapSpan("_", renderInlines(node));
    case CMARK_NODE_STRONG: return wrapSpan("*", renderInlines(node));
    case CMARK_NODE_LINK: return renderLink(node, false);
    case CMARK_NODE_IMAGE: return renderLink(node, true);
    default: break;
  }
  if (typeString(node) == "strikethrough") return wrapSpan("~", renderInlines(node));
  // footnote references and anything newer: their text
  const std::string_view text = literal(node);
  return text.empty() ? renderInlines(node) : std::string(text);
}

std::string renderInlines(cmark_node* parent) {
  std::string out;
  for (cmark_node* child = cmark_node_first_child(parent); child != nullptr;
       child = cmark_node_next(child)) {
    out += renderInline(child);
  }
  return out;
}

// Prefixes the first line with `first` and the others with `rest` (empty lines stay empty
// unless the prefix is a quote marker).
std::string prefixLines(const std::string& text, std::string_view first, std::string_view rest,
                        bool quote) {
  std::string out;
  std::size_t start = 0;
  bool isFirst = true;
  while (true) {
    const auto end = text.find('\n', start);
    const std::string_view line =
        std::string_view(text).substr(start, end == std::string::npos ? end : end - start);
    const std::string_view prefix = isFirst ? first : rest;
    if (!line.empty()) {
      out += prefix;
      out += line;
    } else if (quote || isFirst) {
      // a quote keeps its empty lines inside (">"); a first line keeps its marker
      std::string_view trimmed = prefix;
      while (!trimmed.empty() && trimmed.back() == ' ') trimmed.remove_suffix(1);
      out += trimmed;
    }
    isFirst = false;
    if (end == std::string::npos) break;
    out += '\n';
    start = end + 1;
  }
  return out;
}

std::string renderList(cmark_node* list) {
  const bool ordered = cmark_node_get_list_type(list) == CMARK_ORDERED_LIST;
  const bool tight = cmark_node_get_list_tight(list) != 0;
  int number = ordered ? cmark_node_get_list_start(list) : 0;
  std::string out;
  for (cmark_node* item = cmark_node_first_child(list); item != nullptr;
       item = cmark_node_next(item)) {
    std::string marker = ordered ? std::to_string(number++) + ". " : "- ";
    if (typeString(item) == "tasklist") {
      marker += cmark_gfm_extensions_get_tasklist_item_checked(item) ? "[x] " : "[ ] ";
    }
    std::string body;
    for (cmark_node* block = cmark_node_first_child(item); block != nullptr;
         block = cmark_node_next(block)) {
      if (!body.empty()) body += tight ? "\n" : "\n\n";
      body += renderBlock(block);
    }
    if (!out.empty()) out += tight ? "\n" : "\n\n";
    out += prefixLines(body, marker, std::string(marker.size(), ' '), false);
  }
  return out;
}

std::string renderTable(cmark_node* table) {
  std::string out;
  for (cmark_node* row = cmark_node_first_child(table); row != nullptr;
       row = cmark_node_next(row)) {
    std::string line;
    for (cmark_node* cell = cmark_node_first_child(row); cell != nullptr;
         cell = cmark_node_next(cell)) {
      if (cell != cmark_node_first_child(row)) line += " | ";
      line += renderInlines(cell);
    }
    if (!out.empty()) out += '\n';
    out += cmark_gfm_extensions_get_table_row_is_header(row) ? wrapSpan("*", line) : line;
  }
  return out;
}

std::string renderBlock(cmark_node* node) {
  switch (cmark_node_get_type(node)) {
    case CMARK_NODE_PARAGRAPH: return renderInlines(node);
    case CMARK_NODE_HEADING: return wrapSpan("*", renderInlines(node));
    case CMARK_NODE_BLOCK_QUOTE: return prefixLines(renderBlocks(node), "> ", "> ", true);
    case CMARK_NODE_CODE_BLOCK: {
      std::string code(literal(node));
      if (!code.empty() && code.back() == '\n') code.pop_back();
      const char* info = cmark_node_get_fence_info(node);
      return "```" + std::string(info != nullptr ? info : "") + "\n" + code + "\n```";
    }
    case CMARK_NODE_HTML_BLOCK: {
      std::string html(literal(node));
      while (!html.empty() && html.back() == '\n') html.pop_back();
      return html;
    }
    case CMARK_NODE_THEMATIC_BREAK: return "\u2015\u2015\u2015";
    case CMARK_NODE_LIST: return renderList(node);
    case CMARK_NODE_ITEM: return renderBlocks(node);
    default: break;
  }
  if (typeString(node) == "table") return renderTable(node);
  return renderBlocks(node);
}

std::string renderBlocks(cmark_node* parent) {
  std::string out;
  int previousEnd = 0;
  for (cmark_node* child = cmark_node_first_child(parent); child != nullptr;
       child = cmark_node_next(child)) {
    const bool isInline = (static_cast<unsigned>(cmark_node_get_type(child)) &
                           CMARK_NODE_TYPE_MASK) == CMARK_NODE_TYPE_INLINE;
    std::string block = isInline ? renderInline(child) : renderBlock(child);
    if (block.empty()) continue;
    // blocks the author wrote on consecutive lines stay on consecutive lines
    if (!out.empty()) {
      const int start = cmark_node_get_start_line(child);
      out += start > previousEnd + 1 || blankSourceLine(start - 1) ? "\n\n" : "\n";
    }
    out += block;
    previousEnd = cmark_node_get_end_line(child);
  }
  return out;
}

void registerExtensions() {
  static std::once_flag once;
  std::call_once(once, [] { cmark_gfm_core_extensions_ensure_registered(); });
}

// ---------------------------------------------------------------- styling -> markdown (ingress)

constexpr std::string_view kSpanDirectives = "*_~`";
// Quotations deeper than this are kept as text (an escaped '>'), so hostile nesting cannot
// exhaust the stack.
constexpr int kMaxQuoteDepth = 16;

bool isUrlStart(std::string_view text, std::size_t pos) {
  const std::string_view rest = text.substr(pos);
  return rest.starts_with("https://") || rest.starts_with("http://") ||
         rest.starts_with("mailto:") || rest.starts_with("xmpp:");
}

bool whitespaceBefore(std::string_view text, std::size_t pos) {
  return pos == 0 || utf8::isWhitespace(utf8::previous(text, pos));
}

// Plain text as markdown that shows exactly these characters.
void escapePlain(std::string& out, std::string_view text) {
  for (std::size_t pos = 0; pos < text.size();) {
    const char c = text[pos];
    // a URL or an @mention stays as typed, so Mattermost links and mentions it
    if (whitespaceBefore(text, pos) && (isUrlStart(text, pos) || c == '@')) {
      std::size_t end = pos;
      while (end < text.size() && !utf8::isWhitespace(utf8::decode(text, end).codepoint)) {
        end += utf8::decode(text, end).length;
      }
      out.append(text.substr(pos, end - pos));
      pos = end;
      continue;
    }
    switch (c) {
      case '\\':
      case '*':
      case '_':
      case '`':
      case '[':
      case ']':
        out += '\\';
        out += c;
        break;
      case '~':
        // Mattermost strikes through ~~ only; a single ~ (a channel link) stays
        if (pos + 1 < text.size() && text[pos + 1] == '~') out += '\\';
        out += c;
        break;
      default: out += c;
    }
    ++pos;
  }
}

// A markdown code span around text that may itself hold backticks.
std::string codeSpan(std::string_view code) {
  if (code.find('`') == std::string_view::npos) return "`" + std::string(code) + "`";
  return "`` " + std::string(code) + " ``";
}

// The spans of one line (or of a span's content): XEP-0393 §5.2, lazily matched. A closing
// directive is any directive character not preceded by whitespace; the next one of each kind
// from every position is found in one backward pass, so a line full of unmatched openers
// stays linear.
std::string spansToMarkdown(std::string_view text) {
  constexpr std::size_t kNone = std::string_view::npos;
  std::array<std::vector<std::size_t>, kSpanDirectives.size()> nextClose;
  for (auto& next : nextClose) next.assign(text.size() + 1, kNone);
  for (std::size_t j = text.size(); j-- > 0;) {
    for (std::size_t k = 0; k < kSpanDirectives.size(); ++k) nextClose[k][j] = nextClose[k][j + 1];
    const auto kind = kSpanDirectives.find(text[j]);
    if (kind != std::string_view::npos && j > 0 && !utf8::isWhitespace(utf8::previous(text, j))) {
      nextClose[kind][j] = j;
    }
  }
  std::string out;
  std::size_t plainStart = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    const char c = text[pos];
    const auto kind = kSpanDirectives.find(c);
    if (kind == std::string_view::npos || !whitespaceBefore(text, pos) || pos + 2 >= text.size() ||
        utf8::isWhitespace(utf8::decode(text, pos + 1).codepoint)) {
      ++pos;
      continue;
    }
    // the first closing directive with some text before it that is not only this directive
    // ("**" and "****" style nothing)
    std::size_t firstOther = pos + 1;
    while (firstOther < text.size() && text[firstOther] == c) ++firstOther;
    const std::size_t close =
        firstOther + 1 < text.size() ? nextClose[kind][firstOther + 1] : kNone;
    if (close == kNone) {
      ++pos;
      continue;
    }
    escapePlain(out, text.substr(plainStart, pos - plainStart));
    const std::string_view inner = text.substr(pos + 1, close - pos - 1);
    switch (c) {
      case '`': out += codeSpan(inner); break;
      case '*': out += "**" + spansToMarkdown(inner) + "**"; break;
      case '_': out += "*" + spansToMarkdown(inner) + "*"; break;
      default: out += "~~" + spansToMarkdown(inner) + "~~"; break;
    }
    pos = close + 1;
    plainStart = pos;
  }
  escapePlain(out, text.substr(plainStart));
  return out;
}

// A plain line: a character that would start a markdown block (heading, list item, table,
// setext underline) at the start of the line is escaped.
std::string plainLineToMarkdown(std::string_view line) {
  std::size_t indent = 0;
  while (indent < line.size() && line[indent] == ' ') ++indent;
  std::string out(line.substr(0, indent));
  const std::string_view rest = line.substr(indent);
  if (!rest.empty()) {
    const char first = rest.front();
    if (first == '#' || first == '-' || first == '+' || first == '=' || first == '|' ||
        first == '>') {
      out += '\\';
    } else if (first >= '0' && first <= '9') {
      std::size_t digits = 0;
      while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
      if (digits < rest.size() && (rest[digits] == '.' || rest[digits] == ')')) {
        out += std::string(rest.substr(0, digits)) + "\\";
        out += spansToMarkdown(rest.substr(digits));
        return out;
      }
    }
  }
  out += spansToMarkdown(rest);
  return out;
}

std::vector<std::string_view> splitLines(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (true) {
    const auto end = text.find('\n', start);
    if (end == std::string_view::npos) {
      lines.push_back(text.substr(start));
      break;
    }
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

void blocksToMarkdown(const std::vector<std::string_view>& lines, std::vector<std::string>& out,
                      int depth);

void quoteToMarkdown(const std::vector<std::string_view>& quoted, std::vector<std::string>& out,
                     int depth) {
  std::vector<std::string> inner;
  blocksToMarkdown(quoted, inner, depth + 1);
  for (const auto& line : inner) out.push_back(line.empty() ? ">" : "> " + line);
}

// XEP-0393 §5.1: preformatted blocks, quotations (children parsed again), plain lines.
void blocksToMarkdown(const std::vector<std::string_view>& lines, std::vector<std::string>& out,
                      int depth) {
  std::size_t i = 0;
  while (i < lines.size()) {
    const std::string_view line = lines[i];
    if (line.starts_with("```")) {
      std::size_t end = i + 1;
      while (end < lines.size() && lines[end] != "```") ++end;
      // a fence longer than any run of backticks that starts a line inside
      std::size_t fence = 3;
      for (std::size_t k = i + 1; k < end; ++k) {
        std::size_t run = 0;
        while (run < lines[k].size() && lines[k][run] == '`') ++run;
        fence = std::max(fence, run + 1);
      }
      const std::string marker(fence, '`');
      // the text after ``` is a hint XEP-0393 ignores; markdown takes a word as the language
      std::string_view hint = line.substr(3);
      const bool word = !hint.empty() && hint.find_first_of(" \t`") == std::string_view::npos;
      out.push_back(marker + (word ? std::string(hint) : std::string()));
      for (std::size_t k = i + 1; k < end; ++k) out.emplace_back(lines[k]);
      out.push_back(marker);
      i = end < lines.size() ? end + 1 : end;
      continue;
    }
    if (line.starts_with(">") && depth < kMaxQuoteDepth) {
      std::vector<std::string_view> quoted;
      while (i < lines.size() && lines[i].starts_with(">")) {
        std::string_view inner = lines[i].substr(1);
        // "the first leading whitespace character trimmed"
        if (!inner.empty() && utf8::isWhitespace(utf8::decode(inner, 0).codepoint)) {
          inner.remove_prefix(utf8::decode(inner, 0).length);
        }
        quoted.push_back(inner);
        ++i;
      }
      quoteToMarkdown(quoted, out, depth);
      continue;
    }
    out.push_back(plainLineToMarkdown(line));
    ++i;
  }
}

}  // namespace

std::string markdownToStyling(std::string_view markdown) {
  registerExtensions();
  ParserPtr parser(cmark_parser_new(kCmarkOptions), &cmark_parser_free);
  for (const char* name : {"strikethrough", "table", "autolink", "tasklist"}) {
    if (cmark_syntax_extension* extension = cmark_find_syntax_extension(name)) {
      cmark_parser_attach_syntax_extension(parser.get(), extension);
    }
  }
  cmark_parser_feed(parser.get(), markdown.data(), markdown.size());
  NodePtr document(cmark_parser_finish(parser.get()), &cmark_node_free);
  const std::vector<std::string_view> lines = splitLines(markdown);
  gSourceLines = &lines;
  std::string styled = renderBlocks(document.get());
  gSourceLines = nullptr;
  return styled;
}

std::string stylingToMarkdown(std::string_view styled) {
  std::vector<std::string> out;
  blocksToMarkdown(splitLines(styled), out, 0);
  std::string joined;
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i > 0) joined += '\n';
    joined += out[i];
  }
  return joined;
}

}  // namespace parley::bridges::xmpp
