#include "bridges/matrix/markup.hpp"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace parley::bridges::matrix {
namespace {

const std::map<std::string, std::string> kNoMentions;

std::string markdownOf(std::string_view html, const MentionResolver& resolver = nullptr,
                       const MarkupLimits& limits = {}) {
  auto result = htmlToMarkdown(html, resolver, limits);
  EXPECT_TRUE(result.has_value()) << html.substr(0, 200);
  return result ? result->markdown : std::string();
}

// ------------------------------------------------------------------ markdown -> Matrix HTML

TEST(MarkdownToMatrixTest, PlainTextHasABodyAndNoFormattedBody) {
  const MatrixText text = markdownToMatrix("  hello world  \n", kNoMentions);
  EXPECT_EQ(text.body, "hello world");
  EXPECT_EQ(text.formattedBody, "");
  // a newline alone is a line break in Mattermost, and in a Matrix body: still plain
  EXPECT_EQ(markdownToMatrix("one\ntwo", kNoMentions).formattedBody, "");
  // characters HTML escapes are no formatting either
  EXPECT_EQ(markdownToMatrix("a < b & c > \"d\"", kNoMentions).formattedBody, "");
  EXPECT_EQ(markdownToMatrix("", kNoMentions).body, "");
}

TEST(MarkdownToMatrixTest, FormattingBecomesTheSpecsHtmlSubset) {
  const MatrixText text = markdownToMatrix(
      "**bold** *it* _it2_ ~~gone~~ `code` [docs](https://example.org)", kNoMentions);
  EXPECT_EQ(text.body, "**bold** *it* _it2_ ~~gone~~ `code` [docs](https://example.org)");
  EXPECT_EQ(text.formattedBody,
            "<p><strong>bold</strong> <em>it</em> <em>it2</em> <del>gone</del> <code>code</code> "
            "<a href=\"https://example.org\">docs</a></p>");
}

TEST(MarkdownToMatrixTest, BlocksListsQuotesCodeAndLineBreaks) {
  EXPECT_EQ(
      markdownToMatrix("# Title\n\n- one\n- two\n\n> quoted\n\n```cpp\nint x;\n```", kNoMentions)
          .formattedBody,
      "<h1>Title</h1>\n<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n<blockquote>\n<p>quoted</p>\n"
      "</blockquote>\n<pre><code class=\"language-cpp\">int x;\n</code></pre>");
  EXPECT_EQ(markdownToMatrix("**a**\nb", kNoMentions).formattedBody,
            "<p><strong>a</strong><br />\nb</p>");
}

TEST(MarkdownToMatrixTest, TablesAndAutolinksAsMattermostRendersThem) {
  EXPECT_EQ(markdownToMatrix("| a | b |\n|---|---|\n| 1 | 2 |", kNoMentions).formattedBody,
            "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n<tr>\n"
            "<td>1</td>\n<td>2</td>\n</tr>\n</tbody>\n</table>");
  EXPECT_EQ(markdownToMatrix("see https://example.org/x now", kNoMentions).formattedBody,
            "<p>see <a href=\"https://example.org/x\">https://example.org/x</a> now</p>");
}

TEST(MarkdownToMatrixTest, RawHtmlInAPostIsTextAsMattermostShowsIt) {
  const MatrixText text = markdownToMatrix("*x* <script>alert(1)</script>", kNoMentions);
  EXPECT_EQ(text.formattedBody, "<p><em>x</em> &lt;script&gt;alert(1)&lt;/script&gt;</p>");
  EXPECT_EQ(markdownToMatrix("<div onclick=\"x\">\nhi\n</div>", kNoMentions).formattedBody, "");
  EXPECT_EQ(markdownToMatrix("<b>x</b>\n\n**y**", kNoMentions).formattedBody,
            "<p>&lt;b&gt;x&lt;/b&gt;</p>\n<p><strong>y</strong></p>");
}

TEST(MarkdownToMatrixTest, UnsafeLinksAreNotLinkedAndImagesBecomeLinks) {
  EXPECT_EQ(markdownToMatrix("[x](javascript:alert(1)) **b**", kNoMentions).formattedBody,
            "<p><a href=\"\">x</a> <strong>b</strong></p>");
  // Matrix HTML images must be mxc:// URIs: a web image goes out as a link
  EXPECT_EQ(markdownToMatrix("![a cat](https://example.org/cat.png)", kNoMentions).formattedBody,
            "<p><a href=\"https://example.org/cat.png\">a cat</a></p>");
}

TEST(MarkdownToMatrixTest, MentionsOfBridgedUsersBecomePills) {
  const std::map<std::string, std::string> mentions{
      {"alice", "@mm_alice:hs.example"}, {"carol:partner.example", "@carol:partner.example"}};
  const MatrixText text =
      markdownToMatrix("hi @Alice, @carol:partner.example and @bob. `@alice` @alice.", mentions);
  EXPECT_EQ(text.body, "hi @Alice, @carol:partner.example and @bob. `@alice` @alice.");
  EXPECT_EQ(text.formattedBody,
            "<p>hi <a href=\"https://matrix.to/#/@mm_alice:hs.example\">@Alice</a>, "
            "<a href=\"https://matrix.to/#/@carol:partner.example\">@carol:partner.example</a> "
            "and @bob. <code>@alice</code> "
            "<a href=\"https://matrix.to/#/@mm_alice:hs.example\">@alice</a>.</p>");
  EXPECT_EQ(text.mentionedUserIds,
            (std::vector<std::string>{"@mm_alice:hs.example", "@carol:partner.example"}));
  EXPECT_FALSE(text.mentionsRoom);
  // an e-mail address is not a mention
  EXPECT_TRUE(markdownToMatrix("mail x@alice.org", mentions).mentionedUserIds.empty());
}

TEST(MarkdownToMatrixTest, ChannelWideMentionsMentionTheRoom) {
  for (const char* text : {"@channel look", "@here", "ping @all!"}) {
    const MatrixText out = markdownToMatrix(text, kNoMentions);
    EXPECT_TRUE(out.mentionsRoom) << text;
    EXPECT_EQ(out.formattedBody, "") << text;
  }
  EXPECT_FALSE(markdownToMatrix("@channels", kNoMentions).mentionsRoom);
}

TEST(MarkdownToMatrixTest, OversizeHtmlIsLeftOutAndTheBodyStays) {
  MarkupLimits limits;
  limits.maxFormattedBytes = 40;
  const MatrixText text =
      markdownToMatrix("**" + std::string(100, 'a') + "**", kNoMentions, limits);
  EXPECT_EQ(text.formattedBody, "");
  EXPECT_EQ(text.body.size(), 104U);
}

TEST(MentionedUsernamesTest, ListsCandidatesOutsideCodeAndLinks) {
  EXPECT_EQ(mentionedUsernames("@Alice and @bob.x, again @alice; @channel `@code` "
                               "[@link](https://e.org) @carol:partner.example."),
            (std::vector<std::string>{"alice", "bob.x", "carol:partner.example"}));
  EXPECT_TRUE(mentionedUsernames("no one, a@b.c").empty());
}

// ------------------------------------------------------------------ Matrix HTML -> markdown

TEST(HtmlToMarkdownTest, InlineFormattingOfTheSpecsSubset) {
  EXPECT_EQ(markdownOf("<b>bold</b> <strong>strong</strong> <i>it</i> <em>em</em> "
                       "<del>del</del> <s>s</s> <code>x</code> <u>under</u> <sup>2</sup>"),
            "**bold** **strong** *it* *em* ~~del~~ ~~s~~ `x` under 2");
  EXPECT_EQ(markdownOf("a<br>b<br/>c"), "a\nb\nc");
  EXPECT_EQ(markdownOf("<code>a`b</code>"), "``a`b``");
  EXPECT_EQ(markdownOf("<b> spaced </b>x"), "**spaced** x");
}

TEST(HtmlToMarkdownTest, BlocksBecomeMarkdownBlocks) {
  EXPECT_EQ(markdownOf("<h2>Title</h2><p>one</p><p>two</p><hr><blockquote><p>q1</p><p>q2</p>"
                       "</blockquote>"),
            "## Title\n\none\n\ntwo\n\n---\n\n> q1\n>\n> q2");
  EXPECT_EQ(markdownOf("<ul><li>a</li><li>b<ul><li>c</li></ul></li></ul><ol start=\"3\"><li>x"
                       "</li><li>y</li></ol>"),
            "- a\n- b\n\n  - c\n\n3. x\n4. y");
  EXPECT_EQ(markdownOf("<pre><code class=\"language-python\">print(1)\nx = `y`\n</code></pre>"),
            "```python\nprint(1)\nx = `y`\n```");
  EXPECT_EQ(markdownOf("<table><thead><tr><th>a</th><th>b|c</th></tr></thead><tbody><tr><td>1"
                       "</td><td>2</td></tr></tbody></table>"),
            "| a | b\\|c |\n| --- | --- |\n| 1 | 2 |");
}

TEST(HtmlToMarkdownTest, LinksKeepOnlyAllowedSchemes) {
  EXPECT_EQ(markdownOf("<a href=\"https://example.org/a_(b)\">the *docs*</a>"),
            "[the \\*docs\\*](https://example.org/a_%28b%29)");
  EXPECT_EQ(markdownOf("<a href=\"https://example.org\">https://example.org</a>"),
            "https://example.org");
  EXPECT_EQ(markdownOf("<a href=\"javascript:alert(1)\">click</a>"), "click");
  EXPECT_EQ(markdownOf("<a href=\"data:text/html,x\">d</a> <a href=\"vbscript:x\">v</a>"), "d v");
  EXPECT_EQ(markdownOf("<a href=\"mailto:a@b.c\">mail</a>"), "[mail](mailto:a@b.c)");
  EXPECT_EQ(markdownOf("<a href=\"https://e.org/a b\">spaces</a>"), "spaces");
}

TEST(HtmlToMarkdownTest, ScriptsStylesAndTheReplyFallbackAreDropped) {
  EXPECT_EQ(markdownOf("<script>alert(1)</script><style>p{}</style>safe"), "safe");
  EXPECT_EQ(markdownOf("<mx-reply><blockquote><a href=\"https://matrix.to/#/!r:hs/$e\">In reply "
                       "to</a> <a href=\"https://matrix.to/#/@bob:hs\">@bob:hs</a><br>original"
                       "</blockquote></mx-reply>the answer"),
            "the answer");
  EXPECT_EQ(markdownOf("<iframe src=\"https://x\">frame</iframe><object>o</object>ok"), "ok");
}

TEST(HtmlToMarkdownTest, UnknownTagsKeepTheirTextAndAttributesAreIgnored) {
  EXPECT_EQ(markdownOf("<marquee onmouseover=\"x()\">moving</marquee> <span "
                       "data-mx-spoiler=\"\">secret</span> <font color=\"red\">red</font>"),
            "moving secret red");
  EXPECT_EQ(markdownOf("<img src=\"mxc://hs/abc\" alt=\"a cat\"> <img src=\"https://x/y\">"),
            "a cat");
  EXPECT_EQ(markdownOf("<details><summary>more</summary>hidden</details>"), "more\n\nhidden");
}

TEST(HtmlToMarkdownTest, TextCannotBecomeMarkdownItWasNot) {
  EXPECT_EQ(markdownOf("2*3*4 a_b_c [x](y) &lt;b&gt; \\"),
            "2\\*3\\*4 a\\_b\\_c \\[x\\](y) \\<b\\> \\\\");
  EXPECT_EQ(markdownOf("<p># not a heading</p><p>- not a list</p><p>1. not a list</p>"),
            "\\# not a heading\n\n\\- not a list\n\n1\\. not a list");
  // URLs in text stay as they are (a backslash would break them)
  EXPECT_EQ(markdownOf("see https://example.org/a_b*c"), "see https://example.org/a_b*c");
  EXPECT_EQ(escapeMarkdown("*typed* _as_ is"), "\\*typed\\* \\_as\\_ is");
}

TEST(HtmlToMarkdownTest, PillsBecomeMentions) {
  const MentionResolver resolver = [](std::string_view mxid) -> std::optional<std::string> {
    if (mxid == "@mm_alice:hs.example") return std::string("alice");
    if (mxid == "@bob:partner.example") return std::string("bob:partner.example");
    return std::nullopt;
  };
  auto result = htmlToMarkdown(
      "hi <a href=\"https://matrix.to/#/@mm_alice:hs.example\">Alice</a>, <a "
      "href=\"https://matrix.to/#/%40bob%3Apartner.example\">Bob</a> and <a "
      "href=\"https://matrix.to/#/@eve:else.example\">Eve</a>",
      resolver);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->markdown, "hi @alice, @bob:partner.example and Eve");
  EXPECT_EQ(result->mentionedUserIds,
            (std::vector<std::string>{"@mm_alice:hs.example", "@bob:partner.example",
                                      "@eve:else.example"}));
}

