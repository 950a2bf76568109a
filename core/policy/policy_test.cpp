#include "core/policy/policy_test.hpp"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <functional>
#include <map>
#include <set>

#include "core/policy/expr/compiler.hpp"
#include "core/policy/strings.hpp"

namespace parley::policy {

std::string TestReport::summary() const {
  std::string out = std::to_string(tests) + " tests (" + std::to_string(testsFailed) +
                    " failed), " + std::to_string(properties) + " properties over " +
                    std::to_string(propertyCases) + " cases (" + std::to_string(propertiesFailed) +
                    " failed)";
  out += passed() ? ": all passed" : ": FAILED";
  return out;
}

namespace {

// Thrown inside this file only, turned into a Result at the entry points.
struct TestFileError {
  std::string message;
};

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

bool globMatch(std::string_view pattern, std::string_view text) {
  if (pattern == "*") return true;
  if (pattern.starts_with("*")) return text.ends_with(pattern.substr(1));
  if (pattern.ends_with("*")) return text.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == text;
}

struct Fixture {
  std::map<std::string, Value> attributes;
  std::optional<std::string> channel;  // messages: the channel they were posted in
};

struct Options {
  std::optional<std::string> now;
};

class Runner {
 public:
  Runner(const CompiledBundle& bundle, TestReport& report) : bundle_(bundle), report_(report) {
    trace_.outcomes.assign(bundle.rules.size(), 0);
  }

  void runFile(const Source& source) {
    file_ = source.name;
    YAML::Node root;
    try {
      root = YAML::Load(source.text);
    } catch (const YAML::ParserException& e) {
      throw TestFileError{file_ + ":" + std::to_string(e.mark.line + 1) + ": bad YAML: " + e.msg};
    }
    if (!root.IsMap()) throw TestFileError{file_ + ":1: a policy test file must be a YAML map"};
    checkKeys(root,
              {"apiVersion", "kind", "options", "fixtures", "tests", "properties", "coverage"}, "");
    if (!root["kind"] || root["kind"].Scalar() != "PolicyTest")
      fail(root, "kind must be PolicyTest");
    fileOptions_ = readOptions(root["options"]);
    subjects_.clear();
    messages_.clear();
    readFixtures(root["fixtures"]);
    if (const auto tests = root["tests"]; tests.IsDefined() && !tests.IsNull()) {
      if (!tests.IsSequence()) fail(tests, "tests must be a list");
      int number = 0;
      for (const auto& test : tests) runTest(test, ++number);
    }
    if (const auto properties = root["properties"];
        properties.IsDefined() && !properties.IsNull()) {
      if (!properties.IsSequence()) fail(properties, "properties must be a list");
      for (const auto& property : properties) runProperty(property);
    }
    if (const auto coverage = root["coverage"]; coverage.IsDefined() && !coverage.IsNull()) {
      if (!coverage.IsMap()) fail(coverage, "coverage must be a map");
      checkKeys(coverage, {"require", "every_obligation_type"}, "coverage");
      if (coverage["require"]) {
        const auto require = coverage["require"].Scalar();
        if (require != "every_rule_true_and_false" && require != "every_rule_true" &&
            require != "none")
          fail(coverage["require"],
               "coverage.require must be every_rule_true_and_false, every_rule_true or none");
        if (require != "none") requireRules_ = require;
        coverageLine_ = lineOf(coverage);
        coverageFile_ = file_;
      }
      if (coverage["every_obligation_type"] && coverage["every_obligation_type"].as<bool>()) {
        requireObligations_ = true;
        coverageLine_ = lineOf(coverage);
        coverageFile_ = file_;
      }
    }
  }

