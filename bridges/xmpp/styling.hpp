#pragma once
// Mattermost markdown <-> XEP-0393 message styling (xmpp.md §8.3). XMPP clients get plain text
// with styling, never XHTML-IM.
//
// Egress parses the markdown with cmark-gfm (CommonMark + GitHub's strikethrough, table,
// autolink and task-list extensions, `~~` only as Mattermost) and renders the tree:
//   **b** -> *b*   *i* / _i_ -> _i_   ~~s~~ -> ~s~   `code` and ``` blocks as they are
//   > quote stays   [text](url) -> text <url>   a bare/auto link -> the URL   ![alt](url) ->
//   alt <url>   # heading -> *heading*   lists -> "- item" / "1. item" indented per level
//   tables -> "a | b" rows   --- -> ―――   HTML -> its source text   soft/hard breaks -> newline
// Styling has no escapes, so literal *, _, ~ or ` from markdown can style text in a client
// that renders XEP-0393; that is accepted (the characters are still there to read).
//
// Ingress parses XEP-0393 as the XEP says (blocks first: ``` preformatted, > quotations
// recursively, then lazily matched spans per line) and writes markdown that shows the same:
//   *b* -> **b**   _i_ -> *i*   ~s~ -> ~~s~~   `c` -> `c`   ``` block -> fenced block
//   > quote -> > quote
// Text that markdown would otherwise interpret (\ * _ [ ] ` and ~~, a leading # - + = |
// or "1." on a line) is backslash-escaped, except inside URLs and @mentions so links and
// mentions keep working.

#include <string>
#include <string_view>

namespace parley::bridges::xmpp {

std::string markdownToStyling(std::string_view markdown);
std::string stylingToMarkdown(std::string_view styled);

}  // namespace parley::bridges::xmpp
