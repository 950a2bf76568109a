#include "core/policy/compiler.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "core/common/sha256.hpp"
#include "core/policy/expr/compiler.hpp"
#include "core/policy/strings.hpp"

namespace parley::policy {

const std::vector<std::string>& knownActions() {
  static const std::vector<std::string> kActions = {
      "channel.join",  "channel.read",    "message.post",  "file.upload",
      "file.download", "message.egress",  "thread.egress", "file.egress",
      "user.egress",   "message.ingress", "file.ingress",  "channel.link"};
  return kActions;
}

bool isIngressAction(std::string_view action) {
  return action == "message.ingress" || action == "file.ingress";
}

namespace {

bool isBoundaryAction(std::string_view action) {
  return action.ends_with(".egress") || action.ends_with(".ingress") || action == "channel.link";
}

// Thrown inside the compiler only and turned into a Result at its entry point: a load stops
// at the first mistake, and unwinding is the simplest way out of the nested readers.
struct LoadFailure {
  std::string message;
};

std::string inQuotes(std::string_view text) { return "\"" + std::string(text) + "\""; }

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

class BundleCompiler {
 public:
  BundleCompiler() : bundle_(std::make_shared<CompiledBundle>()) {}

  BundlePtr run(const std::vector<Source>& sources) {
    if (sources.empty()) throw LoadFailure{"no policy files given"};
    for (const auto& source : sources) {
      file_ = source.name;
      YAML::Node root;
      try {
        root = YAML::Load(source.text);
      } catch (const YAML::ParserException& e) {
        throw LoadFailure{source.name + ":" + std::to_string(e.mark.line + 1) +
                          ": bad YAML: " + e.msg};
      }
      if (!root.IsMap()) throw LoadFailure{source.name + ":1: a policy file must be a YAML map"};
      checkKeys(root, {"apiVersion", "kind", "metadata", "label_policies", "schema", "missions",
                       "bridges", "channels", "file_policy", "rules"});
      if (scalar(root, "apiVersion", root) != "parley.policy/v1")
        fail(root["apiVersion"], "apiVersion must be parley.policy/v1");
      if (scalar(root, "kind", root) != "PolicyBundle")
        fail(root["kind"], "kind must be PolicyBundle (a PolicyTest file is run by policy test)");
      docs_.push_back({source.name, root});
    }
    for (auto& doc : docs_) withDoc(doc, [&] { readMetadata(doc.root["metadata"]); });
    for (auto& doc : docs_) withDoc(doc, [&] { readLabelPolicies(doc.root["label_policies"]); });
    for (auto& doc : docs_) withDoc(doc, [&] { readSchema(doc.root["schema"]); });
    addBuiltins();
    for (auto& doc : docs_) withDoc(doc, [&] { readMissions(doc.root["missions"]); });
    for (auto& doc : docs_) withDoc(doc, [&] { readFilePolicy(doc.root["file_policy"]); });
    for (auto& doc : docs_) withDoc(doc, [&] { readBridges(doc.root["bridges"]); });
    resolveDefaults();
    for (auto& doc : docs_) withDoc(doc, [&] { readChannels(doc.root["channels"]); });
    for (auto& doc : docs_) withDoc(doc, [&] { readRules(doc.root["rules"]); });
    buildIndex();
    shareRepeatedClauses();
    bundle_->hash = hashOf(sources);
    for (const auto& source : sources) bundle_->files.push_back(source.name);
    return bundle_;
  }

 private:
  struct Doc {
    std::string name;
    YAML::Node root;
  };

  template <typename F>
  void withDoc(const Doc& doc, F&& body) {
    file_ = doc.name;
    body();
  }

  static int lineOf(const YAML::Node& node) {
    if (!node.IsDefined()) return 0;
    const int line = node.Mark().line;
    return line < 0 ? 0 : line + 1;
  }

  [[noreturn]] void failAt(int line, const std::string& message) const {
    throw LoadFailure{file_ + ":" + std::to_string(line > 0 ? line : 1) + ": " + message};
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    failAt(lineOf(node), message);
  }

  void checkKeys(const YAML::Node& map, const std::vector<std::string>& known,
                 const std::string& where = "") const {
    for (const auto& item : map) {
      const auto key = item.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(item.first, "unknown key " + inQuotes(key) + (where.empty() ? "" : " in " + where) +
                             " (expected " + joined(known) + ")");
    }
  }

  std::string scalar(const YAML::Node& map, const std::string& key, const YAML::Node& parent,
                     const std::string& where = "") const {
    const YAML::Node node = map[key];
    if (!node.IsDefined() || node.IsNull())
      fail(parent, (where.empty() ? "" : where + ": ") + "missing " + key);
    if (!node.IsScalar()) fail(node, (where.empty() ? "" : where + ".") + key + " must be text");
    return node.Scalar();
  }

  std::vector<std::string> stringList(const YAML::Node& node, const std::string& what) const {
    std::vector<std::string> out;
    if (node.IsScalar()) return {node.Scalar()};
    if (!node.IsSequence()) fail(node, what + " must be a list");
    for (const auto& item : node) {
      if (!item.IsScalar()) fail(item, what + " must be a list of strings");
      out.push_back(item.Scalar());
    }
    return out;
  }

  void readMetadata(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "metadata must be a map");
    checkKeys(node, {"name", "version", "owner", "description"}, "metadata");
    if (bundle_->name.empty() && node["name"]) bundle_->name = node["name"].as<std::string>();
    if (bundle_->version.empty() && node["version"])
      bundle_->version = node["version"].as<std::string>();
  }

