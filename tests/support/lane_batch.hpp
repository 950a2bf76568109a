#pragma once
// Posts written by the API's post lanes as one batch: they are queued while every worker of the
// pool is held, so that they wait in their channel's lane, and then go together.

#include <utility>
#include <vector>

#include "core/common/result.hpp"
#include "core/model/post.hpp"
#include "core/model/user.hpp"
#include "core/services/post_lanes.hpp"
#include "core/store/database.hpp"

namespace parley::testing {

// `drafts` (author, draft) made through `lanes` while the pool's `workers` workers are held;
// their results, in the order they were made, once every one is written.
std::vector<core::Result<core::model::Post>> postAsOneLaneBatch(
    core::store::Database& database, core::services::PostLanes& lanes, int workers,
    std::vector<std::pair<core::model::User, core::model::Post>> drafts);

}  // namespace parley::testing
