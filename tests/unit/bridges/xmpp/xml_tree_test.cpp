#include "bridges/xmpp/xml_tree.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::bridges::xmpp {
namespace {

TEST(XmlTreeTest, ParsesAStanzaWithNamespacesAttributesAndText) {
  auto parsed = parseXml(
      "<message xmlns='jabber:client' to='room@mm.example' type='groupchat' id='a1' "
      "xml:lang='en'><body>5 &lt; 6 &amp; &#x1F44D;</body>"
      "<origin-id xmlns='urn:xmpp:sid:0' id='a1'/></message>");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message;
  const XmlElement& message = *parsed;
  EXPECT_EQ(message.name, "message");
  EXPECT_EQ(message.ns, "jabber:client");
  EXPECT_EQ(message.attributeOr("type"), "groupchat");
  EXPECT_EQ(message.attributeOr("xml:lang"), "en");
  ASSERT_NE(message.child("body", "jabber:client"), nullptr);
  EXPECT_EQ(message.child("body", "jabber:client")->text, "5 < 6 & \U0001F44D");
  ASSERT_NE(message.child("origin-id", "urn:xmpp:sid:0"), nullptr);
  EXPECT_EQ(message.child("origin-id", "urn:xmpp:sid:0")->attributeOr("id"), "a1");
  EXPECT_EQ(message.child("origin-id", "jabber:client"), nullptr);
}

TEST(XmlTreeTest, PrefixedNamespacesResolveLikeDefaultOnes) {
  auto parsed = parseXml(
      "<m:message xmlns:m='jabber:client' xmlns:s='urn:xmpp:sid:0'><s:origin-id id='x'/>"
      "</m:message>");
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->ns, "jabber:client");
  EXPECT_NE(parsed->child("origin-id", "urn:xmpp:sid:0"), nullptr);
}

TEST(XmlTreeTest, SerialisesWithEscapingAndOnlyTheNeededNamespaceDeclarations) {
  XmlElement message("message", "jabber:client");
  message.setAttribute("to", "a'b\"c@example.org");
  message.addText("body", "jabber:client", "<b> & 'q'\r\nnext\x01");
  message.add(XmlElement("store", "urn:xmpp:hints"));
  EXPECT_EQ(toXml(message, "jabber:component:accept"),
            "<message xmlns='jabber:client' to='a&apos;b&quot;c@example.org'>"
            "<body>&lt;b&gt; &amp; 'q'&#xD;\nnext</body><store xmlns='urn:xmpp:hints'/>"
            "</message>");
  EXPECT_EQ(toXml(message, "jabber:client").substr(0, 12), "<message to=");
  // what we write parses back to the same tree (the control character is dropped)
  auto back = parseXml(toXml(message));
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->child("body", "jabber:client")->text, "<b> & 'q'\r\nnext");
}

TEST(XmlTreeTest, InvalidUtf8IsReplacedSoTheOutputStaysWellFormed) {
  EXPECT_EQ(xmlSafeText("ok\xFF\xC0\x80 \xEF\xBF\xBE end"), "ok\uFFFD\uFFFD\uFFFD  end");
  XmlElement body("body", "jabber:client");
  body.text = "bad \xE2\x82";
  EXPECT_TRUE(parseXml(toXml(body)).ok());
}

TEST(XmlTreeTest, RefusesWhatXmppForbidsOrWhatIsTooBig) {
  const auto error = [](std::string_view xml, const XmlLimits& limits = {}) {
    auto parsed = parseXml(xml, limits);
    return parsed.ok() ? core::ErrorCode::kInternal : parsed.error().code;
  };
  using core::ErrorCode;
  EXPECT_EQ(error("<message><body>unclosed</message>"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error(""), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error("<a/><b/>"), ErrorCode::kInvalidArgument);
  EXPECT_EQ(error("<message xmlns:p='x'><q:body/></message>"), ErrorCode::kInvalidArgument);
  // billion laughs: a DOCTYPE with entities is refused before any expansion
  EXPECT_EQ(error("<!DOCTYPE m [<!ENTITY a 'aaaa'><!ENTITY b '&a;&a;&a;'>]><m>&b;</m>"),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(error("<m>&undefined;</m>"), ErrorCode::kInvalidArgument);
  std::string deep;
  for (int i = 0; i < 40; ++i) deep += "<a>";
  for (int i = 0; i < 40; ++i) deep += "</a>";
  EXPECT_EQ(error(deep), ErrorCode::kTooLarge);
  EXPECT_EQ(error("<m>" + std::string(std::size_t{300} * 1024, 'x') + "</m>"),
            ErrorCode::kTooLarge);
  std::string wide = "<m>";
  for (int i = 0; i < 3000; ++i) wide += "<e/>";
  EXPECT_EQ(error(wide + "</m>"), ErrorCode::kTooLarge);
}

}  // namespace
}  // namespace parley::bridges::xmpp