  void readLabelPolicies(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "label_policies must be a map of policy names");
    auto& catalog = bundle_->catalog;
    for (const auto& item : node) {
      const auto name = item.first.as<std::string>();
      const YAML::Node spec = item.second;
      const std::string where = "label_policies." + name;
      if (!spec.IsMap()) fail(spec, where + " must be a map");
      checkKeys(spec, {"id", "classifications", "categories", "marking"}, where);
      for (const auto& existing : catalog.labelPolicies)
        if (existing.name() == name) fail(item.first, "label policy " + name + " is defined twice");
      auto classifications = stringList(spec["classifications"], where + ".classifications");
      std::vector<Category> categories;
      if (const auto cats = spec["categories"]; cats.IsDefined() && !cats.IsNull()) {
        if (!cats.IsMap()) fail(cats, where + ".categories must be a map");
        for (const auto& cat : cats) {
          Category category;
          category.name = cat.first.as<std::string>();
          const std::string cwhere = where + ".categories." + category.name;
          if (!cat.second.IsMap()) fail(cat.second, cwhere + " must be a map");
          checkKeys(cat.second, {"type", "values"}, cwhere);
          const auto type = scalar(cat.second, "type", cat.second, cwhere);
          if (type == "permissive") category.type = CategoryType::kPermissive;
          else if (type == "restrictive") category.type = CategoryType::kRestrictive;
          else fail(cat.second["type"], cwhere + ".type must be permissive or restrictive");
          category.values = stringList(cat.second["values"], cwhere + ".values");
          categories.push_back(std::move(category));
        }
      }
      auto policy = LabelPolicy::create(name, spec["id"] ? spec["id"].as<std::string>() : name,
                                        std::move(classifications), std::move(categories),
                                        spec["marking"] ? spec["marking"].as<std::string>() : "");
      if (!policy) fail(spec, where + ": " + policy.error().message);
      EnumDomain domain;
      domain.name = name + ".classification";
      domain.values = policy->classifications();
      domain.ordered = true;
      catalog.domains.push_back(std::move(domain));
      catalog.addClassificationDomain(static_cast<int>(catalog.domains.size()) - 1);
      catalog.labelPolicies.push_back(std::move(*policy));
    }
  }

  int labelPolicyIndex(const YAML::Node& node, const std::string& where) const {
    const auto& policies = bundle_->catalog.labelPolicies;
    if (!node.IsDefined() || node.IsNull()) {
      if (policies.size() == 1) return 0;
      fail(node, where + " needs policy: (one of the label_policies)");
    }
    const auto name = node.as<std::string>();
    for (std::size_t i = 0; i < policies.size(); ++i)
      if (policies[i].name() == name) return static_cast<int>(i);
    fail(node, where + ": unknown label policy " + inQuotes(name));
  }

  Label parseLabel(const YAML::Node& node, int policy, const std::string& where) const {
    if (!node.IsScalar()) fail(node, where + " must be label text");
    auto label =
        bundle_->catalog.labelPolicies[static_cast<std::size_t>(policy)].parse(node.Scalar());
    if (!label)
      fail(node, where + ": bad label " + inQuotes(node.Scalar()) + ": " + label.error().message);
    return *label;
  }

