// A libstrophe stanza built from an XML tree reads back as the tree that toXml() writes: for what
// the translator produces it is the stanza that writing the tree out and parsing it back gave
// (what the live crossing sent before), and for the tree's edge cases (namespaces, attributes it
// cannot write, text XML cannot carry) it keeps what that parse lost (xml:lang, xmlns='').
//
// The other way, a received stanza's tree read from its nodes (toTree) is the tree its text
// parses into, held to the same limits, except where the text loses something (line ends and
// tabs libstrophe writes raw, the root's jabber:client); its size counted (xmlSize) is its
// text's.

#include "bridges/xmpp/stanza.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "bridges/xmpp/translate.hpp"
#include "bridges/xmpp/xml_tree.hpp"

namespace parley::bridges::xmpp {
namespace {

constexpr std::string_view kNsComponent = "jabber:component:accept";

class StanzaFromTreeTest : public ::testing::Test {
 protected:
  StanzaFromTreeTest() : ctx_(xmpp_ctx_new(nullptr, nullptr)) {}
  ~StanzaFromTreeTest() override { xmpp_ctx_free(ctx_); }

  // Attributes in name order at every level: libstrophe keeps them in a hash table.
  static XmlElement sorted(XmlElement element) {
    std::sort(element.attributes.begin(), element.attributes.end());
    for (auto& child : element.children) child = sorted(std::move(child));
    return element;
  }

  // The stanza as a receiver reads it: its text parsed into a tree again.
  static XmlElement received(const Stanza& stanza) {
    EXPECT_TRUE(stanza);
    auto tree = parseXml(stanza.toXml());
    EXPECT_TRUE(tree.ok()) << stanza.toXml();
    return tree.ok() ? sorted(*tree) : XmlElement{};
  }

  // The tree as toXml() writes it, read back.
  static XmlElement written(const XmlElement& element) {
    auto tree = parseXml(toXml(element, kNsComponent));
    EXPECT_TRUE(tree.ok());
    return tree.ok() ? sorted(*tree) : XmlElement{};
  }

