#pragma once
// Health checks behind GET /api/v4/system/ping?get_server_status=true.

#include "core/common/result.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// Proves the database accepts writes, as Mattermost's ping does with a write and a delete: a
// read-only standby after a failover, a full disk or a lost connection all fail here, where a
// plain SELECT would pass on the first. The write is rolled back, so nothing is left behind.
// Call from inside a database job.
Status checkDatabaseWritable(store::Store& store);

}  // namespace parley::core::services