  void finish() {
    const auto failCoverage = [&](const std::string& what) {
      report_.coverage.push_back(what);
      report_.failures.push_back(coverageFile_ + ":" + std::to_string(coverageLine_) +
                                 ": coverage: " + what);
    };
    for (std::size_t r = 0; r < bundle_.rules.size(); ++r) {
      const Rule& rule = bundle_.rules[r];
      const std::uint8_t seen = trace_.outcomes[r];
      if (!requireRules_.empty() && !(seen & 1u))
        failCoverage("rule " + rule.id + " was never " +
                     (rule.forbidLike() ? "satisfied" : "satisfied (never permitted)"));
      // A rule with neither conditions nor a bridge target cannot be false once it applies.
      const bool canBeFalse = !(rule.unconditional() && rule.bridges.empty());
      if (requireRules_ == "every_rule_true_and_false" && canBeFalse && !(seen & 2u))
        failCoverage("rule " + rule.id + " was never unsatisfied");
    }
    if (requireObligations_) {
      std::set<std::string> used;
      for (const auto& rule : bundle_.rules) {
        for (const auto& spec : rule.obligations) used.emplace(spec.type->name);
        for (const auto& spec : rule.onDeny) used.emplace(spec.type->name);
      }
      for (const auto& type : used)
        if (!producedObligations_.count(type))
          failCoverage("obligation type " + type + " was never produced by a decision");
    }
  }

  void setFile(std::string name) { file_ = std::move(name); }

  Request requestFrom(const YAML::Node& node, const Options& options) {
    auto requests = buildRequests(node, options);
    if (requests.size() != 1) fail(node, "explain takes one bridge");
    return std::move(requests.front());
  }

 private:
  static int lineOf(const YAML::Node& node) {
    return node.IsDefined() && node.Mark().line >= 0 ? node.Mark().line + 1 : 1;
  }
  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    throw TestFileError{file_ + ":" + std::to_string(lineOf(node)) + ": " + message};
  }
  void checkKeys(const YAML::Node& map, const std::vector<std::string>& known,
                 const std::string& where) const {
    for (const auto& item : map) {
      const auto key = item.first.as<std::string>();
      if (std::find(known.begin(), known.end(), key) == known.end())
        fail(item.first, "unknown key \"" + key + "\"" + (where.empty() ? "" : " in " + where) +
                             " (expected " + joined(known) + ")");
    }
  }

  Options readOptions(const YAML::Node& node) const {
    Options options;
    if (!node.IsDefined() || node.IsNull()) return options;
    if (!node.IsMap()) fail(node, "options must be a map");
    checkKeys(node, {"now"}, "options");
    if (node["now"]) {
      options.now = node["now"].Scalar();
      if (!expr::parseTime(*options.now))
        fail(node["now"], "options.now: \"" + *options.now + "\" is not an RFC 3339 time");
    }
    return options;
  }

  // The YAML value as the attribute's Value (checked against its type).
  Value valueFor(const std::string& name, const YAML::Node& node) const {
    const auto* def = bundle_.catalog.attribute(name);
    if (!def) fail(node, "unknown attribute " + name);
    Value value;
    if (def->type.kind == Kind::kStringSet || def->type.kind == Kind::kEnumSet) {
      std::vector<std::string> items;
      if (node.IsScalar()) items.push_back(node.Scalar());
      else if (node.IsSequence())
        for (const auto& item : node) items.push_back(item.Scalar());
      else fail(node, name + " must be a list");
      value = std::move(items);
    } else {
      if (!node.IsScalar()) fail(node, name + " must be a single value");
      const auto& text = node.Scalar();
      if (def->type.kind == Kind::kBool) {
        if (text != "true" && text != "false") fail(node, name + " must be true or false");
        value = text == "true";
      } else if (def->type.kind == Kind::kInt) {
        const auto number = parseByteSize(text);
        if (!number) fail(node, name + ": \"" + text + "\" is not a number or size");
        value = *number;
      } else {
        value = text;
      }
    }
    Request probe;
    probe.attributes.emplace(name, value);
    const auto prepared = prepare(bundle_, probe);
    if (errorKind(prepared.slots[static_cast<std::size_t>(def->slot)].error) == ErrorKind::kInvalid)
      fail(node, name + ": the value does not fit its type (" +
                     bundle_.catalog.typeName(def->type) + ")");
    return value;
  }

