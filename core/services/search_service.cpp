#include "core/services/search_service.hpp"

#include <algorithm>

#include "core/model/id.hpp"
#include "core/services/access_policy.hpp"
#include "core/services/post_service.hpp"
#include "core/services/search_query.hpp"

namespace parley::core::services {
namespace {

Error invalidBody(std::string_view name) {
  return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_body_param.app_error",
                   "Invalid or missing " + std::string(name) + " in request body.");
}

}  // namespace

Result<SearchResult> searchPosts(store::Store& store, const model::User& user,
                                 std::string_view teamId, const SearchParams& params) {
  if (!teamId.empty() && !model::isValidId(teamId)) {
    return makeError(ErrorCode::kInvalidArgument, "api.context.invalid_url_param.app_error",
                     "Invalid or missing team_id parameter in request URL.");
  }
  if (params.terms.empty() || params.terms.size() > kSearchTermsMaxLength) {
    return invalidBody("terms");
  }
  if (params.page < 0) return invalidBody("page");
  if (params.perPage < 0) return invalidBody("per_page");
  const SearchQuery query = parseSearchTerms(params.terms, params.timeZoneOffset);

  SearchResult result;
  if (query.empty() || params.perPage == 0) return result;

  store::PostSearch search;
  search.userId = user.id;
  search.teamId = std::string(teamId);
  search.websearch = query.websearch(params.isOrSearch);
  search.prefixes = query.prefixQuery(params.isOrSearch);
  search.isOrSearch = params.isOrSearch;
  search.fromUsernames = query.fromUsernames;
  search.inChannelNames = query.inChannels;
  search.notFromUsernames = query.notFromUsernames;
  search.notInChannelNames = query.notInChannels;
  search.createdAfter = query.createdAfter;
  search.createdBefore = query.createdBefore;
  search.includeDeletedChannels = params.includeDeletedChannels;
  const int perPage = std::min(params.perPage, kSearchPerPageMaximum);
  search.limit = perPage;
  search.offset = std::min(params.page, 10'000) * perPage;

  auto posts = store.posts().search(search);
  if (!posts) return std::move(posts).error();
  const auto terms = query.matchTerms();
  std::vector<std::string> channelIds;
  for (const auto& post : *posts) channelIds.push_back(post.channelId);
  const auto denied = channelsUnreadableByPolicy(store, user, channelIds);
  for (auto& post : *posts) {
    if (denied.contains(post.channelId)) continue;  // as if it did not match

    result.list.order.push_back(post.id);
    result.matches[post.id] = terms;
    result.list.add(std::move(post));
  }
  if (auto filled = loadPostMetadata(store, result.list); !filled) {
    return std::move(filled).error();
  }
  return result;
}

}  // namespace parley::core::services
