#include "gateway/api/custom_profile_attributes.hpp"

#include "core/services/policy_attribute_service.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// Mattermost's CPAField JSON (model.PropertyField with CPAAttrs).
nlohmann::json fieldToJson(const core::model::PropertyField& field) {
  return {{"id", field.id},
          {"group_id", field.groupId},
          {"name", field.name},
          {"type", field.type},
          {"attrs", field.attrs},
          {"target_id", ""},
          {"target_type", ""},
          {"create_at", field.createAt},
          {"update_at", field.updateAt},
          {"delete_at", field.deleteAt},
          {"created_by", field.createdBy},
          {"updated_by", field.updatedBy}};
}

nlohmann::json valuesToJson(const std::map<std::string, nlohmann::json>& values) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [fieldId, value] : values) out[fieldId] = value;
  return out;
}

// Errors Mattermost answers with 422 (StatusUnprocessableEntity).
http::Response cpaError(core::Error error) {
  if (error.id == services::kFieldLimitReachedId || error.id == services::kFieldAttrsInvalidId) {
    return http::Response::error(std::move(error), 422);
  }
  return http::Response::error(std::move(error));
}

template <typename T, typename Render>
http::Response render(core::Result<T> result, Render renderValue, unsigned status = 200) {
  if (!result) return cpaError(std::move(result).error());
  return http::Response::json(status, renderValue(*result));
}

// {name, type, attrs}: each optional; another JSON type is 400 invalid_body_param `what`.
core::Result<services::PropertyFieldInput> parseFieldInput(const http::Request& request,
                                                           std::string_view what) {
  auto body = jsonObjectBody(request, what);
  if (!body) return std::move(body).error();
  services::PropertyFieldInput input;
  if (auto name = readString(*body, "name", input.name); !name) return std::move(name).error();
  if (auto type = readString(*body, "type", input.type); !type) return std::move(type).error();
  if (const auto attrs = body->find("attrs"); attrs != body->end() && !attrs->is_null()) {
    if (!attrs->is_object()) return invalidBodyParam(what);
    input.attrs = *attrs;
  }
  return input;
}

// {field_id: value, ...}
core::Result<std::map<std::string, nlohmann::json>> parseValues(const http::Request& request) {
  auto body = jsonObjectBody(request, "value");
  if (!body) return std::move(body).error();
  std::map<std::string, nlohmann::json> values;
  for (const auto& [fieldId, value] : body->items()) values.emplace(fieldId, value);
  return values;
}

// GET /custom_profile_attributes/fields
asio::awaitable<http::Response> listFields(const ApiContext& api, http::Request&,
                                           const AuthenticatedUser& caller) {
  auto fields = co_await api.database->run(
      [&caller](Store& s) { return services::listProfileFields(s, caller.user); });
  co_return render(std::move(fields),
                   [](const auto& list) { return jsonArray(list, fieldToJson); });
}

// POST /custom_profile_attributes/fields {name, type, attrs}
asio::awaitable<http::Response> createField(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  auto input = parseFieldInput(request, "property_field");
  if (!input) co_return http::Response::error(std::move(input).error());
  auto field = co_await api.database->run(
      [&caller, &input](Store& s) { return services::createProfileField(s, caller.user, *input); });
  co_return render(std::move(field), fieldToJson, 201);
}

// PATCH /custom_profile_attributes/fields/{field_id} {name?, type?, attrs?}
asio::awaitable<http::Response> patchField(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const auto fieldId = idParam(request, "field_id");
  if (!fieldId) co_return http::Response::error(fieldId.error());
  auto input = parseFieldInput(request, "property_field_patch");
  if (!input) co_return http::Response::error(std::move(input).error());
  auto field = co_await api.database->run([&caller, &fieldId, &input](Store& s) {
    return services::patchProfileField(s, caller.user, *fieldId, *input);
  });
  co_return render(std::move(field), fieldToJson);
}

// DELETE /custom_profile_attributes/fields/{field_id}
asio::awaitable<http::Response> deleteField(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  const auto fieldId = idParam(request, "field_id");
  if (!fieldId) co_return http::Response::error(fieldId.error());
  auto deleted = co_await api.database->run([&caller, &fieldId](Store& s) {
    return services::deleteProfileField(s, caller.user, *fieldId);
  });
  if (!deleted) co_return cpaError(std::move(deleted).error());
  co_return http::Response::statusOk();
}

// GET /users/{user_id}/custom_profile_attributes
asio::awaitable<http::Response> listValues(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  const auto userId = userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto values = co_await api.database->run(
      [&caller, &userId](Store& s) { return services::profileValuesOf(s, caller.user, *userId); });
  co_return render(std::move(values), valuesToJson);
}

// PATCH /users/{user_id}/custom_profile_attributes and /custom_profile_attributes/values
// (`self`: the caller's own) {field_id: value}
asio::awaitable<http::Response> patchValues(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller, bool self) {
  const auto userId =
      self ? core::Result<std::string>(caller.user.id) : userIdParam(request, caller);
  if (!userId) co_return http::Response::error(userId.error());
  auto values = parseValues(request);
  if (!values) co_return http::Response::error(std::move(values).error());
  auto written = co_await api.database->run([&caller, &userId, &values](Store& s) {
    return services::setProfileValues(s, caller.user, *userId, *values);
  });
  co_return render(std::move(written), valuesToJson);
}

}  // namespace

void registerCustomProfileAttributeRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  const auto withCaller = [&router, &api](verb method, const char* pattern, auto handler) {
    addCallerRoute(router, api, method, pattern, handler);
  };
  withCaller(verb::get, "/api/v4/custom_profile_attributes/fields", listFields);
  withCaller(verb::post, "/api/v4/custom_profile_attributes/fields", createField);
  withCaller(verb::patch, "/api/v4/custom_profile_attributes/fields/{field_id}", patchField);
  withCaller(verb::delete_, "/api/v4/custom_profile_attributes/fields/{field_id}", deleteField);
  withCaller(verb::get, "/api/v4/users/{user_id}/custom_profile_attributes", listValues);
  withCaller(verb::patch, "/api/v4/users/{user_id}/custom_profile_attributes",
             withExtra(patchValues, false));
  withCaller(verb::patch, "/api/v4/custom_profile_attributes/values", withExtra(patchValues, true));
}

}  // namespace parley::gateway::api