  // A named fixture's name is its default subject.id and subject.display; an inline subject
  // (named = false) has only what it says.
  Fixture readSubject(const std::string& name, const YAML::Node& node, bool named = true) const {
    Fixture fixture;
    if (!node.IsMap()) fail(node, "subject " + name + " must be a map of attributes");
    if (named) {
      fixture.attributes["subject.id"] = name;
      fixture.attributes["subject.display"] = name;
    }
    for (const auto& item : node) {
      const auto key = item.first.as<std::string>();
      if (key == "remote") {
        const auto bridgeId = item.second.Scalar();
        const int bridge = bundle_.bridgeIndex(bridgeId);
        if (bridge < 0)
          fail(item.second, cat("subject ", name, ": bridge \"", bridgeId, "\" is not configured"));
        fixture.attributes["subject.remote"] = bridgeId;
        fixture.attributes["remote.user"] = name;
        const auto& allowed = bundle_.bridges[static_cast<std::size_t>(bridge)].allowedRemotes;
        if (!fixture.attributes.count("remote.server") && !allowed.empty())
          fixture.attributes["remote.server"] = allowed.front();
      } else if (key == "server") {
        fixture.attributes["remote.server"] = item.second.Scalar();
      } else {
        fixture.attributes["subject." + key] = valueFor("subject." + key, item.second);
      }
    }
    return fixture;
  }

  Fixture readMessage(const std::string& name, const YAML::Node& node) const {
    Fixture fixture;
    if (!node.IsMap()) fail(node, "message " + name + " must be a map");
    for (const auto& item : node) {
      const auto key = item.first.as<std::string>();
      if (key == "channel") {
        fixture.channel = item.second.Scalar();
        if (!bundle_.channel(*fixture.channel))
          fail(item.second, "message " + name + ": channel \"" + *fixture.channel +
                                "\" is not in the bundle's channels");
      } else if (key == "file" || key == "content") {
        if (!item.second.IsMap())
          fail(item.second, cat("message ", name, ".", key, " must be a map"));
        for (const auto& sub : item.second)
          fixture.attributes[key + "." + sub.first.as<std::string>()] =
              valueFor(key + "." + sub.first.as<std::string>(), sub.second);
      } else {
        fixture.attributes["message." + key] = valueFor("message." + key, item.second);
      }
    }
    return fixture;
  }

  void readFixtures(const YAML::Node& node) {
    if (!node.IsDefined() || node.IsNull()) return;
    if (!node.IsMap()) fail(node, "fixtures must be a map");
    checkKeys(node, {"subjects", "messages"}, "fixtures");
    for (const char* kind : {"subjects", "messages"}) {
      const auto section = node[kind];
      if (!section.IsDefined() || section.IsNull()) continue;
      if (!section.IsMap()) fail(section, std::string("fixtures.") + kind + " must be a map");
      for (const auto& item : section) {
        const auto name = item.first.as<std::string>();
        if (std::string_view(kind) == "subjects")
          subjects_.emplace_back(name, readSubject(name, item.second));
        else messages_.emplace_back(name, readMessage(name, item.second));
      }
    }
  }

  const Fixture& fixture(const std::vector<std::pair<std::string, Fixture>>& list,
                         const YAML::Node& node, const char* what) const {
    const auto& name = node.Scalar();
    for (const auto& [key, value] : list)
      if (key == name) return value;
    fail(node, std::string("unknown ") + what + " fixture \"" + name + "\"");
  }

  void applyFixture(Request& request, const Fixture& fixture,
                    std::optional<std::string>& channel) const {
    for (const auto& [name, value] : fixture.attributes) request.attributes[name] = value;
    if (fixture.channel) channel = fixture.channel;
  }

  void applyChannel(Request& request, const std::string& channel) const {
    for (auto it = request.attributes.begin(); it != request.attributes.end();)
      it = it->first.starts_with("channel.") ? request.attributes.erase(it) : std::next(it);
    addChannelAttributes(bundle_, channel, request);
  }