TEST(HtmlToMarkdownTest, PermalinksNameUsersOnly) {
  EXPECT_EQ(userIdOfPermalink("https://matrix.to/#/@a:hs"), "@a:hs");
  EXPECT_EQ(userIdOfPermalink("https://matrix.to/#/%40a%3Ahs?via=hs"), "@a:hs");
  EXPECT_FALSE(userIdOfPermalink("https://matrix.to/#/!room:hs"));
  EXPECT_FALSE(userIdOfPermalink("https://matrix.to/#/@nohost"));
  EXPECT_FALSE(userIdOfPermalink("https://evil.example/#/@a:hs"));
  EXPECT_FALSE(userIdOfPermalink("https://matrix.to/#/@a:hs/$event"));
}

TEST(HtmlToMarkdownTest, DeepNestingAndSizeAreBounded) {
  // deeper than maxDepth: the text stays, the structure goes
  std::string deep;
  for (int i = 0; i < 100; ++i) deep += "<blockquote><b>";
  deep += "x";
  auto kept = htmlToMarkdown(deep, nullptr);
  ASSERT_TRUE(kept);
  EXPECT_NE(kept->markdown.find('x'), std::string::npos);
  EXPECT_LT(kept->markdown.size(), 2000U);
  // deeper than libxml2 parses (256): the caller uses the plain body
  std::string deeper;
  for (int i = 0; i < 5000; ++i) deeper += "<ul><li>";
  EXPECT_FALSE(htmlToMarkdown(deeper + "x", nullptr));

  MarkupLimits limits;
  limits.maxInputBytes = 100;
  EXPECT_FALSE(htmlToMarkdown(std::string(101, 'a'), nullptr, limits));

  limits = MarkupLimits{};
  limits.maxOutputBytes = 1000;
  std::string many;
  for (int i = 0; i < 500; ++i) many += "<p>paragraph</p>";
  auto result = htmlToMarkdown(many, nullptr, limits);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result->truncated);
  EXPECT_LE(result->markdown.size(), 1000U);
}

TEST(HtmlToMarkdownTest, BrokenHtmlStillGivesItsText) {
  EXPECT_EQ(markdownOf("<b>open <i>never closed"), "**open *never closed***");
  EXPECT_EQ(markdownOf("</div></p>after<"), "after\\<");
  EXPECT_EQ(markdownOf(""), "");
}

}  // namespace
}  // namespace parley::bridges::matrix
