// libFuzzer target: the example bundle (config/policy/northwind.yaml, compiled once) and a
// request built from the fuzz input (action, attribute names and values, label texts, bridge,
// times, a bundle channel). decide() must never crash, and never permit what the bundle's
// tier-0 invariants and local rules forbid, checked with the library's own label functions:
//  - egress (message, thread, file): the bridge's clearance dominates the message label;
//  - ingress: the bridge's clearance and the channel label both dominate the message label;
//  - local access: the subject's clearance dominates the channel label;
//  - nothing leaves (egress, user.egress, channel.link) a channel with bridging: never.
// Deciding a prepared request and a plain one must agree.

#include <fuzzer/FuzzedDataProvider.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"

namespace {

using namespace parley::policy;

void check(bool condition, const char* what) {
  if (condition) return;
  std::fprintf(stderr, "policy property violated: %s\n", what);
  std::abort();
}

BundlePtr loadBundle() {
  const char* path = std::getenv("PARLEY_FUZZ_BUNDLE");
  const std::string file = path ? path : PARLEY_SOURCE_DIR "/config/policy/northwind.yaml";
  auto sources = readSources({file});
  if (!sources) {
    std::fprintf(stderr, "%s\n", sources.error().message.c_str());
    std::abort();
  }
  auto bundle = compileBundle(*sources);
  if (!bundle) {
    std::fprintf(stderr, "%s\n", bundle.error().message.c_str());
    std::abort();
  }
  return *bundle;
}

const CompiledBundle& bundle() {
  static const BundlePtr compiled = loadBundle();
  return *compiled;
}

// Words the fuzzer combines into values: labels and their parts, enum values, bridges,
// servers, times, sizes. Raw fuzz strings are mixed in as well.
const std::vector<std::string>& vocabulary() {
  static const std::vector<std::string> words = {"UNCLASSIFIED",
                                                 "RESTRICTED",
                                                 "CONFIDENTIAL",
                                                 "SECRET",
                                                 "REL",
                                                 "REL TO",
                                                 "CAVEAT",
                                                 "USA",
                                                 "GBR",
                                                 "FRA",
                                                 "NW-CMD",
                                                 "USA,GBR,FRA",
                                                 "USA, GBR",
                                                 "SECRET REL GBR",
                                                 "CONFIDENTIAL REL USA,GBR,FRA",
                                                 "SECRET REL USA,GBR,FRA NW-CMD",
                                                 "UNCLASSIFIED REL FRA",
                                                 "US//CONFIDENTIAL//REL TO USA, GBR, FRA",
                                                 "US//UNCLASSIFIED",
                                                 "member",
                                                 "guest",
                                                 "channel_admin",
                                                 "releasing_officer",
                                                 "never",
                                                 "allowed",
                                                 "NORTHWIND",
                                                 "matrix-fra",
                                                 "xmpp-usa",
                                                 "matrix.def.fra.example",
                                                 "chat.mil.usa.example",
                                                 "evil.example",
                                                 "application/pdf",
                                                 "image/png",
                                                 "text/plain",
                                                 "25MiB",
                                                 "120KiB",
                                                 "2025-12-01T10:00:00Z",
                                                 "2027-01-01T00:00:00Z",
                                                 "dirty_word",
                                                 "malware",
                                                 "metadata",
                                                 "nw/mission-ops",
                                                 "nw/uk-national",
                                                 "nw/liaison",
                                                 ""};
  return words;
}

const std::vector<std::string>& attributeNames() {
  static const std::vector<std::string> names = {"subject.clearance",
                                                 "subject.role",
                                                 "subject.nationality",
                                                 "subject.missions",
                                                 "subject.via_vpn",
                                                 "subject.remote",
                                                 "subject.display",
                                                 "subject.id",
                                                 "channel.label",
                                                 "channel.mission",
                                                 "channel.bridges",
                                                 "channel.bridging",
                                                 "channel.guests",
                                                 "channel.name",
                                                 "message.label",
                                                 "file.type",
                                                 "file.size",
                                                 "content.flags",
                                                 "bridge.id",
                                                 "bridge.clearance",
                                                 "bridge.display",
                                                 "bridge.protocol",
                                                 "remote.label",
                                                 "remote.server",
                                                 "remote.user",
                                                 "remote.server_allowed",
                                                 "env.now"};
  return names;
}

const std::string& pick(FuzzedDataProvider& in, const std::vector<std::string>& items) {
  return items[in.ConsumeIntegralInRange<std::size_t>(0, items.size() - 1)];
}

std::string pickText(FuzzedDataProvider& in) {
  if (in.ConsumeBool()) return in.ConsumeRandomLengthString(64);
  std::string text = pick(in, vocabulary());
  // Sometimes glue two words: "SECRET" + " REL GBR", "REL" + " USA".
  if (in.ConsumeIntegralInRange(0, 3) == 0) text += " " + pick(in, vocabulary());
  return text;
}

Value pickValue(FuzzedDataProvider& in) {
  switch (in.ConsumeIntegralInRange(0, 3)) {
    case 0: return in.ConsumeBool();
    case 1: return in.ConsumeIntegral<std::int64_t>();
    case 2: return pickText(in);
    default: {
      std::vector<std::string> list(in.ConsumeIntegralInRange<std::size_t>(0, 5));
      for (auto& item : list) item = pickText(in);
      return list;
    }
  }
}

// Any label of the example policy: a classification and any subset of the values.
std::string pickLabel(FuzzedDataProvider& in) {
  static const std::vector<std::string> classes = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL",
                                                   "SECRET"};
  std::string text = pick(in, classes);
  std::string rel;
  for (const char* nation : {"USA", "GBR", "FRA"})
    if (in.ConsumeBool()) rel += (rel.empty() ? "" : ",") + std::string(nation);
  if (!rel.empty()) text += " REL " + rel;
  if (in.ConsumeBool()) text += " NW-CMD";
  return text;
}