  std::vector<Request> buildRequests(const YAML::Node& node, const Options& options) {
    if (!node.IsMap()) fail(node, "request must be a map");
    checkKeys(node,
              {"action", "subject", "message", "channel", "bridge", "remote_label", "attributes",
               "drop_attributes", "now"},
              "request");
    Request base;
    if (!node["action"]) fail(node, "request needs an action");
    base.action = node["action"].Scalar();
    if (bundle_.actionIndex(base.action) < 0)
      fail(node["action"],
           "unknown action \"" + base.action + "\" (actions: " + joined(knownActions()) + ")");
    std::optional<std::string> channel;
    if (const auto subject = node["subject"]) {
      if (subject.IsMap()) applyFixture(base, readSubject("subject", subject, false), channel);
      else applyFixture(base, fixture(subjects_, subject, "subject"), channel);
    }
    if (const auto message = node["message"]) {
      if (message.IsMap()) applyFixture(base, readMessage("message", message), channel);
      else applyFixture(base, fixture(messages_, message, "message"), channel);
    }
    if (const auto explicitChannel = node["channel"]) {
      channel = explicitChannel.Scalar();
      if (!bundle_.channel(*channel))
        fail(explicitChannel, "channel \"" + *channel + "\" is not in the bundle's channels");
    }
    if (channel) applyChannel(base, *channel);
    if (const auto remote = node["remote_label"]) base.attributes["remote.label"] = remote.Scalar();
    const auto now = node["now"] ? std::optional<std::string>(node["now"].Scalar()) : options.now;
    if (now) base.attributes["env.now"] = *now;
    if (const auto attributes = node["attributes"]) {
      if (!attributes.IsMap()) fail(attributes, "request.attributes must be a map");
      for (const auto& item : attributes) {
        const auto name = item.first.as<std::string>();
        base.attributes[name] = valueFor(name, item.second);
      }
    }
    if (const auto drop = node["drop_attributes"]) {
      if (!drop.IsSequence()) fail(drop, "drop_attributes must be a list");
      for (const auto& item : drop) {
        if (!bundle_.catalog.attribute(item.Scalar()))
          fail(item, "unknown attribute " + item.Scalar());
        base.attributes.erase(item.Scalar());
      }
    }
    std::vector<std::string> bridges;
    if (const auto bridge = node["bridge"]) {
      if (bridge.IsSequence())
        for (const auto& item : bridge) bridges.push_back(item.Scalar());
      else bridges.push_back(bridge.Scalar());
      for (const auto& id : bridges)
        if (bundle_.bridgeIndex(id) < 0) fail(bridge, "bridge \"" + id + "\" is not configured");
    }
    if (bridges.empty()) return {std::move(base)};
    std::vector<Request> out;
    for (const auto& id : bridges) {
      Request request = base;
      request.attributes["bridge.id"] = id;
      out.push_back(std::move(request));
    }
    return out;
  }

  Decision run(const Request& request) {
    auto prepared = prepare(bundle_, request);
    auto decision = decide(bundle_, prepared, &trace_);
    for (const auto& o : decision.obligations) producedObligations_.insert(o.type);
    return decision;
  }

  static std::string describe(const Decision& d) {
    std::string out =
        std::string(d.permitted() ? "permit" : "deny") + " by [" + joined(d.determiningRules) + "]";
    if (d.closest) out += ", closest " + d.closest->rule + " failed " + d.closest->failedClause;
    if (!d.errors.empty()) out += ", errors [" + joined(d.errors) + "]";
    out += ", reason \"" + d.reason + "\"";
    return out;
  }

  // Whether `actual` holds every key of `expected` with the same text.
  static bool includes(const nlohmann::json& actual, const YAML::Node& expected) {
    if (expected.IsScalar())
      return actual.is_string() && actual.get<std::string>() == expected.Scalar();
    if (!expected.IsMap()) return false;
    if (!actual.is_object()) return false;
    for (const auto& item : expected) {
      const auto key = item.first.as<std::string>();
      if (!actual.contains(key) || !includes(actual[key], item.second)) return false;
    }
    return true;
  }

