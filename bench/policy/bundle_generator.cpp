#include "bench/policy/bundle_generator.hpp"

#include <array>
#include <string>

namespace parley::bench {
namespace {

constexpr std::array<const char*, 8> kNations = {"USA", "GBR", "FRA", "DEU",
                                                 "NLD", "NOR", "CAN", "ITA"};
constexpr std::array<const char*, 5> kOrgs = {"army", "navy", "air", "intel", "civil"};
constexpr std::array<const char*, 4> kClasses = {"UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL",
                                                 "SECRET"};
constexpr int kBridges = 8;
constexpr int kMissions = 12;

std::string q(const std::string& text) { return "'" + text + "'"; }

std::string head() {
  std::string out =
      "apiVersion: parley.policy/v1\n"
      "kind: PolicyBundle\n"
      "metadata: {name: bench, version: \"1\"}\n"
      "label_policies:\n"
      "  NW:\n"
      "    id: \"urn:example:bench:policy:1\"\n"
      "    classifications: [UNCLASSIFIED, RESTRICTED, CONFIDENTIAL, SECRET]\n"
      "    categories:\n"
      "      REL: {type: permissive, values: [USA, GBR, FRA, DEU, NLD, NOR, CAN, ITA]}\n"
      "      CAVEAT: {type: restrictive, values: [NW-CMD, NW-INT]}\n"
      "    marking: \"{{classification}}{{#REL}} REL TO {{REL|join:', '}}{{/REL}}"
      "{{#CAVEAT}} {{CAVEAT}}{{/CAVEAT}}\"\n"
      "schema:\n"
      "  subject:\n"
      "    clearance: {type: clearance, policy: NW, source: ldap}\n"
      "    nationality: {type: enum, values: [USA, GBR, FRA, DEU, NLD, NOR, CAN, ITA], source: "
      "ldap}\n"
      "    role: {type: enum, values: [member, guest, channel_admin, releasing_officer], source: "
      "gateway}\n"
      "    organisation: {type: enum, values: [army, navy, air, intel, civil], source: ldap}\n"
      "    missions: {type: set<string>, source: ldap}\n"
      "    via_vpn: {type: bool, source: session}\n"
      "  channel: {label: {type: label, policy: NW}, mission: {type: string}, bridges: {type: "
      "set<string>}, bridging: {type: enum, values: [never, allowed]}, guests: {type: bool, "
      "default: false}}\n"
      "  message: {label: {type: label, policy: NW, default: channel.label}}\n"
      "  file: {type: {type: string, source: filter}, size: {type: int, source: filter}}\n"
      "  content: {flags: {type: set<enum>, source: filter, values: [dirty_word, malware, "
      "unparseable, label_mismatch, metadata]}}\n"
      "missions:\n";
  for (int m = 0; m < kMissions; ++m)
    out += "  M" + std::to_string(m) + ": {start: \"2025-0" + std::to_string(1 + m % 9) +
           "-01T00:00:00Z\", end: \"2026-12-31T23:59:59Z\"}\n";
  out += "bridges:\n";
  for (int b = 0; b < kBridges; ++b) {
    const std::string nation = kNations[static_cast<std::size_t>(b)];
    out += "  br" + std::to_string(b) + ":\n    protocol: " + (b % 2 ? "xmpp" : "matrix") +
           "\n    remote_servers: {allow: [\"chat." + nation + ".example\"]}\n" +
           "    clearance: \"" + (b % 3 ? "SECRET" : "CONFIDENTIAL") + " REL " + nation + "\"\n";
  }
  out += "file_policy: {allow_types: [application/pdf, image/png, text/plain], max_size: 25MiB}\n";
  return out;
}

// One rule of the mix; `i` picks its kind and constants.
std::string rule(int i) {
  const std::string id = "R" + std::to_string(i);
  const std::string nation = kNations[static_cast<std::size_t>(i % 8)];
  const std::string org = kOrgs[static_cast<std::size_t>(i % 5)];
  const std::string mission = "M" + std::to_string(i % kMissions);
  const std::string bridge = "br" + std::to_string(i % kBridges);
  const std::string cls = kClasses[static_cast<std::size_t>(i % 4)];
  switch (i % 10) {
    case 0:  // tier-0 boundary invariants on every egress
      return "  - id: " + id +
             "\n    tier: 0\n    effect: forbid\n    actions: [message.egress, thread.egress, "
             "file.egress]\n    clauses:\n      peer: \"!dominates(bridge.clearance, "
             "message.label)\"\n    reason: \"{{message.label.marking}} is not releasable to "
             "{{bridge.id}}\"\n    on_deny: [{notify_sender: \"Not delivered to "
             "{{bridge.display}}\"}]\n";
    case 1:
      return "  - {id: " + id +
             ", tier: 0, effect: forbid, actions: [message.egress, thread.egress, file.egress, "
             "user.egress, channel.link], clauses: {national: \"channel.bridging == 'never'\"}}\n";
    case 2:
      return "  - id: " + id +
             "\n    tier: 0\n    effect: forbid\n    actions: [message.egress, file.egress, "
             "message.ingress, file.ingress]\n    clauses:\n      flags: "
             "\"content.flags.exists(f, f in ['dirty_word', 'malware'])\"\n      mission: "
             "\"channel.mission == " +
             q(mission) + "\"\n    on_deny: [{quarantine: {queue: officer-" + mission + "}}]\n";
    case 3:  // a nation's own embargo on one mission's channels for one bridge
      return "  - id: " + id + "\n    tier: 0\n    effect: forbid\n    actions: [message.egress, " +
             "thread.egress]\n    bridges: [" + bridge +
             "]\n    clauses:\n      nation: \"subject.nationality == " + q(nation) +
             "\"\n      mission: \"channel.mission == " + q(mission) +
             "\"\n      level: \"message.label.classification >= " + q(cls) + "\"\n";
    case 4:  // local forbids
      return "  - id: " + id +
             "\n    tier: 1\n    effect: forbid\n    actions: [channel.join, channel.read, "
             "message.post]\n    when: [\"subject.role == 'guest'\", \"subject.organisation == " +
             q(org) + "\"]\n    unless: [\"subject.via_vpn\"]\n";
    case 5:
    case 6:  // local permits with named clauses
      return "  - id: " + id +
             "\n    tier: 1\n    effect: permit\n    actions: [channel.join, channel.read, "
             "message.post, file.upload, file.download]\n    clauses:\n      clearance: "
             "\"dominates(subject.clearance, channel.label)\"\n      mission: \"" +
             q(mission) + " in subject.missions && channel.mission == " + q(mission) +
             "\"\n      role: \"subject.role in ['member', 'channel_admin', "
             "'releasing_officer']\"\n      org: \"subject.organisation == " +
             q(org) + "\"\n";
    case 7:  // per-bridge, per-mission message permits with obligations
      return "  - id: " + id + "\n    tier: 2\n    effect: permit\n    actions: [message.egress, " +
             "thread.egress]\n    bridges: [" + bridge +
             "]\n    clauses:\n      peer: \"dominates(bridge.clearance, message.label)\"\n      "
             "nation: \"subject.nationality in ['" +
             nation +
             "', 'GBR']\"\n      linked: \"bridge.id in channel.bridges\"\n      rel: "
             "\"releasable_to(message.label, " +
             q(kNations[static_cast<std::size_t>(i % kBridges)]) +
             ")\"\n      mission: \"channel.mission == " + q(mission) +
             "\"\n    obligations:\n      - add_banner: {text: \"{{message.label.marking}}\", "
             "position: top}\n      - rewrite_sender: {display: \"{{subject.display}} "
             "[{{subject.nationality}}]\"}\n      - set_metadata: {key: \"org.example.label\", "
             "value: \"{{message.label.text}}\"}\n";
    case 8:  // per-bridge file permits
      return "  - id: " + id + "\n    tier: 2\n    effect: permit\n    actions: [file.egress]\n" +
             "    bridges: [" + bridge +
             "]\n    clauses:\n      peer: \"dominates(bridge.clearance, message.label)\"\n      "
             "type: \"file.type in file_policy.allow_types\"\n      size: \"file.size <= " +
             std::to_string(1024 * (i + 1)) + "\"\n    obligations: [{strip_file_metadata: {}}]\n";
    default:  // ingress permits
      return "  - id: " + id +
             "\n    tier: 2\n    effect: permit\n    actions: [message.ingress]\n" +
             "    bridges: [" + bridge +
             "]\n    clauses:\n      peer: \"dominates(bridge.clearance, message.label)\"\n      "
             "channel: \"dominates(channel.label, message.label)\"\n      server: "
             "\"remote.server_allowed\"\n    obligations: [{tag_origin: {bridge: "
             "\"{{bridge.id}}\", "
             "remote_user: \"{{remote.user}}\"}}]\n";
  }
}

}  // namespace

std::string generateBundle(int rules) {
  std::string out = head() + "rules:\n";
  if (rules <= 1) return out + "  - {id: R0, tier: 2, effect: permit, actions: [message.egress]}\n";
  for (int i = 0; i < rules; ++i) out += rule(i);
  return out;
}

policy::Request permittedEgress() {
  policy::Request request;
  request.action = "message.egress";
  request.attributes = {
      {"subject.id", std::string("alice")},
      {"subject.display", std::string("Alice")},
      {"subject.clearance", std::string("SECRET REL GBR,USA")},
      {"subject.nationality", std::string("GBR")},
      {"subject.role", std::string("member")},
      {"subject.organisation", std::string("navy")},
      {"subject.missions", std::vector<std::string>{"M1", "M3", "M7"}},
      {"subject.via_vpn", false},
      {"channel.name", std::string("ops")},
      {"channel.label", std::string("CONFIDENTIAL REL USA,GBR,FRA,DEU,NLD,NOR,CAN,ITA")},
      {"channel.mission", std::string("M7")},
      {"channel.bridges", std::vector<std::string>{"br1", "br3", "br5"}},
      {"channel.bridging", std::string("allowed")},
      {"bridge.id", std::string("br3")},
      {"env.now", std::string("2025-12-01T10:00:00Z")},
  };
  return request;
}

policy::Request deniedJoin() {
  policy::Request request = permittedEgress();
  request.action = "channel.join";
  request.attributes.erase("bridge.id");
  // Cleared and on a mission, but of no organisation any permit of mission M7 names.
  request.attributes["subject.organisation"] = std::string("civil");
  request.attributes["channel.mission"] = std::string("M11");
  return request;
}

}  // namespace parley::bench
