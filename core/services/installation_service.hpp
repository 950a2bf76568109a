#pragma once
// Facts about this installation that clients see: the DiagnosticId of the client config.
//
// Runs inside a database job (it takes the job's Store): call it from Database::run()/submit(),
// never on an I/O thread.

#include <string>
#include <string_view>

#include "core/common/result.hpp"
#include "core/store/store.hpp"

namespace parley::core::services {

// System key holding the installation's id (Mattermost's DiagnosticId/TelemetryId).
inline constexpr std::string_view kDiagnosticIdKey = "diagnostic_id";

// The installation's id: created with model::newId() on the first call and the same for every
// call after it, on every parleyd sharing the database and across restarts. Mobile clients
// refuse a server whose client config has an empty DiagnosticId. Concurrent first calls
// serialise on a database lock, so they all return the same id.
// Errors: kUnavailable when the database is down.
Result<std::string> diagnosticId(store::Store& store);

}  // namespace parley::core::services