  std::optional<std::string> check(const Decision& d, const YAML::Node& expect) const {
    std::vector<std::string> problems;
    if (const auto decision = expect["decision"]) {
      const auto& want = decision.Scalar();
      if (want != "permit" && want != "deny")
        fail(decision, "expect.decision must be permit or deny");
      if ((want == "permit") != d.permitted()) problems.emplace_back("expected " + want);
    }
    if (const auto by = expect["by"]) {
      std::vector<std::string> want;
      for (const auto& item : by) {
        if (!bundle_.rule(item.Scalar())) fail(item, "unknown rule \"" + item.Scalar() + "\"");
        want.push_back(item.Scalar());
      }
      if (want.empty() && !d.determiningRules.empty())
        problems.emplace_back("expected no determining rule (a default deny)");
      for (const auto& id : want)
        if (std::find(d.determiningRules.begin(), d.determiningRules.end(), id) ==
            d.determiningRules.end())
          problems.emplace_back("expected " + id + " among the determining rules");
    }
    if (const auto obligations = expect["obligations"]) {
      std::vector<std::string> want;
      for (const auto& item : obligations) want.push_back(item.Scalar());
      std::vector<std::string> got;
      for (const auto& o : d.obligations) got.push_back(o.type);
      if (want != got)
        problems.emplace_back("expected obligations [" + joined(want) + "], got [" + joined(got) +
                              "]");
    }
    if (const auto include = expect["obligations_include"]) {
      for (const auto& item : include) {
        std::string type;
        YAML::Node params;
        if (item.IsScalar()) {
          type = item.Scalar();
        } else if (item.IsMap() && item.size() == 1) {
          type = item.begin()->first.as<std::string>();
          params = item.begin()->second;
        } else {
          fail(item, "obligations_include items are a type or {type: {param: value}}");
        }
        if (!findObligationType(type)) fail(item, "unknown obligation type \"" + type + "\"");
        const bool found =
            std::any_of(d.obligations.begin(), d.obligations.end(), [&](const Obligation& o) {
              return o.type == type &&
                     (!params.IsDefined() || params.IsNull() || includes(o.params, params));
            });
        if (!found) {
          std::string got;
          for (const auto& o : d.obligations)
            got += (got.empty() ? "" : ", ") + o.type + " " + o.params.dump();
          problems.emplace_back(
              cat("expected an obligation ", type,
                  params.IsDefined() ? " with " + YAML::Dump(params) : std::string(), ", got [",
                  got, "]"));
        }
      }
    }
    if (const auto reason = expect["reason_contains"]) {
      if (d.reason.find(reason.Scalar()) == std::string::npos)
        problems.emplace_back("expected the reason to contain \"" + reason.Scalar() + "\"");
    }
    if (const auto closest = expect["closest"]) {
      if (!closest.IsMap()) fail(closest, "expect.closest must be {rule, failed}");
      const auto rule = closest["rule"] ? closest["rule"].Scalar() : std::string();
      const auto failed = closest["failed"] ? closest["failed"].Scalar() : std::string();
      if (!d.closest || (!rule.empty() && d.closest->rule != rule) ||
          (!failed.empty() && d.closest->failedClause != failed))
        problems.emplace_back("expected closest " + rule + " failed " + failed);
    }
    if (const auto errors = expect["errors"]) {
      std::vector<std::string> want;
      for (const auto& item : errors) want.push_back(item.Scalar());
      auto got = d.errors;
      std::sort(want.begin(), want.end());
      std::sort(got.begin(), got.end());
      if (want != got) problems.emplace_back("expected errors [" + joined(want) + "]");
    }
    if (const auto present = expect["errors_present"]) {
      if (present.as<bool>() == d.errors.empty())
        problems.emplace_back(present.as<bool>() ? "expected errors" : "expected no errors");
    }
    if (problems.empty()) return std::nullopt;
    return joined(problems);
  }

