// `parleyd attributes set`: policy attributes of a user (custom profile attribute values, by
// field name) or of a channel, from the command line. Every value goes through the same
// services as the API (core/services/policy_attribute_service), so it is validated, written
// and audited exactly as an admin's API call would be.

#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <sstream>

#include "core/common/clock.hpp"
#include "core/model/id.hpp"
#include "core/services/policy_attribute_service.hpp"
#include "core/store/postgres/database.hpp"
#include "core/store/postgres/migrations.hpp"
#include "gateway/cli/commands.hpp"

namespace parley::gateway::cli {
namespace {

namespace services = core::services;
namespace model = core::model;

struct Assignment {
  std::string name;
  std::string value;
};

std::vector<std::string> splitList(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    item.erase(0, item.find_first_not_of(' '));
    item.erase(item.find_last_not_of(' ') + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

int usage(const std::string& problem) {
  std::cerr << "parleyd attributes: " << problem << "\n\n" << kAttributesUsage;
  return kExitUsage;
}

// An error of the services: bad input is a usage error (2), anything else a failure (1).
int failed(const core::Error& error) {
  std::cerr << "parleyd attributes: " << error.message;
  if (!error.detail.empty()) std::cerr << " (" << error.detail << ")";
  std::cerr << " [" << error.id << "]\n";
  return error.code == core::ErrorCode::kInvalidArgument || error.code == core::ErrorCode::kNotFound
             ? kExitUsage
             : kExitFailure;
}

// The operator running the command: the system administrator the API would need, named after
// the local account so that the audit log says who it was ("cli:<login>", at most 26
// characters, the width of the updated_by columns).
model::User operatorCaller() {
  model::User caller;
  const passwd* account = ::getpwuid(::geteuid());
  std::string login = account != nullptr && account->pw_name != nullptr
                          ? account->pw_name
                          : std::to_string(::geteuid());
  caller.id = ("cli:" + login).substr(0, 26);
  caller.username = caller.id;
  caller.roles = std::string(model::kRoleSystemAdmin) + " " + std::string(model::kRoleSystemUser);
  return caller;
}

// A select option's id from its name (or its id); nullopt when neither.
std::optional<std::string> optionId(const model::PropertyField& field, const std::string& value) {
  const auto options = field.attrs.find("options");
  if (options == field.attrs.end() || !options->is_array()) return std::nullopt;
  for (const auto& option : *options) {
    if (option.value("name", "") == value || option.value("id", "") == value)
      return option.value("id", "");
  }
  return std::nullopt;
}

// The value as the API takes it: option ids for select fields (named here by option name),
// lists for multi-valued fields (comma-separated here).
core::Result<nlohmann::json> apiValue(const model::PropertyField& field, const std::string& text) {
  const bool multi =
      field.type == model::kPropertyTypeMultiselect || field.type == model::kPropertyTypeMultiuser;
  const bool select =
      field.type == model::kPropertyTypeSelect || field.type == model::kPropertyTypeMultiselect;
  std::vector<std::string> items = multi ? splitList(text) : std::vector<std::string>{text};
  if (select) {
    for (auto& item : items) {
      if (item.empty()) continue;
      auto id = optionId(field, item);
      if (!id) {
        return core::makeError(core::ErrorCode::kInvalidArgument,
                               "app.custom_profile_attributes.validate_value.app_error",
                               "\"" + item + "\" is not an option of " + field.name + ".");
      }
      item = *id;
    }
  }
  if (multi) return nlohmann::json(items);
  return nlohmann::json(items.front());
}

int setUserAttributes(core::store::Database& database, const model::User& caller,
                      const std::string& username, const std::vector<Assignment>& assignments) {
  auto done = database.runAndWait([&](core::store::Store& store) -> core::Result<std::string> {
    auto user = store.users().getByUsername(username);
    if (!user) return std::move(user).error();
    auto fields = services::listProfileFields(store, caller);
    if (!fields) return std::move(fields).error();
    std::map<std::string, nlohmann::json> values;
    for (const auto& [name, text] : assignments) {
      const auto field = std::find_if(fields->begin(), fields->end(),
                                      [&](const auto& f) { return f.name == name; });
      if (field == fields->end()) {
        return core::makeError(core::ErrorCode::kNotFound,
                               "app.custom_profile_attributes.property_field_not_found.app_error",
                               "No custom profile attribute field is named \"" + name + "\".");
      }
      auto value = apiValue(*field, text);
      if (!value) return std::move(value).error();
      values[field->id] = std::move(*value);
    }
    auto written = services::setProfileValues(store, caller, user->id, values);
    if (!written) return std::move(written).error();
    return user->id;
  });
  if (!done) return failed(done.error());
  std::cout << "set " << assignments.size() << " attribute(s) of user " << username << " (" << *done
            << ")\n";
  return kExitOk;
}

core::Result<bool> parseBool(const std::string& name, const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return core::makeError(core::ErrorCode::kInvalidArgument,
                         "api.context.invalid_body_param.app_error",
                         name + " must be true or false.");
}

int setChannelAttributes(core::store::Database& database, const model::User& caller,
                         const std::string& teamChannel,
                         const std::vector<Assignment>& assignments) {
  const auto slash = teamChannel.find('/');
  if (slash == std::string::npos || slash == 0 || slash + 1 == teamChannel.size())
    return usage("--channel takes TEAM/CHANNEL (names, as in the policy bundle)");
  const std::string teamName = teamChannel.substr(0, slash);
  const std::string channelName = teamChannel.substr(slash + 1);
  auto done = database.runAndWait([&](core::store::Store& store) -> core::Status {
    auto team = store.teams().getByName(teamName);
    if (!team) return std::move(team).error();
    auto channel = store.channels().getByName(team->id, channelName);
    if (!channel) return std::move(channel).error();
    // The command changes the attributes it names and keeps the others.
    auto stored = store.policyAttributes().channelPolicy(channel->id);
    if (!stored) return std::move(stored).error();
    model::ChannelPolicyAttributes attributes;
    if (*stored) attributes = std::move(**stored);
    attributes.channelId = channel->id;
    for (const auto& [name, text] : assignments) {
      if (name == "label") {
        attributes.label = text;
      } else if (name == "mission") {
        attributes.mission = text;
      } else if (name == "bridging") {
        attributes.bridging = text;
      } else if (name == "bridges") {
        attributes.bridges = splitList(text);
      } else if (name == "guests") {
        auto guests = parseBool(name, text);
        if (!guests) return std::move(guests).error();
        attributes.guests = *guests;
      } else {
        return core::makeError(core::ErrorCode::kInvalidArgument,
                               "api.context.invalid_body_param.app_error",
                               "Unknown channel attribute \"" + name +
                                   "\" (label, mission, bridging, bridges, guests).");
      }
    }
    auto written = services::setChannelPolicy(store, caller, std::move(attributes));
    if (!written) return std::move(written).error();
    return {};
  });
  if (!done) return failed(done.error());
  std::cout << "set " << assignments.size() << " attribute(s) of channel " << teamChannel << '\n';
  return kExitOk;
}

}  // namespace

const char* const kAttributesUsage = R"(Usage: parleyd attributes set [--config FILE] [--as ADMIN]
                              (--user USERNAME | --channel TEAM/CHANNEL) NAME=VALUE...

Sets policy attributes through the same checks as the API, each change audited.
  --user USERNAME        values of custom profile attribute fields, by field name:
                         clearance="SECRET REL GBR" missions=NORTHWIND,SOUTHWIND
                         (select fields by option name; lists comma-separated)
  --channel TEAM/CHANNEL label="CONFIDENTIAL REL GBR" mission=NORTHWIND bridging=allowed
                         bridges=xmpp-usa,matrix-fra guests=false (others are kept)
  --as ADMIN             act as this system administrator (default: the operator,
                         audited as cli:<login>); nobody sets their own attributes

Exit codes: 0 set, 1 failure, 2 bad usage or a value the API would refuse (nothing changed).
)";

int attributes(const core::config::Config& config, const AttributesOptions& options) {
  if (options.command != "set") return usage("unknown command \"" + options.command + "\"");
  if (options.user.empty() == options.channel.empty())
    return usage("give either --user or --channel");
  if (options.assignments.empty()) return usage("nothing to set: give NAME=VALUE");
  std::vector<Assignment> assignments;
  for (const auto& text : options.assignments) {
    const auto equals = text.find('=');
    if (equals == std::string::npos || equals == 0)
      return usage("\"" + text + "\" is not NAME=VALUE");
    const std::string name = text.substr(0, equals);
    if (std::any_of(assignments.begin(), assignments.end(),
                    [&](const Assignment& a) { return a.name == name; }))
      return usage(name + " is given twice");
    assignments.push_back({name, text.substr(equals + 1)});
  }

  const auto status = core::store::postgres::migrationStatus(config.database.dsn);
  if (!status) {
    std::cerr << "parleyd attributes: " << status.error().message << '\n';
    return kExitFailure;
  }
  if (!status->pending.empty()) {
    std::cerr << "parleyd attributes: the database schema is not current; run `parleyd migrate` "
                 "first\n";
    return kExitFailure;
  }
  auto database =
      core::store::postgres::openDatabase(config.database, std::make_shared<core::SystemClock>());
  model::User caller = operatorCaller();
  if (!options.as.empty()) {
    auto admin = database->runAndWait(
        [&](core::store::Store& store) { return store.users().getByUsername(options.as); });
    if (!admin) {
      database->stop();
      return failed(admin.error());
    }
    caller = std::move(*admin);
  }
  const int code = options.user.empty()
                       ? setChannelAttributes(*database, caller, options.channel, assignments)
                       : setUserAttributes(*database, caller, options.user, assignments);
  database->stop();
  return code;
}

}  // namespace parley::gateway::cli
