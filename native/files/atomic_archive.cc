#include "files/atomic_archive.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstdio>
#include <random>
#include <stdexcept>

namespace fer {

namespace {
/** Beside `path`, unique to this process and call: two writers never share a temporary. */
std::string temporaryPath(const std::string& path) {
  std::random_device random;
  return path + "." + std::to_string(::getpid()) + "." + std::to_string(random()) + ".partial";
}

/** Flushes a file or folder to the disk, so a rename is never seen before the bytes it names. */
bool syncToDisk(const std::string& path, int flags) {
  const int fd = ::open(path.c_str(), flags);
  if (fd < 0) return false;
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  return synced;
}

std::string folderOf(const std::string& path) {
  const std::string::size_type slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}
}  // namespace

void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path, const std::string& what) {
  const std::string temporary = temporaryPath(path);
  try {
    archive.save_to(temporary);
  } catch (const c10::Error& error) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + what + " " + path + ": " + error.what_without_backtrace());
  }
  if (!syncToDisk(temporary, O_RDONLY) || std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw std::runtime_error("cannot write " + what + " " + path);
  }
  syncToDisk(folderOf(path), O_RDONLY | O_DIRECTORY);
}

}  // namespace fer
