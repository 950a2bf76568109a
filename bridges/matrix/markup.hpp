#pragma once
// Text formatting between Mattermost and Matrix (matrix-appservice.md §4.1), pure functions:
//   markdownToMatrix: Mattermost markdown -> `body` (plain text) + `formatted_body` (HTML,
//                     `format: org.matrix.custom.html`), rendered by cmark-gfm with
//                     Mattermost's extensions (tables, strikethrough, autolinks) and its
//                     line-break rule (a single newline is a line break);
//   htmlToMarkdown:   a received `formatted_body` -> Mattermost markdown, through libxml2's
//                     HTML parser and a sanitiser that keeps only what the Matrix spec lets
//                     clients render (the m.room.message HTML section).
// No I/O, no clock. Both directions are bounded (input and output sizes, nesting depth) and
// fuzzed (tests/fuzz/fuzz_matrix_translate).
//
// Sanitiser rules (ingress):
//   - allowed elements: del h1-h6 blockquote p a ul ol sup sub li b i u strong em s code hr br
//     div table thead tbody tr th td caption pre span img details summary (and font, strike,
//     which older clients still send); each becomes its markdown form, or its text where
//     markdown has none (u, sup, sub, span, font, caption, details, summary);
//   - script, style, title, head, template, iframe, object, noscript, textarea, select and
//     `mx-reply` (the rich-reply fallback, spec v1.13: strip on receipt) are dropped with their
//     content; any other element is unwrapped: its text stays;
//   - <a href>: kept only for http, https, ftp, mailto and magnet (the spec's list) and only
//     when the URL has no control characters, spaces or markdown-breaking brackets; otherwise
//     the link text alone stays. A matrix.to permalink to a user
//     (`https://matrix.to/#/@user:server`, a "pill") becomes an @-mention (MentionResolver);
//   - <img>: only mxc:// sources exist in Matrix HTML, which a Mattermost client cannot load:
//     replaced by its alt/title text;
//   - text is escaped so that it cannot become markdown it was not (`*`, `_`, `~`, `` ` ``,
//     `[`, `]`, `\`, `<`, `>`, a leading `#`, `-`, `+`, `|` or `1.` of a line);
//   - deeper than MarkupLimits::maxDepth, elements are kept as their text only.

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace parley::bridges::matrix {

inline constexpr std::string_view kFormatHtml = "org.matrix.custom.html";

struct MarkupLimits {
  std::size_t maxInputBytes = 65536;      // larger HTML is not parsed (the caller uses `body`)
  std::size_t maxOutputBytes = 65536;     // the rendered text stops there (at a code point)
  std::size_t maxDepth = 48;              // element nesting kept as structure
  std::size_t maxFormattedBytes = 40000;  // egress: larger HTML is not sent (body only), so
                                          // the event stays under the 65 536-byte limit
};

// ---------------------------------------------------------------------------------- egress

struct MatrixText {
  std::string body;           // plain text: the markdown with mentions as @name
  std::string formattedBody;  // "" when the HTML says nothing the body does not (or too big)
  std::vector<std::string> mentionedUserIds;  // MXIDs pilled, in order of appearance, unique
  bool mentionsRoom = false;                  // @channel / @all / @here
};

// `mentions`: Mattermost username -> MXID of the users the bridge can address on Matrix (the
// puppets of local users, the Matrix users behind Parley's puppets). "@alice" becomes a pill
// only for a username in that map; mentionedUsernames() lists the candidates to look up.
MatrixText markdownToMatrix(std::string_view markdown,
                            const std::map<std::string, std::string>& mentions,
                            const MarkupLimits& limits = {});

// The @usernames of Mattermost mentions in `markdown` (outside code), lower-cased, unique, in
// order; without the special @channel/@all/@here.
std::vector<std::string> mentionedUsernames(std::string_view markdown);

// ---------------------------------------------------------------------------------- ingress

// The Mattermost username for an MXID named by a pill (the local user behind one of Parley's
// puppets, or the puppet of a Matrix user); nullopt keeps the pill's text. Called during the
// conversion, on the caller's thread: answer from memory, never block.
using MentionResolver = std::function<std::optional<std::string>(std::string_view mxid)>;

struct MarkdownResult {
  std::string markdown;
  std::vector<std::string> mentionedUserIds;  // MXIDs of the pills, unique, in order
  bool truncated = false;                     // maxOutputBytes was reached
};

// A `formatted_body` (HTML fragment) -> Mattermost markdown, sanitised as above. Input over
// maxInputBytes gives nullopt (use the plain `body`).
std::optional<MarkdownResult> htmlToMarkdown(std::string_view html, const MentionResolver& resolver,
                                             const MarkupLimits& limits = {});

// The MXID a matrix.to permalink names ("@user:server" of "https://matrix.to/#/@user:server"
// or "https://matrix.to/#/%40user%3Aserver"), nullopt for anything else.
std::optional<std::string> userIdOfPermalink(std::string_view href);

// A plain `body` that a client sent as text: escaped so that Mattermost renders it as the
// sender saw it (no accidental emphasis, headings or links). Element and most clients send
// markdown source in `body` with the HTML beside it; a plain body without HTML is taken as
// typed, since that is what the Matrix user saw.
std::string escapeMarkdown(std::string_view text);

}  // namespace parley::bridges::matrix