  void runTest(const YAML::Node& test, int number) {
    if (!test.IsMap()) fail(test, "each test must be a map");
    checkKeys(test, {"name", "options", "request", "expect"}, "test");
    const std::string name = test["name"] ? test["name"].Scalar() : "#" + std::to_string(number);
    if (!test["request"]) fail(test, "test " + name + " needs a request");
    if (!test["expect"] || !test["expect"].IsMap())
      fail(test, "test " + name + " needs expect: {...}");
    checkKeys(test["expect"],
              {"decision", "by", "obligations", "obligations_include", "reason_contains", "closest",
               "errors", "errors_present"},
              "expect");
    Options options = fileOptions_;
    if (const auto own = readOptions(test["options"]); own.now) options.now = own.now;
    for (const auto& request : buildRequests(test["request"], options)) {
      ++report_.tests;
      const Decision decision = run(request);
      if (auto problem = check(decision, test["expect"])) {
        ++report_.testsFailed;
        std::string label = "test \"" + name + "\"";
        if (const auto it = request.attributes.find("bridge.id"); it != request.attributes.end())
          label += " (bridge " + std::get<std::string>(it->second) + ")";
        report_.failures.push_back(file_ + ":" + std::to_string(lineOf(test)) + ": " + label +
                                   ": " + *problem + "; got " + describe(decision));
      }
    }
  }

  // One dimension of a property: its name and the ways of setting it.
  struct Dimension {
    std::string name;
    std::vector<std::string> labels;
    std::vector<std::function<void(Request&, std::optional<std::string>&)>> apply;
  };

  Dimension dimension(const std::string& key, const YAML::Node& spec) {
    Dimension dim;
    dim.name = key;
    const auto names = [&](const std::vector<std::string>& all, const char* what) {
      std::vector<std::string> out;
      const auto pick = [&](const std::string& pattern, const YAML::Node& at) {
        bool any = false;
        for (const auto& item : all)
          if (globMatch(pattern, item)) {
            out.push_back(item);
            any = true;
          }
        if (!any) fail(at, std::string("no ") + what + " matches \"" + pattern + "\"");
      };
      if (spec.IsScalar()) pick(spec.Scalar(), spec);
      else if (spec.IsSequence())
        for (const auto& item : spec) pick(item.Scalar(), item);
      else fail(spec, key + " must be \"*\", a name or a list");
      return out;
    };
    if (key == "action") {
      for (const auto& action : names(knownActions(), "action")) {
        dim.labels.push_back(action);
        dim.apply.emplace_back(
            [action](Request& r, std::optional<std::string>&) { r.action = action; });
      }
    } else if (key == "bridge") {
      std::vector<std::string> ids;
      for (const auto& b : bundle_.bridges) ids.push_back(b.id);
      for (const auto& id : names(ids, "bridge")) {
        dim.labels.push_back(id);
        dim.apply.emplace_back(
            [id](Request& r, std::optional<std::string>&) { r.attributes["bridge.id"] = id; });
      }
    } else if (key == "subject" || key == "message") {
      const auto& list = key == "subject" ? subjects_ : messages_;
      std::vector<std::string> all;
      for (const auto& [name, f] : list) all.push_back(name);
      for (const auto& name : names(all, key == "subject" ? "subject" : "message")) {
        const Fixture* f = nullptr;
        for (const auto& [n, value] : list)
          if (n == name) f = &value;
        dim.labels.push_back(name);
        dim.apply.emplace_back([this, f](Request& r, std::optional<std::string>& channel) {
          applyFixture(r, *f, channel);
        });
      }
    } else if (key == "channel") {
      std::vector<std::string> chosen;
      if (spec.IsMap()) {
        // {bridging: never}: every channel whose attributes match.
        for (const auto& c : bundle_.channels) {
          bool match = true;
          for (const auto& item : spec) {
            const auto it = c.attributes.find("channel." + item.first.as<std::string>());
            const auto* text =
                it == c.attributes.end() ? nullptr : std::get_if<std::string>(&it->second);
            const auto* flag = it == c.attributes.end() ? nullptr : std::get_if<bool>(&it->second);
            const auto want = item.second.Scalar();
            if (!(text && *text == want) && !(flag && (*flag ? "true" : "false") == want))
              match = false;
          }
          if (match) chosen.push_back(c.name);
        }
        if (chosen.empty()) fail(spec, "no channel matches the filter");
      } else {
        std::vector<std::string> all;
        for (const auto& c : bundle_.channels) all.push_back(c.name);
        chosen = names(all, "channel");
      }
      for (const auto& name : chosen) {
        dim.labels.push_back(name);
        dim.apply.emplace_back(
            [name](Request&, std::optional<std::string>& channel) { channel = name; });
      }
    } else {
      const auto* def = bundle_.catalog.attribute(key);
      if (!def) fail(spec, "unknown attribute " + key);
      std::vector<Value> values;
      if (spec.IsScalar() && spec.Scalar() == "*") {
        const auto& catalog = bundle_.catalog;
        switch (def->type.kind) {
          case Kind::kBool: values = {true, false}; break;
          case Kind::kEnum:
            for (const auto& v : catalog.domains[static_cast<std::size_t>(def->type.domain)].values)
              values.emplace_back(v);
            break;
          case Kind::kLabel: {
            const auto& policy = catalog.labelPolicies[static_cast<std::size_t>(def->type.domain)];
            if (policy.labelCount() > LabelPolicy::kMaxEnumerated)
              fail(spec,
                   key + ": label policy " + policy.name() + " has too many labels to enumerate");
            for (const auto& label : policy.allLabels()) values.emplace_back(policy.text(label));
            break;
          }
          case Kind::kEnumSet: {
            const auto& domain = catalog.domains[static_cast<std::size_t>(def->type.domain)].values;
            if (domain.size() > 12)
              fail(spec, key + " has too many values to enumerate its subsets");
            for (std::uint32_t subset = 0; subset < (1u << domain.size()); ++subset) {
              std::vector<std::string> items;
              for (std::size_t i = 0; i < domain.size(); ++i)
                if ((subset >> i) & 1u) items.push_back(domain[i]);
              values.emplace_back(std::move(items));
            }
            break;
          }
          default:
            fail(spec, key + " (" + catalog.typeName(def->type) +
                           ") has no finite domain; list its values instead of \"*\"");
        }
      } else if (spec.IsSequence()) {
        for (const auto& item : spec) values.push_back(valueFor(key, item));
      } else {
        values.push_back(valueFor(key, spec));
      }
      for (auto& value : values) {
        std::string label;
        if (const auto* s = std::get_if<std::string>(&value)) label = *s;
        else if (const auto* b = std::get_if<bool>(&value)) label = *b ? "true" : "false";
        else if (const auto* l = std::get_if<std::vector<std::string>>(&value))
          label = "[" + joined(*l) + "]";
        else label = std::to_string(std::get<std::int64_t>(value));
        dim.labels.push_back(label);
        dim.apply.emplace_back(
            [key, value](Request& r, std::optional<std::string>&) { r.attributes[key] = value; });
      }
    }
    return dim;
  }

