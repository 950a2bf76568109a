#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <string>

#include "core/files/file_store.hpp"
#include "core/model/id.hpp"

namespace parley::core::files {
namespace {

// A file descriptor closed on scope exit.
class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }

 private:
  int fd_;
};

Error ioError(const std::string& what, const std::filesystem::path& path, int error) {
  return makeError(ErrorCode::kUnavailable, "files.io", "The file store failed to " + what + ".",
                   path.string() + ": " + std::strerror(error));
}

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

  Status write(std::string_view path, std::string_view bytes) override {
    if (!isValidStorePath(path)) return invalidPath(path);
    const auto target = directory_ / std::filesystem::path(path);
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    if (ec) return ioError("create a directory", target.parent_path(), ec.value());
    // The temporary name is hidden and unique, so a crash leaves at worst a stray
    // ".tmp-<id>" file next to the target, never a truncated target.
    const auto temp = target.parent_path() / (".tmp-" + model::newId());
    Fd fd(::open(temp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640));
    if (fd.get() < 0) return ioError("create a file", temp, errno);
    std::size_t written = 0;
    while (written < bytes.size()) {
      const ssize_t n = ::write(fd.get(), bytes.data() + written, bytes.size() - written);
      if (n < 0) {
        if (errno == EINTR) continue;
        const int error = errno;
        ::unlink(temp.c_str());
        return ioError("write a file", temp, error);
      }
      written += static_cast<std::size_t>(n);
    }
    // Durable before it becomes visible: the database row that points at it is committed next.
    if (::fsync(fd.get()) != 0 || ::close(fd.release()) != 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      return ioError("flush a file", temp, error);
    }
    if (::rename(temp.c_str(), target.c_str()) != 0) {
      const int error = errno;
      ::unlink(temp.c_str());
      return ioError("rename a file", target, error);
    }
    return {};
  }

  Result<std::string> read(std::string_view path) override {
    if (!isValidStorePath(path)) return invalidPath(path);
    const auto source = directory_ / std::filesystem::path(path);
    Fd fd(::open(source.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) {
      if (errno == ENOENT) {
        return makeError(ErrorCode::kNotFound, "files.not_found", "The file is missing.",
                         std::string(path));
      }
      return ioError("open a file", source, errno);
    }
    std::string content;
    char chunk[64 * 1024];
    while (true) {
      const ssize_t n = ::read(fd.get(), chunk, sizeof chunk);
      if (n < 0) {
        if (errno == EINTR) continue;
        return ioError("read a file", source, errno);
      }
      if (n == 0) break;
      content.append(chunk, static_cast<std::size_t>(n));
    }
    return content;
  }

  Status remove(std::string_view path) override {
    if (!isValidStorePath(path)) return invalidPath(path);
    auto target = directory_ / std::filesystem::path(path);
    if (::unlink(target.c_str()) != 0 && errno != ENOENT) {
      return ioError("remove a file", target, errno);
    }
    // Empty per-file and per-day directories go too; rmdir fails harmlessly on the first one
    // that still holds something.
    auto dir = target.parent_path();
    for (auto depth = std::count(path.begin(), path.end(), '/'); depth > 0; --depth) {
      if (::rmdir(dir.c_str()) != 0) break;
      dir = dir.parent_path();
    }
    return {};
  }

 private:
  Error failure(const std::string& what, const std::filesystem::path& probe) const {
    return makeError(ErrorCode::kUnavailable, "files.unavailable",
                     "the file store " + what + " " + directory_.string(), probe.string());
  }

  static Error invalidPath(std::string_view path) {
    return makeError(ErrorCode::kInvalidArgument, "files.invalid_path",
                     "The file path is not valid.", std::string(path));
  }

  std::filesystem::path directory_;
};

}  // namespace

bool isValidStorePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') return false;
  std::size_t start = 0;
  while (start <= path.size()) {
    const auto end = std::min(path.find('/', start), path.size());
    const auto segment = path.substr(start, end - start);
    if (segment.empty() || segment == "." || segment == "..") return false;
    if (segment.find('\0') != std::string_view::npos) return false;
    start = end + 1;
  }
  return true;
}

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
