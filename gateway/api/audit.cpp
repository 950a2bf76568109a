#include "gateway/api/audit.hpp"

#include "core/common/hex.hpp"
#include "core/common/json_text.hpp"
#include "core/services/audit_service.hpp"
#include "gateway/api/route_support.hpp"
#include "gateway/api/users_common.hpp"

namespace parley::gateway::api {
namespace {

namespace services = core::services;
using core::store::Store;

// since/until: optional non-negative integers (ms).
core::Status readTimeRange(const http::Request& request, std::optional<std::int64_t>& since,
                           std::optional<std::int64_t>& until) {
  for (const auto& [name, slot] : {std::pair{"since", &since}, std::pair{"until", &until}}) {
    if (!request.query().get(name)) continue;
    auto value = intParam(request, name, 0);
    if (!value) return std::move(value).error();
    *slot = *value;
  }
  return {};
}

// A text filter of at most `maxLength` characters ("" when absent).
core::Result<std::string> textFilter(const http::Request& request, const char* name,
                                     std::size_t maxLength) {
  const auto value = request.query().get(name);
  if (!value) return std::string();
  if (value->size() > maxLength) return invalidUrlParam(name);
  return std::string(*value);
}

core::Result<core::store::AuditQuery> parseQuery(const http::Request& request) {
  core::store::AuditQuery query;
  if (auto range = readTimeRange(request, query.since, query.until); !range) {
    return std::move(range).error();
  }
  auto subject = textFilter(request, "subject", policy::kAuditSubjectMaxLength);
  if (!subject) return std::move(subject).error();
  auto action = textFilter(request, "action", policy::kAuditActionMaxLength);
  if (!action) return std::move(action).error();
  query.subject = std::move(*subject);
  query.action = std::move(*action);
  if (const auto decision = request.query().get("decision")) {
    query.decision = policy::decisionFromName(*decision);
    if (!query.decision) return invalidUrlParam("decision");
  }
  const Paging paging = pagingOf(request);
  query.offset = offsetOf(paging);
  query.limit = paging.perPage;
  return query;
}

// GET /parley/audit
asio::awaitable<http::Response> queryAudit(const ApiContext& api, http::Request& request,
                                           const AuthenticatedUser& caller) {
  auto query = parseQuery(request);
  if (!query) co_return http::Response::error(std::move(query).error());
  auto records = co_await api.database->run(
      [&caller, &query](Store& s) { return services::queryAudit(s, caller.user, *query); });
  if (!records) co_return http::Response::error(std::move(records).error());
  co_return http::Response::json(200, jsonArray(*records, policy::auditRecordToJson));
}

// GET /parley/audit/export
asio::awaitable<http::Response> exportAudit(const ApiContext& api, http::Request& request,
                                            const AuthenticatedUser& caller) {
  std::optional<std::int64_t> since;
  std::optional<std::int64_t> until;
  if (auto range = readTimeRange(request, since, until); !range) {
    co_return http::Response::error(std::move(range).error());
  }
  const auto afterId = intParam(request, "after_id", 0);
  if (!afterId) co_return http::Response::error(afterId.error());
  const auto limit = intParam(request, "limit", services::kAuditExportMaxRecords);
  if (!limit) co_return http::Response::error(limit.error());
  const int pageSize =
      static_cast<int>(std::clamp<std::int64_t>(*limit, 1, services::kAuditExportMaxRecords));
  auto records =
      co_await api.database->run([&caller, &since, &until, &afterId, pageSize](Store& s) {
        return services::exportAudit(s, caller.user, since, until, *afterId, pageSize);
      });
  if (!records) co_return http::Response::error(std::move(records).error());
  std::string body;
  for (const auto& record : *records) {
    body += core::dumpJson(policy::auditRecordToJson(record));
    body += '\n';
  }
  auto response = http::Response::text(200, std::move(body), "application/x-ndjson");
  if (records->size() == static_cast<std::size_t>(pageSize)) {
    response.header("X-Parley-Next-After-Id", std::to_string(records->back().id));
  }
  co_return response;
}

// GET /parley/audit/verify
asio::awaitable<http::Response> verifyAudit(const ApiContext& api, http::Request&,
                                            const AuthenticatedUser& caller) {
  auto report = co_await api.database->run(
      [&caller](Store& s) { return services::verifyAudit(s, caller.user); });
  if (!report) co_return http::Response::error(std::move(report).error());
  co_return http::Response::json(
      200, nlohmann::json{{"intact", report->intact},
                          {"checked", report->checked},
                          {"last_id", report->lastId},
                          {"last_chain_hash", core::hexEncode(report->lastHash)},
                          {"broken_id", report->brokenId},
                          {"reason", report->reason}});
}

}  // namespace

void registerAuditRoutes(http::Router& router, ApiContextPtr api) {
  using http_proto::verb;
  addCallerRoute(router, api, verb::get, "/api/v4/parley/audit", queryAudit);
  addCallerRoute(router, api, verb::get, "/api/v4/parley/audit/export", exportAudit);
  addCallerRoute(router, api, verb::get, "/api/v4/parley/audit/verify", verifyAudit);
}

}  // namespace parley::gateway::api