// Mostly well-formed requests (so that decisions reach the permits), then a few attributes
// of any name and type on top.
Request makeRequest(FuzzedDataProvider& in) {
  Request request;
  const auto& actions = knownActions();
  request.action =
      in.ConsumeIntegralInRange(0, 15) == 0 ? in.ConsumeRandomLengthString(24) : pick(in, actions);
  auto& a = request.attributes;
  if (in.ConsumeIntegralInRange(0, 7) != 0) {
    if (in.ConsumeIntegralInRange(0, 7) != 0 && !bundle().bridges.empty())
      a["bridge.id"] =
          bundle()
              .bridges[in.ConsumeIntegralInRange<std::size_t>(0, bundle().bridges.size() - 1)]
              .id;
    a["subject.id"] = std::string("alice");
    a["subject.display"] = std::string("Alice");
    a["subject.clearance"] = pickLabel(in);
    a["subject.role"] = pick(in, {"member", "guest", "channel_admin", "releasing_officer"});
    a["subject.nationality"] = pick(in, {"USA", "GBR", "FRA"});
    a["subject.via_vpn"] = in.ConsumeBool();
    if (in.ConsumeBool()) a["subject.missions"] = std::vector<std::string>{"NORTHWIND"};
    if (in.ConsumeBool()) a["subject.remote"] = pick(in, {"matrix-fra", "xmpp-usa", "other"});
    if (in.ConsumeBool()) a["message.label"] = pickLabel(in);
    if (in.ConsumeBool())
      a["remote.label"] = in.ConsumeBool() ? pickLabel(in) : pick(in, vocabulary());
    a["remote.user"] = std::string("bob");
    a["remote.server"] =
        pick(in, {"matrix.def.fra.example", "chat.mil.usa.example", "evil.example"});
    a["file.type"] = pick(in, {"application/pdf", "image/png", "application/zip"});
    a["file.size"] = in.ConsumeIntegralInRange<std::int64_t>(0, 40 << 20);
    if (in.ConsumeBool())
      a["content.flags"] =
          std::vector<std::string>{pick(in, {"dirty_word", "malware", "metadata"})};
    a["env.now"] =
        pick(in, {"2025-12-01T10:00:00Z", "2027-01-01T00:00:00Z", "2025-10-01T00:00:00Z"});
  }
  const auto count = in.ConsumeIntegralInRange(0, 6);
  for (int i = 0; i < count && in.remaining_bytes() > 0; ++i) {
    std::string name = in.ConsumeIntegralInRange(0, 15) == 0 ? in.ConsumeRandomLengthString(24)
                                                             : pick(in, attributeNames());
    a[std::move(name)] = pickValue(in);
  }
  if (in.ConsumeIntegralInRange(0, 7) != 0 && !bundle().channels.empty()) {
    const auto& channel =
        bundle().channels[in.ConsumeIntegralInRange<std::size_t>(0, bundle().channels.size() - 1)];
    addChannelAttributes(bundle(), channel.name, request);
  }
  return request;
}

