#pragma once
// Post search (POST /teams/{team_id}/posts/search, POST /posts/search): the terms are parsed by
// search_query.hpp and matched with PostgreSQL full-text search over posts.message_tsv, only in
// channels the caller is a member of (guests included: they are members of their channels
// only), newest first. Call from inside a database job.

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

struct SearchParams {
  std::string terms;
  bool isOrSearch = false;
  int timeZoneOffset = 0;  // seconds east of UTC
  bool includeDeletedChannels = false;
  int page = 0;
  int perPage = 60;
};

inline constexpr int kSearchPerPageMaximum = 200;

// PostListWithSearchMatches: the posts and, per post, the terms that were searched for.
struct SearchResult {
  model::PostList list;
  std::map<std::string, std::vector<std::string>> matches;
};

// `teamId` "" searches every team (direct and group channels are always included). 400
// api.context.invalid_body_param.app_error for empty or over-long terms, a negative page or
// per_page; 400 api.context.invalid_url_param.app_error for a malformed team id.
Result<SearchResult> searchPosts(store::Store& store, const model::User& user,
                                 std::string_view teamId, const SearchParams& params);

}  // namespace parley::core::services
