#include "bridges/xmpp/styling.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace parley::bridges::xmpp {
namespace {

struct Case {
  std::string from;
  std::string to;
};

TEST(MarkdownToStylingTest, MattermostMarkdownBecomesXep0393) {
  const std::vector<Case> cases = {
      {"plain text", "plain text"},
      {"**bold** and *italic* and _also italic_", "*bold* and _italic_ and _also italic_"},
      {"~~gone~~ but ~town-square stays", "~gone~ but ~town-square stays"},
      {"`code` stays", "`code` stays"},
      {"```js\nlet a = 1;\n```", "```js\nlet a = 1;\n```"},
      {"> quoted\n> twice\n\nafter", "> quoted\n> twice\n\nafter"},
      {"see [the docs](https://example.org/docs)", "see the docs <https://example.org/docs>"},
      {"bare https://example.org/x_y_z link", "bare https://example.org/x_y_z link"},
      {"<https://example.org>", "https://example.org"},
      {"![diagram](https://example.org/d.png)", "diagram <https://example.org/d.png>"},
      {"# Heading\ntext", "*Heading*\ntext"},
      {"# Heading\n\ntext", "*Heading*\n\ntext"},
      {"- one\n- two\n  - nested", "- one\n- two\n  - nested"},
      {"1. first\n2. second", "1. first\n2. second"},
      {"- [x] done\n- [ ] todo", "- [x] done\n- [ ] todo"},
      {"| a | b |\n|---|---|\n| 1 | 2 |", "*a | b*\n1 | 2"},
      {"line one\nline two", "line one\nline two"},
      {"before\n\n---\n\nafter", "before\n\n\u2015\u2015\u2015\n\nafter"},
      {"**bold *and italic***", "*bold _and italic_*"},
      {"** not bold **", "** not bold **"},
      {"@alice look at ~off-topic :tada:", "@alice look at ~off-topic :tada:"},
      {"<b>html</b> is text", "<b>html</b> is text"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(markdownToStyling(c.from), c.to) << c.from;
}

TEST(StylingToMarkdownTest, Xep0393ExamplesBecomeMarkdown) {
  const std::vector<Case> cases = {
      // XEP-0393 §5.2 "would be styled"
      {"*strong*", "**strong**"},
      {"plain *strong* plain", "plain **strong** plain"},
      {"*strong* plain *strong*", "**strong** plain **strong**"},
      {"*strong*plain*", "**strong**plain\\*"},
      {"* plain *strong*", "\\* plain **strong**"},
      // "Nothing would be styled"
      {"not strong*", "not strong\\*"},
      {"*not strong", "\\*not strong"},
      {"*not \n strong*", "\\*not \n strong\\*"},
      {"*not *strong", "\\*not \\*strong"},
      {"**", "\\*\\*"},
      {"****", R"(\*\*\*\*)"},
      // §5.2.x examples
      {"The full title is _Twelfth Night, or What You Will_ but",
       "The full title is *Twelfth Night, or What You Will* but"},
      {"Everyone ~dis~likes cake.", "Everyone ~~dis~~likes cake."},
      {"Wow, I can write in `monospace`!", "Wow, I can write in `monospace`!"},
      {"This is `*monospace*`", "This is `*monospace*`"},
      {"This is *`monospace and bold`*", "This is **`monospace and bold`**"},
      {"_emphasized span containing *strong span*_",
       "*emphasized span containing **strong span***"},
      // §5.1 blocks
      {"```ignored\n(println \"Hello, world!\")\n```\n\nThis should show up as monospace",
       "```ignored\n(println \"Hello, world!\")\n```\n\nThis should show up as monospace"},
      {"> That that is, is.\n\nSaid the old hermit of Prague.",
       "> That that is, is.\n\nSaid the old hermit of Prague."},
      {">> That that is, is.\n> Said the old hermit of Prague.\n\nWho?",
       "> > That that is, is.\n> Said the old hermit of Prague.\n\nWho?"},
      {"> ```\n> (println \"Hello, world!\")\n\nplaintext",
       "> ```\n> (println \"Hello, world!\")\n> ```\n\nplaintext"},
      // markdown that plain XMPP text would otherwise trigger
      {"# not a heading", "\\# not a heading"},
      {"- not a list", "\\- not a list"},
      {"1. not a list", "1\\. not a list"},
      {"[not](a link)", "\\[not\\](a link)"},
      {R"(snake_case and a\b)", R"(snake\_case and a\\b)"},
      {"~~ not struck", "\\~~ not struck"},
      // URLs and mentions stay as typed so Mattermost links and notifies
      {"see https://example.org/a_b*c and @john_doe",
       "see https://example.org/a_b*c and @john_doe"},
      {"", ""},
  };
  for (const auto& c : cases) EXPECT_EQ(stylingToMarkdown(c.from), c.to) << c.from;
}

TEST(StylingToMarkdownTest, PreformattedTextThatHoldsFencesGetsALongerFence) {
  EXPECT_EQ(stylingToMarkdown("```\n````\n```"), "`````\n````\n`````");
}

TEST(StylingToMarkdownTest, DeepQuotesAndLongLinesStayBounded) {
  // nesting beyond the limit is kept as text instead of recursing without end
  const std::string deep(100000, '>');
  const std::string markdown = stylingToMarkdown(deep);
  EXPECT_NE(markdown.find("\\>"), std::string::npos);
  // a line full of unmatched openers is linear, not quadratic (this would take minutes)
  std::string openers;
  for (int i = 0; i < 200000; ++i) openers += " *a";
  EXPECT_EQ(stylingToMarkdown(openers).size(), openers.size() + 200000);
}

TEST(StylingRoundTripTest, MarkdownThatStylingCanExpressComesBack) {
  const std::vector<std::string> texts = {
      "plain text",
      "**bold** and *italic* and ~~struck~~",
      "`code` and **bold with `code`**",
      "> a quote\n\nand an answer",
      "```\nint main() {}\n```",
      "line one\nline two",
  };
  for (const auto& text : texts) {
    EXPECT_EQ(stylingToMarkdown(markdownToStyling(text)), text) << text;
  }
}

}  // namespace
}  // namespace parley::bridges::xmpp