  void readSchema(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "schema must be a map of namespaces");
    static const std::vector<std::string> kNamespaces = {"subject", "channel", "message", "file",
                                                         "content", "env",     "remote",  "team",
                                                         "thread",  "user"};
    static const std::vector<std::string> kSources = {
        "ldap", "saml", "admin", "session", "filter", "gateway", "peer", "peer-asserted", "config"};
    auto& catalog = bundle_->catalog;
    for (const auto& ns : node) {
      const auto prefix = ns.first.as<std::string>();
      if (prefix == "bridge")
        fail(ns.first, "bridge attributes come from the bridges section, not the schema");
      if (std::find(kNamespaces.begin(), kNamespaces.end(), prefix) == kNamespaces.end())
        fail(ns.first, "unknown attribute namespace " + inQuotes(prefix) + " (expected " +
                           joined(kNamespaces) + ")");
      if (!ns.second.IsMap()) fail(ns.second, "schema." + prefix + " must be a map");
      for (const auto& attr : ns.second) {
        const YAML::Node spec = attr.second;
        AttributeDef def;
        def.name = prefix + "." + attr.first.as<std::string>();
        def.line = lineOf(attr.first);
        if (catalog.attribute(def.name))
          fail(attr.first, "attribute " + def.name + " is defined twice");
        if (!spec.IsMap()) fail(spec, def.name + " must be a map with a type");
        checkKeys(
            spec,
            {"type", "values", "source", "policy", "default", "optional", "ordered", "description"},
            def.name);
        const auto type = scalar(spec, "type", spec, def.name);
        const auto values = [&] {
          auto list = stringList(spec["values"], def.name + ".values");
          if (list.empty()) fail(spec, def.name + " needs values");
          if (list.size() > 64) fail(spec["values"], def.name + " has more than 64 values");
          EnumDomain domain;
          domain.name = def.name;
          domain.values = std::move(list);
          domain.ordered =
              type == "ordered_enum" || (spec["ordered"] && spec["ordered"].as<bool>());
          catalog.domains.push_back(std::move(domain));
          return static_cast<int>(catalog.domains.size()) - 1;
        };
        if (type == "bool") def.type = {Kind::kBool, -1};
        else if (type == "int") def.type = {Kind::kInt, -1};
        else if (type == "string") def.type = {Kind::kString, -1};
        else if (type == "time") def.type = {Kind::kTime, -1};
        else if (type == "enum" || type == "ordered_enum") def.type = {Kind::kEnum, values()};
        else if (type == "set<string>") def.type = {Kind::kStringSet, -1};
        else if (type == "set<enum>") def.type = {Kind::kEnumSet, values()};
        else if (type == "label" || type == "clearance")
          def.type = {Kind::kLabel, labelPolicyIndex(spec["policy"], def.name)};
        else
          fail(spec["type"], def.name + ": unknown type " + inQuotes(type) +
                                 " (bool, int, string, time, enum, ordered_enum, set<string>, "
                                 "set<enum>, label, clearance)");
        if (spec["source"]) {
          def.source = spec["source"].as<std::string>();
          if (def.source == "user")
            fail(spec["source"], def.name +
                                     " comes from the user (source: user); attributes users can "
                                     "edit cannot be used in policy");
          if (std::find(kSources.begin(), kSources.end(), def.source) == kSources.end())
            fail(spec["source"], def.name + ": unknown source " + inQuotes(def.source) +
                                     " (expected " + joined(kSources) + ")");
        }
        if (spec["optional"]) def.optional = spec["optional"].as<bool>();
        if (const auto dflt = spec["default"]; dflt.IsDefined() && !dflt.IsNull()) {
          if (!dflt.IsScalar()) fail(dflt, def.name + ".default must be a value or an attribute");
          def.defaultText = dflt.Scalar();
          defaultLines_[def.name] = lineOf(dflt);
        }
        catalog.add(std::move(def));
      }
    }
  }

  void addBuiltin(const std::string& name, Type type) {
    auto& catalog = bundle_->catalog;
    if (catalog.attribute(name)) return;
    AttributeDef def;
    def.name = name;
    def.type = type;
    def.builtin = true;
    def.source = "gateway";
    catalog.add(std::move(def));
  }

  void addBuiltins() {
    const Type text{Kind::kString, -1};
    for (const char* name :
         {"subject.id", "subject.display", "subject.remote", "channel.name", "bridge.id",
          "bridge.display", "bridge.protocol", "remote.user", "remote.server", "remote.label"})
      addBuiltin(name, text);
    addBuiltin("remote.server_allowed", {Kind::kBool, -1});
    addBuiltin("env.now", {Kind::kTime, -1});
    auto& catalog = bundle_->catalog;
    if (!catalog.labelPolicies.empty()) addBuiltin("bridge.clearance", {Kind::kLabel, 0});
    EnumDomain decision;
    decision.name = "decision";
    decision.values = {"permit", "deny"};
    catalog.domains.push_back(std::move(decision));
    catalog.decisionDomain = static_cast<int>(catalog.domains.size()) - 1;
    const auto slot = [&](const char* name) {
      const auto* def = catalog.attribute(name);
      return def ? def->slot : -1;
    };
    bundle_->slotBridgeId = slot("bridge.id");
    bundle_->slotBridgeClearance = slot("bridge.clearance");
    bundle_->slotBridgeDisplay = slot("bridge.display");
    bundle_->slotBridgeProtocol = slot("bridge.protocol");
    bundle_->slotMessageLabel = slot("message.label");
    bundle_->slotChannelLabel = slot("channel.label");
    bundle_->slotRemoteLabel = slot("remote.label");
    bundle_->slotRemoteServer = slot("remote.server");
    bundle_->slotRemoteServerAllowed = slot("remote.server_allowed");
    bundle_->slotEnvNow = slot("env.now");
    bundle_->slotSubjectRemote = slot("subject.remote");
    bundle_->slotSubjectClearance = slot("subject.clearance");
  }

  // `default: channel.label` names another attribute of the same type; anything else is a
  // literal of the attribute's own type.
  void resolveDefaults() {
    auto& catalog = bundle_->catalog;
    for (auto& def : catalog.attributes) {
      if (!def.defaultText) continue;
      const int line = defaultLines_[def.name];
      if (const auto* other = catalog.attribute(*def.defaultText)) {
        if (!(other->type == def.type))
          failAt(line, def.name + ".default: " + other->name + " has another type (" +
                           catalog.typeName(other->type) + ")");
        def.defaultSlot = other->slot;
        def.defaultText.reset();
        continue;
      }
      if (const auto problem = checkLiteral(def, *def.defaultText))
        failAt(line, def.name + ".default: " + *problem);
    }
  }

  // Whether text fits the attribute's type; the sentence says why not.
  std::optional<std::string> checkLiteral(const AttributeDef& def, const std::string& text) const {
    const auto& catalog = bundle_->catalog;
    switch (def.type.kind) {
      case Kind::kBool:
        if (text != "true" && text != "false") return inQuotes(text) + " is not true or false";
        return std::nullopt;
      case Kind::kInt:
        if (!parseByteSize(text)) return inQuotes(text) + " is not a number";
        return std::nullopt;
      case Kind::kEnum:
        if (catalog.domains[static_cast<std::size_t>(def.type.domain)].index(text) < 0)
          return inQuotes(text) + " is not one of " +
                 joined(catalog.domains[static_cast<std::size_t>(def.type.domain)].values);
        return std::nullopt;
      case Kind::kTime:
        if (!expr::parseTime(text)) return inQuotes(text) + " is not an RFC 3339 time";
        return std::nullopt;
      case Kind::kLabel: {
        auto label = catalog.labelPolicies[static_cast<std::size_t>(def.type.domain)].parse(text);
        if (!label) return "bad label " + inQuotes(text) + ": " + label.error().message;
        return std::nullopt;
      }
      case Kind::kString: return std::nullopt;
      default: return "a set has no default (an absent set is empty)";
    }
  }

  void readMissions(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "missions must be a map of mission names");
    auto& missions = bundle_->catalog.missions;
    for (const auto& item : node) {
      Mission mission;
      mission.name = item.first.as<std::string>();
      const std::string where = "missions." + mission.name;
      for (const auto& existing : missions)
        if (existing.name == mission.name)
          fail(item.first, "mission " + mission.name + " is defined twice");
      if (!item.second.IsMap()) fail(item.second, where + " must be a map with start and end");
      checkKeys(item.second, {"start", "end", "description"}, where);
      for (const char* key : {"start", "end"}) {
        const auto text = scalar(item.second, key, item.second, where);
        const auto at = expr::parseTime(text);
        if (!at)
          fail(item.second[key],
               where + "." + key + ": " + inQuotes(text) + " is not an RFC 3339 time");
        (std::string_view(key) == "start" ? mission.start : mission.end) = *at;
      }
      if (mission.end < mission.start) fail(item.second, where + " ends before it starts");
      missions.push_back(std::move(mission));
    }
  }

  void addConstant(const std::string& name, Constant constant, const YAML::Node& node) {
    auto& catalog = bundle_->catalog;
    if (catalog.constant(name)) fail(node, name + " is defined twice");
    catalog.constants.push_back(std::move(constant));
    catalog.constantIndex.emplace(name, static_cast<int>(catalog.constants.size()) - 1);
  }

  void readFilePolicy(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "file_policy must be a map");
    checkKeys(node, {"allow_types", "max_size", "archives"}, "file_policy");
    if (node["allow_types"]) {
      Constant c;
      c.type = {Kind::kStringList, -1};
      c.listValue = stringList(node["allow_types"], "file_policy.allow_types");
      addConstant("file_policy.allow_types", std::move(c), node["allow_types"]);
    }
    if (node["max_size"]) {
      const auto text = scalar(node, "max_size", node, "file_policy");
      const auto size = parseByteSize(text);
      if (!size)
        fail(node["max_size"], "file_policy.max_size: " + inQuotes(text) +
                                   " is not a size (e.g. 25MiB, 300KB, 1024)");
      Constant c;
      c.type = {Kind::kInt, -1};
      c.intValue = *size;
      addConstant("file_policy.max_size", std::move(c), node["max_size"]);
    }
    if (node["archives"]) {
      const auto text = scalar(node, "archives", node, "file_policy");
      if (text != "allow" && text != "deny")
        fail(node["archives"], "file_policy.archives must be allow or deny");
      Constant c;
      c.type = {Kind::kString, -1};
      c.stringValue = text;
      addConstant("file_policy.archives", std::move(c), node["archives"]);
    }
  }

  void readBridges(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "bridges must be a map of bridge ids");
    for (const auto& item : node) {
      Bridge bridge;
      bridge.id = item.first.as<std::string>();
      const std::string where = "bridges." + bridge.id;
      if (bundle_->bridgeIndex(bridge.id) >= 0)
        fail(item.first, "bridge " + bridge.id + " is defined twice");
      const YAML::Node spec = item.second;
      if (!spec.IsMap()) fail(spec, where + " must be a map");
      checkKeys(
          spec,
          {"protocol", "display", "remote_servers", "remote_domains", "clearance", "label_policy",
           "label_transport", "default_ingress_label", "label_map", "remote_users"},
          where);
      bridge.protocol = scalar(spec, "protocol", spec, where);
      if (bridge.protocol != "matrix" && bridge.protocol != "xmpp" &&
          bridge.protocol != "workspaces")
        fail(spec["protocol"], where + ".protocol must be matrix, xmpp or workspaces");
      bridge.display = spec["display"] ? spec["display"].as<std::string>() : bridge.id;
      for (const char* key : {"remote_servers", "remote_domains"}) {
        const YAML::Node remotes = spec[key];
        if (!remotes.IsDefined() || remotes.IsNull()) continue;
        if (!remotes.IsMap()) fail(remotes, where + "." + key + " must be a map");
        checkKeys(remotes, {"allow", "allow_ip_literals"}, where + "." + key);
        if (remotes["allow"]) {
          auto allow = stringList(remotes["allow"], where + "." + key + ".allow");
          bridge.allowedRemotes.insert(bridge.allowedRemotes.end(), allow.begin(), allow.end());
        }
      }
      if (const auto transport = spec["label_transport"];
          transport.IsDefined() && !transport.IsNull() && !transport.IsMap())
        fail(transport, where + ".label_transport must be a map");
      const bool hasLabels =
          spec["clearance"] || spec["default_ingress_label"] || spec["label_map"];
      if (hasLabels) bridge.policy = labelPolicyIndex(spec["label_policy"], where);
      if (spec["clearance"])
        bridge.clearance = parseLabel(spec["clearance"], bridge.policy, where + ".clearance");
      if (spec["default_ingress_label"])
        bridge.defaultIngressLabel = parseLabel(spec["default_ingress_label"], bridge.policy,
                                                where + ".default_ingress_label");
      if (const auto map = spec["label_map"]; map.IsDefined() && !map.IsNull()) {
        if (!map.IsMap()) fail(map, where + ".label_map must map remote labels to local labels");
        bridge.hasLabelMap = true;
        for (const auto& entry : map)
          bridge.labelMap.emplace_back(
              entry.first.as<std::string>(),
              parseLabel(entry.second, bridge.policy,
                         where + ".label_map[" + entry.first.as<std::string>() + "]"));
      }
      readRemoteUsers(spec["remote_users"], where + ".remote_users", bridge);
      bundle_->bridges.push_back(std::move(bridge));
    }
  }

  void readChannels(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "channels must be a map of channel names");
    for (const auto& item : node) {
      ChannelDef channel;
      channel.name = item.first.as<std::string>();
      channel.line = lineOf(item.first);
      const std::string where = "channels." + channel.name;
      if (bundle_->channel(channel.name))
        fail(item.first, "channel " + channel.name + " is defined twice");
      if (!item.second.IsMap()) fail(item.second, where + " must be a map of channel attributes");
      channel.attributes["channel.name"] = channel.name;
      readAttributeValues(item.second, "channel", where, channel.attributes);
      bundle_->channels.push_back(std::move(channel));
    }
  }

  // A map of attribute values of one namespace (a channel of the channels section, the
  // remote users of a bridge), checked against the schema; builtin attributes cannot be set.
  void readAttributeValues(const YAML::Node& map, const std::string& ns, const std::string& where,
                           std::map<std::string, Value>& out) const {
    const auto& catalog = bundle_->catalog;
    for (const auto& attr : map) {
      const auto key = attr.first.as<std::string>();
      const auto* def = catalog.attribute(ns + "." + key);
      if (!def || def->builtin) fail(attr.first, cat(where, ": unknown attribute ", ns, ".", key));
      const YAML::Node value = attr.second;
      if (def->type.kind == Kind::kStringSet || def->type.kind == Kind::kEnumSet) {
        auto list = stringList(value, cat(where, ".", key));
        for (const auto& entry : list) {
          if (def->type.kind == Kind::kEnumSet &&
              catalog.domains[static_cast<std::size_t>(def->type.domain)].index(entry) < 0)
            fail(value,
                 cat(where, ".", key, ": ", inQuotes(entry), " is not one of ",
                     joined(catalog.domains[static_cast<std::size_t>(def->type.domain)].values)));
          if (def->name == "channel.bridges" && bundle_->bridgeIndex(entry) < 0)
            fail(value, where + ".bridges: bridge " + inQuotes(entry) + " is not configured");
        }
        out[def->name] = std::move(list);
        continue;
      }
      if (!value.IsScalar()) fail(value, cat(where, ".", key, " must be a single value"));
      if (const auto problem = checkLiteral(*def, value.Scalar()))
        fail(value, cat(where, ".", key, ": ", *problem));
      out[def->name] = literalValue(*def, value.Scalar());
    }
  }

  // bridges.<id>.remote_users: the subject attributes of the peer's users (puppets), for all of
  // them (`attributes:`) and per sender domain (`domains: {<domain>: {...}}`, which win).
  void readRemoteUsers(const YAML::Node& node, const std::string& where, Bridge& bridge) const {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, where + " must be a map");
    checkKeys(node, {"attributes", "domains"}, where);
    if (const auto attributes = node["attributes"];
        attributes.IsDefined() && !attributes.IsNull()) {
      if (!attributes.IsMap()) fail(attributes, where + ".attributes must be a map");
      readAttributeValues(attributes, "subject", where + ".attributes",
                          bridge.remoteUserAttributes);
    }
    if (const auto domains = node["domains"]; domains.IsDefined() && !domains.IsNull()) {
      if (!domains.IsMap()) fail(domains, where + ".domains must be a map of sender domains");
      for (const auto& domain : domains) {
        const auto name = domain.first.as<std::string>();
        const std::string dwhere = where + ".domains." + name;
        if (!domain.second.IsMap()) fail(domain.second, dwhere + " must be a map");
        std::map<std::string, Value> values;
        readAttributeValues(domain.second, "subject", dwhere, values);
        bridge.remoteDomainAttributes.emplace_back(name, std::move(values));
      }
    }
  }

  static Value literalValue(const AttributeDef& def, const std::string& text) {
    switch (def.type.kind) {
      case Kind::kBool: return text == "true";
      case Kind::kInt: return *parseByteSize(text);
      default: return text;
    }
  }

  Template compileTemplate(const std::string& text, int line, const std::string& where) {
    Template out;
    const auto& catalog = bundle_->catalog;
    std::size_t i = 0;
    while (i < text.size()) {
      const auto open = text.find("{{", i);
      if (open == std::string::npos) {
        out.parts.push_back({TemplatePart::Format::kLiteral, text.substr(i), -1});
        break;
      }
      if (open > i)
        out.parts.push_back({TemplatePart::Format::kLiteral, text.substr(i, open - i), -1});
      const auto close = text.find("}}", open);
      if (close == std::string::npos) failAt(line, where + ": unclosed {{ in template");
      std::string path = text.substr(open + 2, close - open - 2);
      path.erase(0, path.find_first_not_of(' '));
      path.erase(path.find_last_not_of(' ') + 1);
      TemplatePart part;
      part.format = TemplatePart::Format::kValue;
      const AttributeDef* def = catalog.attribute(path);
      if (!def) {
        static const std::vector<std::pair<std::string, TemplatePart::Format>> kLabelFormats = {
            {".marking", TemplatePart::Format::kMarking},
            {".adatp4774_xml", TemplatePart::Format::kXml},
            {".classification", TemplatePart::Format::kClassification},
            {".text", TemplatePart::Format::kValue}};
        for (const auto& [suffix, format] : kLabelFormats) {
          if (!path.ends_with(suffix)) continue;
          const auto* base = catalog.attribute(path.substr(0, path.size() - suffix.size()));
          if (base && base->type.kind == Kind::kLabel) {
            def = base;
            part.format = format;
          }
        }
      }
      if (!def) failAt(line, where + ": unknown attribute " + inQuotes(path) + " in template");
      part.slot = def->slot;
      out.parts.push_back(std::move(part));
      i = close + 2;
    }
    return out;
  }

  ObligationSpec readObligation(const YAML::Node& item, ObligationPhase phase,
                                const std::string& where) {
    if (!item.IsMap() || item.size() != 1)
      fail(item, where + ": each obligation is a one-key map, as in - add_banner: {text: ...}");
    const auto it = item.begin();
    const auto name = it->first.as<std::string>();
    ObligationSpec spec;
    spec.line = lineOf(it->first);
    spec.type = findObligationType(name);
    if (!spec.type) {
      std::vector<std::string> known;
      for (const auto& type : obligationRegistry()) known.emplace_back(type.name);
      failAt(spec.line, where + ": unknown obligation type " + inQuotes(name) +
                            " (known: " + joined(known) + ")");
    }
    if (spec.type->phase != phase)
      failAt(spec.line, where + ": " + name +
                            (phase == ObligationPhase::kPermit
                                 ? " applies to denials; put it under on_deny of a forbid"
                                 : " applies to permits; put it under obligations of a permit"));
    spec.params = toJson(it->second);
    if (const auto problem = normaliseObligationParams(*spec.type, spec.params))
      failAt(spec.line, where + ": " + *problem);
    for (const auto& [key, value] : spec.params.items()) {
      if (!value.is_string()) continue;
      const auto text = value.get<std::string>();
      if (name == "set_label" && key == "map") {
        const auto dot = text.find('.');
        const int bridge = bundle_->bridgeIndex(text.substr(0, dot));
        if (dot == std::string::npos || text.substr(dot) != ".label_map" || bridge < 0 ||
            !bundle_->bridges[static_cast<std::size_t>(bridge)].hasLabelMap)
          failAt(spec.line, where +
                                ": set_label.map must name a configured bridge's label_map "
                                "(<bridge>.label_map), got " +
                                inQuotes(text));
        spec.labelMapBridge = bridge;
        continue;
      }
      if (text.find("{{") != std::string::npos)
        spec.templates.emplace_back(
            nlohmann::json::json_pointer("/" + key),
            compileTemplate(text, spec.line, cat(where, ": ", name, ".", key)));
    }
    return spec;
  }

  static nlohmann::json toJson(const YAML::Node& node) {
    switch (node.Type()) {
      case YAML::NodeType::Map: {
        auto out = nlohmann::json::object();
        for (const auto& item : node) out[item.first.as<std::string>()] = toJson(item.second);
        return out;
      }
      case YAML::NodeType::Sequence: {
        auto out = nlohmann::json::array();
        for (const auto& item : node) out.push_back(toJson(item));
        return out;
      }
      case YAML::NodeType::Scalar: return node.Scalar();
      default: return nullptr;
    }
  }

  void compileClauseInto(Rule& rule, std::vector<Clause>& into, std::string name,
                         const YAML::Node& node, bool negated) {
    if (!node.IsScalar()) fail(node, "rule " + rule.id + ", clause " + name + " must be text");
    Clause clause;
    clause.name = std::move(name);
    clause.text = node.Scalar();
    clause.line = lineOf(node);
    clause.negated = negated;
    const std::string where = "rule " + rule.id + ", clause " + clause.name;
    auto compiled = expr::compileClause(clause.text, bundle_->catalog);
    if (!compiled) failAt(clause.line, where + ": " + compiled.error().message);
    if (compiled->type.kind != Kind::kBool)
      failAt(clause.line, where + " must be a condition (bool), got " +
                              bundle_->catalog.typeName(compiled->type));
    clause.node = std::move(compiled->node);
    pending_.push_back({&into, into.size(), std::move(compiled->guards),
                        std::move(compiled->unguarded), std::move(compiled->facts)});
    into.push_back(std::move(clause));
  }

  struct PendingClause {
    std::vector<Clause>* list;
    std::size_t index;
    std::vector<int> guards;
    std::vector<int> unguarded;
    std::vector<expr::Fact> facts;
  };

  // Optional attributes need a has() guard; contradictory `==` clauses never match.
  void checkRuleClauses(const Rule& rule) {
    const auto& catalog = bundle_->catalog;
    std::vector<int> ruleGuards;
    for (const auto& p : pending_)
      if (p.list == &rule.all && !p.list->at(p.index).negated)
        ruleGuards.insert(ruleGuards.end(), p.guards.begin(), p.guards.end());
    for (const auto& p : pending_) {
      const Clause& clause = p.list->at(p.index);
      for (const int slot : p.unguarded) {
        if (std::find(ruleGuards.begin(), ruleGuards.end(), slot) != ruleGuards.end() &&
            p.list == &rule.all)
          continue;
        const auto& name = catalog.attributes[static_cast<std::size_t>(slot)].name;
        failAt(clause.line, cat("rule ", rule.id, ", clause ", clause.name, ": ", name,
                                " is optional and can be absent; guard it with has(", name, ")"));
      }
    }
    // Facts of `all` clauses (a negated clause's facts are inverted).
    struct Seen {
      expr::Fact fact;
      const Clause* clause;
    };
    std::vector<Seen> seen;
    for (const auto& p : pending_) {
      if (p.list != &rule.all) continue;
      const Clause& clause = p.list->at(p.index);
      if (clause.negated && p.facts.size() != 1) continue;
      for (auto fact : p.facts) {
        if (clause.negated) fact.equal = !fact.equal;
        for (const auto& other : seen) {
          if (other.fact.slot != fact.slot) continue;
          const bool contradict =
              (other.fact.equal && fact.equal && other.fact.value != fact.value) ||
              (other.fact.equal != fact.equal && other.fact.value == fact.value);
          if (contradict)
            failAt(clause.line, "rule " + rule.id + " can never match: clauses " +
                                    other.clause->name + " and " + clause.name +
                                    " contradict each other on " +
                                    catalog.attributes[static_cast<std::size_t>(fact.slot)].name);
        }
        seen.push_back({fact, &clause});
      }
    }
  }

  void readRules(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsSequence()) fail(node, "rules must be a list");
    const auto& actions = knownActions();
    for (const auto& item : node) {
      if (!item.IsMap()) fail(item, "each rule must be a map");
      Rule rule;
      rule.file = file_;
      rule.line = lineOf(item);
      rule.id = scalar(item, "id", item, "rule");
      const std::string where = "rule " + rule.id;
      checkKeys(item,
                {"id", "effect", "tier", "description", "actions", "bridges", "when", "unless",
                 "clauses", "any_of", "reason", "reason_code", "obligations", "on_deny"},
                where);
      if (const auto first = ruleLines_.find(rule.id); first != ruleLines_.end())
        fail(item["id"], "duplicate rule id " + inQuotes(rule.id) + " (first defined at " +
                             first->second + ")");
      ruleLines_[rule.id] = file_ + ":" + std::to_string(lineOf(item["id"]));
      const auto effect = scalar(item, "effect", item, where);
      if (effect == "permit") rule.effect = RuleEffect::kPermit;
      else if (effect == "forbid") rule.effect = RuleEffect::kForbid;
      else if (effect == "require") rule.effect = RuleEffect::kRequire;
      else fail(item["effect"], where + ": effect must be permit, forbid or require");
      if (item["tier"]) {
        const auto tier = scalar(item, "tier", item, where);
        if (tier != "0" && tier != "1" && tier != "2")
          fail(item["tier"], where + ": tier must be 0, 1 or 2");
        rule.tier = tier[0] - '0';
      }
      if (rule.tier == 0 && rule.effect == RuleEffect::kPermit)
        fail(item["effect"], where +
                                 " is in tier 0, which holds forbid and require rules only; "
                                 "it cannot permit");
      if (!item["actions"]) fail(item, where + " needs actions");
      for (const auto& action : stringList(item["actions"], where + ".actions")) {
        const auto it = std::find(actions.begin(), actions.end(), action);
        if (it == actions.end())
          fail(item["actions"], where + " can never match: unknown action " + inQuotes(action) +
                                    " (actions: " + joined(actions) + ")");
        rule.actions.push_back(static_cast<int>(it - actions.begin()));
      }
      if (rule.actions.empty()) fail(item["actions"], where + " needs at least one action");
      if (item["bridges"]) {
        for (const auto& bridge : stringList(item["bridges"], where + ".bridges")) {
          const int index = bundle_->bridgeIndex(bridge);
          if (index < 0)
            fail(item["bridges"], where + " can never match: bridge " + inQuotes(bridge) +
                                      " is not configured under bridges");
          rule.bridges.push_back(index);
        }
        for (const int action : rule.actions)
          if (!isBoundaryAction(actions[static_cast<std::size_t>(action)]))
            fail(item["bridges"], where + " can never match " +
                                      actions[static_cast<std::size_t>(action)] +
                                      ": local actions have no bridge");
      }
      pending_.clear();
      if (const auto when = item["when"]; when.IsDefined() && !when.IsNull()) {
        if (when.IsScalar()) compileClauseInto(rule, rule.all, "when[0]", when, false);
        else if (!when.IsSequence()) fail(when, where + ".when must be a list of clauses");
        else
          for (std::size_t i = 0; i < when.size(); ++i)
            compileClauseInto(rule, rule.all, "when[" + std::to_string(i) + "]", when[i], false);
      }
      if (const auto clauses = item["clauses"]; clauses.IsDefined() && !clauses.IsNull()) {
        if (!clauses.IsMap()) fail(clauses, where + ".clauses must map names to clauses");
        for (const auto& clause : clauses)
          compileClauseInto(rule, rule.all, clause.first.as<std::string>(), clause.second, false);
      }
      if (const auto unless = item["unless"]; unless.IsDefined() && !unless.IsNull()) {
        if (!unless.IsSequence()) fail(unless, where + ".unless must be a list of clauses");
        for (std::size_t i = 0; i < unless.size(); ++i)
          compileClauseInto(rule, rule.all, "unless[" + std::to_string(i) + "]", unless[i], true);
      }
      if (const auto anyOf = item["any_of"]; anyOf.IsDefined() && !anyOf.IsNull()) {
        if (!anyOf.IsSequence() || anyOf.size() == 0)
          fail(anyOf, where + ".any_of must be a non-empty list of clauses");
        for (std::size_t i = 0; i < anyOf.size(); ++i)
          compileClauseInto(rule, rule.any, "any_of[" + std::to_string(i) + "]", anyOf[i], false);
      }
      checkRuleClauses(rule);
      pending_.clear();
      if (rule.effect == RuleEffect::kRequire && rule.unconditional())
        fail(item, where + ": a require rule needs clauses (it forbids unless they hold)");
      if (item["reason"])
        rule.reason = compileTemplate(scalar(item, "reason", item, where), lineOf(item["reason"]),
                                      where + ".reason");
      if (item["reason_code"]) rule.reasonCode = scalar(item, "reason_code", item, where);
      if (const auto obligations = item["obligations"]; obligations.IsDefined()) {
        if (rule.forbidLike())
          fail(obligations, where + ": obligations belong to permits; a forbid's go under on_deny");
        if (!obligations.IsSequence()) fail(obligations, where + ".obligations must be a list");
        for (const auto& o : obligations)
          rule.obligations.push_back(readObligation(o, ObligationPhase::kPermit, where));
      }
      if (const auto onDeny = item["on_deny"]; onDeny.IsDefined()) {
        if (!rule.forbidLike())
          fail(onDeny, where + ": on_deny belongs to forbid and require rules");
        if (!onDeny.IsSequence()) fail(onDeny, where + ".on_deny must be a list");
        for (const auto& o : onDeny)
          rule.onDeny.push_back(readObligation(o, ObligationPhase::kDeny, where));
      }
      bundle_->rules.push_back(std::move(rule));
    }
  }

  void buildIndex() {
    const std::size_t actionCount = knownActions().size();
    const std::size_t columns = bundle_->bridges.size() + 1;
    bundle_->targets.assign(actionCount, std::vector<CompiledBundle::Target>(columns));
    bundle_->permitsByAction.assign(actionCount, {});
    for (std::size_t r = 0; r < bundle_->rules.size(); ++r) {
      const Rule& rule = bundle_->rules[r];
      for (const int action : rule.actions) {
        auto& row = bundle_->targets[static_cast<std::size_t>(action)];
        for (std::size_t column = 0; column < columns; ++column) {
          const bool applies =
              rule.bridges.empty() ||
              (column > 0 && std::find(rule.bridges.begin(), rule.bridges.end(),
                                       static_cast<int>(column) - 1) != rule.bridges.end());
          if (!applies) continue;
          (rule.forbidLike() ? row[column].forbids : row[column].permits)
              .push_back(static_cast<int>(r));
        }
        if (!rule.forbidLike())
          bundle_->permitsByAction[static_cast<std::size_t>(action)].push_back(static_cast<int>(r));
      }
    }
  }

  // Clause::memo for every clause text that occurs more than once in the bundle. The same text
  // compiles to the same meaning everywhere (one schema), so one evaluation per decision serves
  // every rule that repeats it; `unless:` negates after the shared result.
  void shareRepeatedClauses() {
    std::unordered_map<std::string_view, int> uses;
    const auto eachClause = [&](auto&& visit) {
      for (auto& rule : bundle_->rules) {
        for (auto& clause : rule.all) visit(clause);
        for (auto& clause : rule.any) visit(clause);
      }
    };
    eachClause([&](Clause& clause) { ++uses[clause.text]; });
    std::unordered_map<std::string_view, int> slots;
    eachClause([&](Clause& clause) {
      if (uses[clause.text] < 2) return;
      const auto [it, added] = slots.try_emplace(clause.text, bundle_->memoClauses);
      if (added) ++bundle_->memoClauses;
      clause.memo = it->second;
    });
  }

  static std::string hashOf(const std::vector<Source>& sources) {
    core::Sha256 hash;
    for (const auto& source : sources) hash.add(source.text);
    return core::hexEncode(hash.digest());
  }

  std::shared_ptr<CompiledBundle> bundle_;
  std::vector<Doc> docs_;
  std::string file_;
  std::map<std::string, int> defaultLines_;
  std::map<std::string, std::string> ruleLines_;
  std::vector<PendingClause> pending_;
};

}  // namespace

