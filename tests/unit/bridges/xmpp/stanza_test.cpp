// A libstrophe stanza built from an XML tree reads back as the tree that toXml() writes: for what
// the translator produces it is the stanza that writing the tree out and parsing it back gave
// (what the live crossing sent before), and for the tree's edge cases (namespaces, attributes it
// cannot write, text XML cannot carry) it keeps what that parse lost (xml:lang, xmlns='').

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

}  // namespace
}  // namespace parley::bridges::xmpp
