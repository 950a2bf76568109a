#include "gateway/api/json/file_json.hpp"

#include <openssl/evp.h>

#include <vector>

namespace parley::gateway::api::json {

std::string base64Encode(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  if (bytes.empty()) return out;
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                      reinterpret_cast<const unsigned char*>(bytes.data()),
                                      static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

nlohmann::json fileInfoToJson(const core::model::FileInfo& info) {
  nlohmann::json json = {
      {"id", info.id},
      {"user_id", info.creatorId},
      {"channel_id", info.channelId},
      {"create_at", info.createAt},
      {"update_at", info.updateAt},
      {"delete_at", info.deleteAt},
      {"name", info.name},
      {"extension", info.extension},
      {"size", info.size},
      {"mime_type", info.mimeType},
      {"mini_preview", info.miniPreview.empty() ? nlohmann::json(nullptr)
                                                : nlohmann::json(base64Encode(info.miniPreview))},
      {"remote_id",
       info.remoteId.empty() ? nlohmann::json(nullptr) : nlohmann::json(info.remoteId)},
      {"archived", info.archived},
  };
  if (!info.postId.empty()) json["post_id"] = info.postId;
  if (info.width != 0) json["width"] = info.width;
  if (info.height != 0) json["height"] = info.height;
  if (info.hasPreviewImage) json["has_preview_image"] = true;
  return json;
}

}  // namespace parley::gateway::api::json