core::Result<BundlePtr> compileBundle(const std::vector<Source>& sources) {
  try {
    BundleCompiler compiler;
    return compiler.run(sources);
  } catch (const LoadFailure& failure) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.load", failure.message);
  } catch (const YAML::Exception& e) {
    // A value of the wrong shape where yaml-cpp converts it (as<std::string>() of a map).
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.load",
                           (sources.empty() ? std::string("policy") : sources.front().name) + ":" +
                               std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

core::Result<std::vector<Source>> readSources(const std::vector<std::filesystem::path>& files) {
  std::vector<Source> out;
  for (const auto& file : files) {
    std::ifstream in(file, std::ios::binary);
    if (!in)
      return core::makeError(core::ErrorCode::kInvalidArgument, "policy.load",
                             file.string() + ": cannot read the file");
    std::ostringstream text;
    text << in.rdbuf();
    out.push_back({file.string(), text.str()});
  }
  return out;
}

std::string documentKind(const Source& source) {
  try {
    const YAML::Node root = YAML::Load(source.text);
    if (root.IsMap() && root["kind"] && root["kind"].IsScalar()) return root["kind"].Scalar();
  } catch (const YAML::Exception&) {
  }
  return {};
}

std::optional<std::int64_t> parseByteSize(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') ++digits;
  if (digits == 0 || digits > 18) return std::nullopt;
  std::int64_t number = 0;
  for (std::size_t i = 0; i < digits; ++i) number = number * 10 + (text[i] - '0');
  static const std::vector<std::pair<std::string_view, std::int64_t>> kUnits = {
      {"", 1},
      {"B", 1},
      {"KB", 1000},
      {"KiB", 1024},
      {"MB", 1000000},
      {"MiB", 1024 * 1024},
      {"GB", 1000000000},
      {"GiB", std::int64_t{1} << 30},
      {"TB", 1000000000000},
      {"TiB", std::int64_t{1} << 40}};
  const auto unit = text.substr(digits);
  for (const auto& [name, factor] : kUnits) {
    if (unit != name) continue;
    if (number > INT64_MAX / factor) return std::nullopt;
    return number * factor;
  }
  return std::nullopt;
}

int CompiledBundle::actionIndex(std::string_view action) const {
  const auto& actions = knownActions();
  for (std::size_t i = 0; i < actions.size(); ++i)
    if (actions[i] == action) return static_cast<int>(i);
  return -1;
}

int CompiledBundle::bridgeIndex(std::string_view id) const {
  for (std::size_t i = 0; i < bridges.size(); ++i)
    if (bridges[i].id == id) return static_cast<int>(i);
  return -1;
}

const ChannelDef* CompiledBundle::channel(std::string_view channelName) const {
  for (const auto& c : channels)
    if (c.name == channelName) return &c;
  return nullptr;
}

const Rule* CompiledBundle::rule(std::string_view id) const {
  for (const auto& r : rules)
    if (r.id == id) return &r;
  return nullptr;
}

std::string Catalog::typeName(const Type& type) const {
  switch (type.kind) {
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kString: return "string";
    case Kind::kEnum: return "enum";
    case Kind::kTime: return "time";
    case Kind::kLabel: return "label";
    case Kind::kStringSet: return "set<string>";
    case Kind::kEnumSet: return "set<enum>";
    case Kind::kStringList: return "list<string>";
    case Kind::kMission: return "mission";
    case Kind::kObligation: return "obligation";
    case Kind::kObligationList: return "list<obligation>";
  }
  return "?";
}

std::string Catalog::errorText(std::uint32_t code) const {
  const int slot = errorSlot(code);
  const auto name = [&] {
    return slot >= 0 && static_cast<std::size_t>(slot) < attributes.size()
               ? attributes[static_cast<std::size_t>(slot)].name
               : std::string("?");
  };
  switch (errorKind(code)) {
    case ErrorKind::kMissing: return "missing:" + name();
    case ErrorKind::kInvalid: return "invalid:" + name();
    case ErrorKind::kLabelUnmapped: return "label_unmapped";
    case ErrorKind::kUnknownMission: return "unknown_mission";
    case ErrorKind::kNone: break;
  }
  return "error";
}

}  // namespace parley::policy
