#include <fstream>
#include <string>

#include "core/files/file_store.hpp"
#include "core/model/id.hpp"

namespace parley::core::files {
namespace {

class LocalFileStore final : public FileStore {
 public:
  explicit LocalFileStore(std::filesystem::path directory) : directory_(std::move(directory)) {}

  Status check() override {
    // A unique name per probe, so concurrent checks (several nodes, several requests) never
    // read each other's files.
    const auto probe = directory_ / (".health-" + model::newId());
    const std::string content = "parley health check";
    {
      std::ofstream out(probe, std::ios::binary | std::ios::trunc);
      out << content;
      if (!out.flush()) return failure("cannot write to", probe);
    }
    std::string readBack;
    {
      std::ifstream in(probe, std::ios::binary);
      std::getline(in, readBack, '\0');
    }
    std::error_code ec;
    std::filesystem::remove(probe, ec);
    if (readBack != content) return failure("cannot read back from", probe);
    if (ec) return failure("cannot remove a file in", probe);
    return {};
  }

 private:
  Error failure(const std::string& what, const std::filesystem::path& probe) const {
    return makeError(ErrorCode::kUnavailable, "files.unavailable",
                     "the file store " + what + " " + directory_.string(), probe.string());
  }

  std::filesystem::path directory_;
};

}  // namespace

Result<FileStorePtr> openLocalFileStore(const std::filesystem::path& directory) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) {
    return makeError(
        ErrorCode::kUnavailable, "files.create_directory",
        "cannot create the file store directory " + directory.string() + ": " + ec.message());
  }
  std::filesystem::permissions(directory,
                               std::filesystem::perms::owner_all |
                                   std::filesystem::perms::group_read |
                                   std::filesystem::perms::group_exec,
                               ec);
  return FileStorePtr(std::make_shared<LocalFileStore>(directory));
}

}  // namespace parley::core::files