  void runProperty(const YAML::Node& property) {
    if (!property.IsMap()) fail(property, "each property must be a map");
    checkKeys(property, {"name", "for_all", "assert", "options"}, "property");
    const std::string name = property["name"] ? property["name"].Scalar() : "(unnamed)";
    const auto forAll = property["for_all"];
    if (!forAll || !forAll.IsMap()) fail(property, "property " + name + " needs for_all: {...}");
    if (!property["assert"]) fail(property, "property " + name + " needs assert");
    auto compiled = expr::compileClause(property["assert"].Scalar(), bundle_.catalog, {true});
    if (!compiled) fail(property["assert"], "property " + name + ": " + compiled.error().message);
    if (compiled->type.kind != Kind::kBool)
      fail(property["assert"], "property " + name + ": assert must be a condition");
    Options options = fileOptions_;
    if (const auto own = readOptions(property["options"]); own.now) options.now = own.now;

    // Order of application: fixtures, then the channel, then the bridge, then attributes.
    std::vector<Dimension> dims;
    const auto order = [](const std::string& key) {
      if (key == "subject") return 0;
      if (key == "message") return 1;
      if (key == "channel") return 2;
      if (key == "action") return 3;
      if (key == "bridge") return 4;
      return 5;
    };
    for (const auto& item : forAll)
      dims.push_back(dimension(item.first.as<std::string>(), item.second));
    std::stable_sort(dims.begin(), dims.end(), [&](const Dimension& a, const Dimension& b) {
      return order(a.name) < order(b.name);
    });
    if (std::none_of(dims.begin(), dims.end(),
                     [](const Dimension& d) { return d.name == "action"; }))
      fail(forAll, "property " + name + " needs an action dimension");
    std::int64_t total = 1;
    for (const auto& dim : dims) {
      total *= static_cast<std::int64_t>(dim.apply.size());
      if (total > kMaxPropertyCases)
        fail(forAll, "property " + name + " would enumerate more than " +
                         std::to_string(kMaxPropertyCases) + " cases");
    }
    ++report_.properties;
    std::vector<std::size_t> index(dims.size(), 0);
    for (std::int64_t n = 0; n < total; ++n) {
      Request request;
      std::optional<std::string> channel;
      bool channelApplied = false;
      for (std::size_t d = 0; d < dims.size(); ++d) {
        if (!channelApplied && order(dims[d].name) >= 3) {
          if (channel) applyChannel(request, *channel);
          channelApplied = true;
        }
        dims[d].apply[index[d]](request, channel);
      }
      if (!channelApplied && channel) applyChannel(request, *channel);
      if (options.now && !request.attributes.count("env.now"))
        request.attributes["env.now"] = *options.now;
      ++report_.propertyCases;
      const auto prepared = prepare(bundle_, request);
      const Decision decision = decide(bundle_, prepared, &trace_);
      for (const auto& o : decision.obligations) producedObligations_.insert(o.type);
      EvalContext ctx;
      ctx.slots = prepared.slots.data();
      ctx.decisionPermit = decision.permitted();
      ctx.obligations = &decision.obligations;
      const Val result = compiled->node->eval(ctx);
      if (result.isError() || !result.b) {
        std::string where;
        for (std::size_t d = 0; d < dims.size(); ++d)
          where += (where.empty() ? "" : ", ") + dims[d].name + "=" + dims[d].labels[index[d]];
        ++report_.propertiesFailed;
        report_.failures.push_back(cat(file_, ":", std::to_string(lineOf(property)),
                                       ": property \"", name, "\" fails for ", where, ": ",
                                       result.isError()
                                           ? cat("the assertion could not be evaluated (",
                                                 bundle_.catalog.errorText(result.error), ")")
                                           : "got " + describe(decision)));
        return;
      }
      for (std::size_t d = dims.size(); d-- > 0;) {
        if (++index[d] < dims[d].apply.size()) break;
        index[d] = 0;
      }
    }
  }