  xmpp_ctx_t* ctx_;
};

TEST_F(StanzaFromTreeTest, TheTranslatorsStanzasAreTheOnesParsedFromTheirText) {
  OutboundRequest request;
  request.address = {"town-square@mm.example/alice", "town-square@mm.example",
                     ChatType::kGroupchat};
  request.txnId = "t1";
  request.rootRemoteId = "root-1";
  request.rootAuthorName = "bob";
  request.rootText = "the *question*";
  request.fileUrls = {"https://mm.example/files/f1?token=a&b=c"};
  core::model::CanonicalMessage message;
  message.change = core::model::MessageChange::kPost;
  message.postId = "p1";
  message.rootId = "r1";
  message.text = "**bold** & <tags> \"quoted\" 'single'\r\nline two \x01 caf\u00e9 \xff";
  core::model::FileRef file;
  file.name = "a b.png";
  file.mimeType = "image/png";
  file.size = 10;
  message.files.push_back(file);
  auto stanzas = toXmpp(message, request);
  ASSERT_TRUE(stanzas.ok()) << stanzas.error().message;
  ASSERT_EQ(stanzas->size(), 2u);
  for (const auto& out : *stanzas) {
    const Stanza built = Stanza::fromTree(ctx_, out.element, kNsComponent);
    const Stanza parsed = Stanza::parse(ctx_, toXml(out.element, kNsComponent));
    EXPECT_EQ(received(built), received(parsed))
        << "built:  " << built.toXml() << "\nparsed: " << parsed.toXml();
  }
}

TEST_F(StanzaFromTreeTest, NamespacesAttributesAndTextAreWrittenAsToXmlWritesThem) {
  XmlElement message("message", std::string(kNsComponent));
  message.setAttribute("type", "groupchat");
  message.setAttribute("xml:lang", "en");
  message.setAttribute("{urn:other}hidden", "left out");
  message.setAttribute("id", "a\x02<&>'\"");
  // (No CR: libstrophe writes it raw, and a parser reads a raw CR LF as LF.)
  message.addText("body", std::string(kNsComponent), "text \x1f\xef\xbf\xbe kept\n \xff");
  XmlElement& reply = message.add(XmlElement("reply", "urn:xmpp:reply:0"));
  reply.setAttribute("id", "root");
  reply.add(XmlElement("inner", "urn:xmpp:reply:0")).text = "same namespace as its parent";
  message.add(XmlElement("unqualified", ""));
  message.add(XmlElement("only-unsafe-text", "urn:x")).text = "\x01\x02";

  const XmlElement back = received(Stanza::fromTree(ctx_, message, kNsComponent));
  EXPECT_EQ(back, written(message));
  EXPECT_EQ(back.attributeOr("id"), "a<&>'\"");
  EXPECT_EQ(back.attributeOr("xml:lang"), "en");
  EXPECT_EQ(back.attribute("{urn:other}hidden"), nullptr);
  EXPECT_EQ(back.child("body", "")->text, "text  kept\n \ufffd");
  EXPECT_EQ(back.child("reply", "urn:xmpp:reply:0")->child("inner", "urn:xmpp:reply:0")->text,
            "same namespace as its parent");
  EXPECT_NE(back.child("unqualified", ""), nullptr);
  EXPECT_EQ(back.child("only-unsafe-text", "urn:x")->text, "");
}

// Stanzas as a component receives them, in the stream's namespace: namespaces that change and
// come back, attributes in another namespace (libstrophe keeps their local name) and xml:lang
// ("lang" after libstrophe), entities, text between children, empty elements, non-ASCII.
const std::vector<std::string> kReceived = {
    "<message xmlns='jabber:component:accept' from='room@conference.example/bob' "
    "to='alice@mm.example' type='groupchat' id='m1' xml:lang='en'>"
    "<body>&gt; quoted &amp; &lt;b&gt; &quot;x&quot; &apos;y&apos; caf\u00e9 \U0001F600</body>"
    "<reply xmlns='urn:xmpp:reply:0' to='room@conference.example/carol' id='s0'/>"
    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:reply:0'><body start='0' end='11'/>"
    "</fallback>"
    "<origin-id xmlns='urn:xmpp:sid:0' id='o1'/>"
    "<stanza-id xmlns='urn:xmpp:sid:0' by='room@conference.example' id='s1'/>"
    "<x xmlns='jabber:x:oob'><url>https://files.example/a?b=1&amp;c=2</url></x>"
    "<html xmlns='http://jabber.org/protocol/xhtml-im'><body xmlns='http://www.w3.org/1999/xhtml'"
    ">one <em>two</em> three<br/>four</body></html>"
    "<active xmlns='http://jabber.org/protocol/chatstates'/>"
    "<tag xmlns:f='urn:f' f:mark='1' plain='2'/>"
    "</message>",
    "<message xmlns='jabber:component:accept' from='bob@partner.example/phone' "
    "to='town@mm.example' type='groupchat' id='r1'>"
    "<reactions xmlns='urn:xmpp:reactions:0' id='p1'><reaction>\U0001F44D</reaction>"
    "<reaction>x</reaction></reactions><store xmlns='urn:xmpp:hints'/></message>",
    "<message xmlns='jabber:component:accept' from='bob@partner.example/phone' "
    "to='town@mm.example' type='groupchat' id='e1'><body>fixed</body>"
    "<replace xmlns='urn:xmpp:message-correct:0' id='m1'/></message>",
    "<message xmlns='jabber:component:accept' to='town@mm.example' type='groupchat' id='d1'>"
    "<retract xmlns='urn:xmpp:message-retract:1' id='m1'/>"
    "<fallback xmlns='urn:xmpp:fallback:0' for='urn:xmpp:message-retract:1'/>"
    "<body>retracted</body></message>",
    "<iq xmlns='jabber:component:accept' type='get' id='q1' to='mm.example'>"
    "<query xmlns='http://jabber.org/protocol/disco#info' node=''/></iq>",
};

using StanzaToTreeTest = StanzaFromTreeTest;

TEST_F(StanzaToTreeTest, AReceivedStanzasTreeIsTheTreeItsTextParsesInto) {
  for (const auto& wire : kReceived) {
    const Stanza stanza = Stanza::parse(ctx_, wire);
    ASSERT_TRUE(stanza) << wire;
    const std::string text = stanza.toXml();
    EXPECT_EQ(stanza.xmlSize(), text.size()) << text;
    auto tree = stanza.toTree();
    auto parsed = parseXml(text);
    ASSERT_TRUE(tree.ok()) << tree.error().message;
    ASSERT_TRUE(parsed.ok()) << parsed.error().message;
    // In the same order: both follow libstrophe's attribute table.
    EXPECT_EQ(*tree, *parsed) << text;
  }
  const XmlElement first = *Stanza::parse(ctx_, kReceived[0]).toTree();
  EXPECT_EQ(first.attributeOr("lang"), "en");
  EXPECT_EQ(first.child("body", std::string(kNsComponent))->text,
            "> quoted & <b> \"x\" 'y' caf\u00e9 \U0001F600");
  const XmlElement* html = first.child("html", "http://jabber.org/protocol/xhtml-im");
  ASSERT_NE(html, nullptr);
  const XmlElement* xhtml = html->child("body", "http://www.w3.org/1999/xhtml");
  ASSERT_NE(xhtml, nullptr);
  EXPECT_EQ(xhtml->text, "one  threefour");
  EXPECT_NE(xhtml->child("br", "http://www.w3.org/1999/xhtml"), nullptr);
  EXPECT_EQ(first.child("tag", std::string(kNsComponent))->attributeOr("mark"), "1");
}

TEST_F(StanzaToTreeTest, ItsSizeIsTheSizeOfItsTextAsLibstropheWritesIt) {
  // Built, not parsed: an xmlns equal to the parent's (left unwritten), jabber:client on the
  // outermost element (left unwritten) and inside it (written), text beside children.
  Stanza message = Stanza::element(ctx_, "message", "jabber:client");
  message.set("to", "a&b\"<>");
  message.addText("body", "jabber:client", "x < y & \"z\"");
  Stanza inner = message.addChild("inner", "urn:other");
  inner.addChild("same", "urn:other");
  inner.addChild("client", "jabber:client");
  inner.addChild("bare");
  Stanza text = Stanza::adopt(xmpp_stanza_new(ctx_));
  xmpp_stanza_set_text(text.get(), "tail > text");
  message.add(text);
  EXPECT_EQ(message.xmlSize(), message.toXml().size()) << message.toXml();
  EXPECT_EQ(Stanza::element(ctx_, "empty").xmlSize(), std::string("<empty/>").size());
  EXPECT_EQ(Stanza().xmlSize(), 0u);
}

TEST_F(StanzaToTreeTest, ItKeepsTheLineEndsTabsAndNamespaceItsTextLoses) {
  const Stanza stanza = Stanza::parse(
      ctx_,
      "<message xmlns='jabber:client' id='a&#9;b&#10;c&#13;d'><body>one&#13;&#10;two&#13;"
      "three</body></message>");
  ASSERT_TRUE(stanza);
  auto tree = stanza.toTree();
  ASSERT_TRUE(tree.ok());
  EXPECT_EQ(tree->ns, "jabber:client");
  EXPECT_EQ(tree->attributeOr("id"), "a\tb\nc\rd");
  ASSERT_NE(tree->child("body", "jabber:client"), nullptr);
  EXPECT_EQ(tree->child("body", "jabber:client")->text, "one\r\ntwo\rthree");

  // What writing it out and parsing it again gives instead.
  auto parsed = parseXml(stanza.toXml());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ns, "");
  EXPECT_EQ(parsed->attributeOr("id"), "a b c d");
  ASSERT_NE(parsed->child("body", ""), nullptr);
  EXPECT_EQ(parsed->child("body", "")->text, "one\ntwo\nthree");
}

TEST_F(StanzaToTreeTest, ItReadsANamespaceNameHoldingASpaceAsTheServerDid) {
  // libstrophe separates a namespace from a name with U+001F, our expat parser with a space,
  // which it then refuses inside a namespace name.
  const Stanza stanza = Stanza::parse(
      ctx_, "<message xmlns='jabber:component:accept'><x xmlns='urn:a b'>y</x></message>");
  ASSERT_TRUE(stanza);
  auto tree = stanza.toTree();
  ASSERT_TRUE(tree.ok()) << tree.error().message;
  ASSERT_NE(tree->child("x", "urn:a b"), nullptr);
  EXPECT_EQ(tree->child("x", "urn:a b")->text, "y");
  EXPECT_FALSE(parseXml(stanza.toXml()).ok());
}

TEST_F(StanzaToTreeTest, ItIsHeldToTheLimitsParsingItsTextIsHeldTo) {
  // Four elements, three deep; the outermost has three attributes besides its xmlns.
  const Stanza stanza =
      Stanza::parse(ctx_,
                    "<message xmlns='jabber:component:accept' to='t@mm.example' id='1' type='chat'>"
                    "<body>hi</body><x xmlns='urn:x'><y/></x></message>");
  ASSERT_TRUE(stanza);
  const std::string text = stanza.toXml();
  const auto sameOutcome = [&](const XmlLimits& limits, bool accepted, const std::string& what) {
    SCOPED_TRACE(what);
    auto tree = stanza.toTree(limits);
    auto parsed = parseXml(text, limits);
    EXPECT_EQ(tree.ok(), accepted);
    ASSERT_EQ(tree.ok(), parsed.ok());
    if (accepted) {
      EXPECT_EQ(*tree, *parsed);
      return;
    }
    EXPECT_EQ(tree.error().code, core::ErrorCode::kTooLarge);
    EXPECT_EQ(tree.error().code, parsed.error().code);
    EXPECT_EQ(tree.error().id, parsed.error().id);
    EXPECT_EQ(tree.error().message, parsed.error().message);
  };
  // One limit set to what the stanza needs, then to one less; the others left at their default.
  const auto atAndOneOver = [&](const std::string& what, std::size_t needed, auto set) {
    XmlLimits limits;
    set(limits, needed);
    sameOutcome(limits, true, what + ": at the limit");
    set(limits, needed - 1);
    sameOutcome(limits, false, what + ": one over");
  };
  atAndOneOver("bytes", text.size(), [](XmlLimits& l, std::size_t n) { l.maxBytes = n; });
  atAndOneOver("depth", 3, [](XmlLimits& l, std::size_t n) { l.maxDepth = static_cast<int>(n); });
  atAndOneOver("elements", 4, [](XmlLimits& l, std::size_t n) { l.maxElements = n; });
  atAndOneOver("attributes", 3, [](XmlLimits& l, std::size_t n) { l.maxAttributes = n; });
}

}  // namespace
}  // namespace parley::bridges::xmpp
