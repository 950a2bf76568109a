#include "bridges/common/inbound_files.hpp"

#include <algorithm>
#include <cstdio>

#include "core/common/log.hpp"
#include "core/services/file_service.hpp"

namespace parley::bridges {
namespace {

constexpr std::string_view kLog = "bridges";

int hexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string megabytes(std::uint64_t bytes) {
  char text[32];
  std::snprintf(text, sizeof text, "%.1f", static_cast<double>(bytes) / (1024.0 * 1024.0));
  std::string out(text);
  if (out.ends_with(".0")) out.resize(out.size() - 2);
  return out + " MB";
}

}  // namespace

InboundFileSettings inboundFileSettings(const core::config::Config& config,
                                        core::files::FileStorePtr files, core::ClockPtr clock,
                                        const std::vector<BridgePtr>& bridges) {
  InboundFileSettings settings;
  settings.files = std::move(files);
  settings.clock = std::move(clock);
  settings.maxFileSize = config.files.maxFileSize;
  // A bridge's max_file_size: 0 = files.max_file_size, which also caps it.
  const auto capped = [&config](std::uint64_t bridgeMax) {
    return bridgeMax == 0 ? config.files.maxFileSize
                          : std::min(bridgeMax, config.files.maxFileSize);
  };
  if (config.xmpp && config.xmpp->enabled) {
    FetchLimits limits;
    limits.maxBytes = capped(config.xmpp->maxFileBytes);
    limits.timeout = config.xmpp->fetchTimeout;
    limits.allowHttp = config.xmpp->allowHttpUrls;
    limits.allowPrivateAddresses = config.xmpp->allowPrivateAddresses;
    settings.limits.emplace("xmpp", limits);
  }
  if (config.matrix && config.matrix->enabled) {
    FetchLimits limits;
    limits.maxBytes = capped(config.matrix->maxFileBytes);
    limits.timeout = config.matrix->requestTimeout;
    settings.limits.emplace("matrix", limits);
  }
  for (const auto& bridge : bridges) {
    if (auto fetcher = bridge->attachmentFetcher()) {
      settings.fetchers.emplace(std::string(bridge->name()), std::move(fetcher));
    }
  }
  return settings;
}

bool hasAttachmentsToFetch(const InboundEvent& event) {
  return event.change == core::model::MessageChange::kPost &&
         std::any_of(event.files.begin(), event.files.end(),
                     [](const core::model::FileRef& file) { return !file.url.empty(); });
}

std::string attachmentName(std::string_view url) {
  std::string_view path = url.substr(0, url.find_first_of("?#"));
  if (const auto scheme = path.find("://"); scheme != std::string_view::npos) {
    path.remove_prefix(scheme + 3);
    const auto slash = path.find('/');
    path = slash == std::string_view::npos ? std::string_view() : path.substr(slash);
  }
  const auto slash = path.rfind('/');
  const std::string_view segment = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::string decoded;
  for (std::size_t i = 0; i < segment.size(); ++i) {
    if (segment[i] == '%' && i + 2 < segment.size() && hexValue(segment[i + 1]) >= 0 &&
        hexValue(segment[i + 2]) >= 0) {
      decoded.push_back(
          static_cast<char>(hexValue(segment[i + 1]) * 16 + hexValue(segment[i + 2])));
      i += 2;
    } else {
      decoded.push_back(segment[i]);
    }
  }
  std::string name = core::services::sanitizeFileName(decoded);
  return name.empty() ? std::string("file") : name;
}

std::string tooLargeNote(std::uint64_t size, std::uint64_t limit) {
  return size > 0 ? "file too large (" + megabytes(size) + ")"
                  : "file too large (more than " + megabytes(limit) + ")";
}

void appendAttachmentNote(std::string& text, std::string_view note) {
  text += (text.empty() ? "[" : "\n[") + std::string(note) + "]";
}

std::vector<FetchedAttachment> fetchAttachments(const InboundEvent& event,
                                                const FetchLimits* limits,
                                                const AttachmentFetcher& fetcher) {
  std::vector<FetchedAttachment> fetched;
  for (const auto& file : event.files) {
    if (file.url.empty()) continue;
    FetchedAttachment attachment;
    // A URL fetched over HTTP(S) names its file by its last path segment (XEP-0363 keeps the
    // uploader's name there); another bridge's URL (an mxc:// media id) names nothing.
    attachment.name = fetcher ? core::services::sanitizeFileName(file.name) : std::string();
    if (attachment.name.empty()) attachment.name = attachmentName(file.url);
    if (limits == nullptr) {
      attachment.note = attachment.name + ": not fetched";
      fetched.push_back(std::move(attachment));
      continue;
    }
    FetchResult result = fetcher ? fetcher(file, *limits) : fetchFile(file.url, *limits);
    switch (result.outcome) {
      case FetchResult::Outcome::kFetched: attachment.bytes = std::move(result.bytes); break;
      case FetchResult::Outcome::kTooLarge:
        attachment.note = attachment.name + ": " + tooLargeNote(result.size, limits->maxBytes);
        core::log::info(kLog, "an attachment is too large to fetch",
                        {{"bridge", event.bridge},
                         {"url", urlForLog(file.url)},
                         {"size", result.size},
                         {"limit", limits->maxBytes}});
        break;
      case FetchResult::Outcome::kRefused:
      case FetchResult::Outcome::kFailed:
        attachment.note = attachment.name + ": could not be fetched";
        core::log::warn(kLog, "an attachment could not be fetched",
                        {{"bridge", event.bridge},
                         {"url", urlForLog(file.url)},
                         {"refused", result.outcome == FetchResult::Outcome::kRefused},
                         {"error", result.error}});
        break;
    }
    fetched.push_back(std::move(attachment));
  }
  return fetched;
}

core::Result<std::vector<core::model::FileInfo>> storeAttachments(
    const InboundFileSettings& settings, const core::model::User& author,
    const std::string& channelId, const std::vector<FetchedAttachment>& fetched,
    core::model::CanonicalMessage& message) {
  std::vector<core::model::FileInfo> stored;
  std::string notes;
  const auto addNote = [&notes](const std::string& note) { appendAttachmentNote(notes, note); };
  message.files.clear();
  for (const auto& attachment : fetched) {
    if (!attachment.note.empty()) {
      addNote(attachment.note);
      continue;
    }
    // One at a time: a file the store refuses (an image over the pixel limit) becomes a note
    // and the others still come.
    auto one =
        core::services::storeUploads(*settings.files, *settings.clock, author.id, channelId,
                                     {{attachment.name, attachment.bytes}}, settings.maxFileSize);
    if (!one) {
      if (one.error().code == core::ErrorCode::kInternal ||
          one.error().code == core::ErrorCode::kUnavailable) {
        discardAttachments(settings, stored);
        return std::move(one).error();
      }
      addNote(attachment.name + ": not accepted (" + one.error().message + ")");
      continue;
    }
    for (auto& info : *one) {
      message.files.push_back(
          core::model::FileRef{info.id, info.name, info.mimeType, info.size, info.sha256, ""});
      stored.push_back(std::move(info));
    }
  }
  if (!notes.empty()) message.text += (message.text.empty() ? "" : "\n") + notes;
  return stored;
}

core::Status recordAttachments(core::store::Store& store,
                               std::vector<core::model::FileInfo>& stored,
                               const std::vector<core::model::FileRef>& permitted,
                               std::vector<core::model::FileInfo>& dropped) {
  std::vector<core::model::FileInfo> kept;
  for (auto& info : stored) {
    const bool allowed =
        std::any_of(permitted.begin(), permitted.end(),
                    [&info](const core::model::FileRef& file) { return file.fileId == info.id; });
    if (!allowed) {
      dropped.push_back(std::move(info));
      continue;
    }
    if (auto created = store.files().create(info); !created) return created;
    kept.push_back(std::move(info));
  }
  stored = std::move(kept);
  return {};
}

void discardAttachments(const InboundFileSettings& settings,
                        const std::vector<core::model::FileInfo>& infos) {
  if (!infos.empty()) core::services::discardUploads(*settings.files, infos);
}

}  // namespace parley::bridges
