#pragma once
// The attachments of bridged posts, for partners' clients (issue 6, xmpp.md §8.1):
//   GET /api/v4/parley/bridge_files/{file_id}/{name}?link=<link id>&exp=<unix s>&sig=<hex>
// No session: the URL is the authorisation (a capability for one file over one link, signed by
// core/services/bridge_file_url.hpp, which a bridge put in the message it sent). 403
// "api.parley.bridge_file.invalid_link.app_error" for a bad or expired signature, 404
// "app.file_info.get.app_error" when the link or the file's post is gone; otherwise the file
// with its stored content type and Content-Disposition, as GET /api/v4/files/{file_id}.

#include "gateway/api/api_context.hpp"
#include "gateway/http/router.hpp"

namespace parley::gateway::api {

void registerBridgeFileRoutes(http::Router& router, ApiContextPtr api);

}  // namespace parley::gateway::api