const SlotValue* slotOf(const PreparedRequest& prepared, const char* name) {
  const auto* def = bundle().catalog.attribute(name);
  if (!def) return nullptr;
  return &prepared.slots[static_cast<std::size_t>(def->slot)];
}

bool isLabel(const SlotValue* slot) {
  return slot && slot->present && slot->value.tag == Val::Tag::kLabel;
}

// a dominates b, where both are labels of the bundle's one label policy.
bool dominatesSlots(const SlotValue* a, const SlotValue* b) {
  return isLabel(a) && isLabel(b) &&
         dominates(bundle().catalog.labelPolicies.front(), a->value.label, b->value.label);
}

bool bridgingNever(const PreparedRequest& prepared) {
  const auto* def = bundle().catalog.attribute("channel.bridging");
  if (!def) return false;
  const auto* slot = &prepared.slots[static_cast<std::size_t>(def->slot)];
  const int never =
      bundle().catalog.domains[static_cast<std::size_t>(def->type.domain)].index("never");
  return slot->present && slot->value.tag == Val::Tag::kInt && slot->value.i == never;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzedDataProvider in(data, size);
  const Request request = makeRequest(in);
  const PreparedRequest prepared = prepare(bundle(), request);
  const Decision decision = decide(bundle(), prepared);
  const Decision plain = decide(bundle(), request);
  check(decision.effect == plain.effect && decision.determiningRules == plain.determiningRules,
        "deciding a prepared request and the plain request disagree");
  check(decision.bundleHash == bundle().hash, "decision without the bundle hash");
  (void)userMessage(decision);
  // PARLEY_FUZZ_VERBOSE=1 shows each request and its decision (when replaying files by hand).
  static const bool verbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;
  if (verbose) {
    std::string attributes;
    for (const auto& [name, value] : request.attributes) attributes += " " + name;
    std::fprintf(stderr, "%s [%s] -> %s\n", request.action.c_str(), attributes.c_str(),
                 toAdminJson(decision)
                     .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                     .c_str());
  } else {
    (void)toAdminJson(decision);
  }
  if (!decision.permitted()) return 0;

  check(!decision.determiningRules.empty(), "a permit names no rule");
  const std::string& action = request.action;
  const auto* messageLabel = slotOf(prepared, "message.label");
  const auto* channelLabel = slotOf(prepared, "channel.label");
  const auto* bridgeClearance = slotOf(prepared, "bridge.clearance");
  if (action == "message.egress" || action == "thread.egress" || action == "file.egress") {
    check(dominatesSlots(bridgeClearance, messageLabel),
          "egress permitted although the bridge's clearance does not dominate the message label");
  }
  if (action.ends_with(".egress") || action == "channel.link") {
    check(!bridgingNever(prepared), "something left a channel with bridging: never");
  }
  if (action == "message.ingress" || action == "file.ingress") {
    check(dominatesSlots(bridgeClearance, messageLabel),
          "ingress permitted above the bridge's clearance");
    check(dominatesSlots(channelLabel, messageLabel), "ingress permitted above the channel label");
  }
  if (action == "channel.join" || action == "channel.read" || action == "message.post" ||
      action == "file.upload" || action == "file.download") {
    check(dominatesSlots(slotOf(prepared, "subject.clearance"), channelLabel),
          "local access permitted to a subject whose clearance does not dominate the channel");
  }
  return 0;
}