  const CompiledBundle& bundle_;
  TestReport& report_;
  DecisionTrace trace_;
  std::string file_;
  Options fileOptions_;
  std::vector<std::pair<std::string, Fixture>> subjects_;
  std::vector<std::pair<std::string, Fixture>> messages_;
  std::set<std::string> producedObligations_;
  std::string requireRules_;
  bool requireObligations_ = false;
  std::string coverageFile_;
  int coverageLine_ = 1;
};

}  // namespace

core::Result<TestReport> runPolicyTests(const CompiledBundle& bundle,
                                        const std::vector<Source>& testFiles) {
  TestReport report;
  try {
    Runner runner(bundle, report);
    for (const auto& file : testFiles) runner.runFile(file);
    runner.finish();
  } catch (const TestFileError& e) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.test", e.message);
  } catch (const YAML::Exception& e) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.test",
                           (testFiles.empty() ? std::string("test") : testFiles.front().name) +
                               ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  return report;
}

core::Result<Request> requestFromYaml(const CompiledBundle& bundle, const Source& source) {
  TestReport unused;
  try {
    YAML::Node root;
    try {
      root = YAML::Load(source.text);
    } catch (const YAML::ParserException& e) {
      throw TestFileError{source.name + ":" + std::to_string(e.mark.line + 1) +
                          ": bad YAML: " + e.msg};
    }
    if (!root.IsMap()) throw TestFileError{source.name + ":1: a request must be a YAML map"};
    Runner reader(bundle, unused);
    reader.setFile(source.name);
    return reader.requestFrom(root, Options{});
  } catch (const TestFileError& e) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.request", e.message);
  } catch (const YAML::Exception& e) {
    return core::makeError(core::ErrorCode::kInvalidArgument, "policy.request",
                           source.name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
}

}  // namespace parley::policy
