#include "files/archive_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

// miniz's raw-deflate decoder, inside libtorch (which writes its code/ records deflated).
// Weak, so a libtorch that does not export it still loads the addon: those records are then
// left to libtorch, which fails to compile damaged code rather than loading it.
extern "C" size_t tinfl_decompress_mem_to_mem(void* out, size_t outLength, const void* in, size_t inLength, int flags)
    __attribute__((weak));

namespace fer {

namespace {
/** Beside `path`, unique to this process and call: two writers never share a temporary. */
std::string temporaryPath(const std::string& path) {
  std::random_device random;
  return path + "." + std::to_string(::getpid()) + "." + std::to_string(random()) + ".partial";
}

std::string folderOf(const std::string& path) {
  const std::string::size_type slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

std::string osReason(int error) { return std::strerror(error); }

/** Writes all of `size` bytes at `data` to `fd`; returns 0 or the errno of the failure. */
int writeAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    const ssize_t n = ::write(fd, data, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return 0;
}

/**
 * Streams the archive into a new file `path` and flushes it to the disk; returns 0 or the
 * errno of the first step that failed, having removed the file it made. The writer function never reports a failure to
 * libtorch (whose writer would then throw from its destructor): after one, it drops the
 * rest and the failure is told here, once libtorch has finished.
 */
int writeArchive(torch::serialize::OutputArchive& archive, const std::string& path) {
  const int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) return errno;
  int error = 0;
  try {
    archive.save_to([&](const void* data, size_t size) -> size_t {
      if (error == 0) error = writeAll(fd, static_cast<const char*>(data), size);
      return size;
    });
  } catch (...) {
    ::close(fd);
    ::unlink(path.c_str());
    throw;
  }
  if (error == 0 && ::fsync(fd) != 0) error = errno;
  if (::close(fd) != 0 && error == 0) error = errno;
  if (error != 0) ::unlink(path.c_str());
  return error;
}

// CRC-32 (zip's polynomial 0xEDB88320), eight bytes a step.
using CrcTables = std::array<std::array<uint32_t, 256>, 8>;

const CrcTables& crcTables() {
  static const CrcTables tables = [] {
    CrcTables t{};
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
      t[0][i] = c;
    }
    for (uint32_t i = 0; i < 256; ++i) {
      for (size_t s = 1; s < 8; ++s) t[s][i] = (t[s - 1][i] >> 8) ^ t[0][t[s - 1][i] & 0xFF];
    }
    return t;
  }();
  return tables;
}

uint32_t crc32(const unsigned char* data, size_t size) {
  const CrcTables& t = crcTables();
  uint32_t c = 0xFFFFFFFFu;
  while (size >= 8) {
    const uint32_t low = c ^ (uint32_t(data[0]) | uint32_t(data[1]) << 8 | uint32_t(data[2]) << 16 | uint32_t(data[3]) << 24);
    c = t[7][low & 0xFF] ^ t[6][(low >> 8) & 0xFF] ^ t[5][(low >> 16) & 0xFF] ^ t[4][low >> 24] ^ t[3][data[4]] ^
        t[2][data[5]] ^ t[1][data[6]] ^ t[0][data[7]];
    data += 8;
    size -= 8;
  }
  while (size-- > 0) c = t[0][(c ^ *data++) & 0xFF] ^ (c >> 8);
  return c ^ 0xFFFFFFFFu;
}

/** Little-endian fields of the file, every read checked against its end. */
class Bytes {
 public:
  explicit Bytes(const std::string& bytes) : data_(reinterpret_cast<const unsigned char*>(bytes.data())), size_(bytes.size()) {}
  uint64_t size() const { return size_; }
  uint32_t u16(uint64_t at) const { return static_cast<uint32_t>(field(at, 2)); }
  uint32_t u32(uint64_t at) const { return static_cast<uint32_t>(field(at, 4)); }
  const unsigned char* at(uint64_t offset) const { return data_ + offset; }

 private:
  uint64_t field(uint64_t at, int width) const {
    if (at > size_ || size_ - at < static_cast<uint64_t>(width)) throw std::runtime_error("its zip structure runs past its end");
    uint64_t value = 0;
    for (int i = width - 1; i >= 0; --i) value = value << 8 | data_[at + i];
    return value;
  }
  const unsigned char* data_;
  uint64_t size_;
};

constexpr uint32_t kEndOfDirectory = 0x06054b50, kDirectoryEntry = 0x02014b50, kLocalHeader = 0x04034b50;
constexpr uint32_t kDeflated = 8;
constexpr uint64_t kLargestCode = 16 << 20;

/** Throws std::runtime_error naming the first record whose bytes do not match their CRC-32, or the structure that is broken. */
void verifyZip(const std::string& file) {
  const Bytes bytes(file);
  if (bytes.size() < 22) throw std::runtime_error("it is not a zip archive, as every libtorch archive is");
  uint64_t end = bytes.size() - 22;
  const uint64_t lowest = end > 0xFFFF ? end - 0xFFFF : 0;
  while (bytes.u32(end) != kEndOfDirectory) {
    if (end == lowest) throw std::runtime_error("it is not a zip archive, as every libtorch archive is");
    --end;
  }
  const uint32_t count = bytes.u16(end + 10);
  const uint64_t directoryStart = bytes.u32(end + 16);
  if (count == 0xFFFF || directoryStart == 0xFFFFFFFF) throw std::runtime_error("zip64 archives (over 4 GB) are not read");
  uint64_t at = directoryStart;
  for (uint32_t n = 0; n < count; ++n) {
    if (at >= end || bytes.u32(at) != kDirectoryEntry) throw std::runtime_error("its zip directory entry " + std::to_string(n) + " is damaged");
    const uint32_t method = bytes.u16(at + 10), crc = bytes.u32(at + 16);
    const uint64_t stored = bytes.u32(at + 20), size = bytes.u32(at + 24), local = bytes.u32(at + 42);
    const uint32_t nameLength = bytes.u16(at + 28);
    const uint64_t next = at + 46 + nameLength + bytes.u16(at + 30) + bytes.u16(at + 32);
    if (next > end) throw std::runtime_error("its zip directory runs past its end");
    const std::string name(reinterpret_cast<const char*>(bytes.at(at + 46)), nameLength);
    if (local >= end || bytes.u32(local) != kLocalHeader) throw std::runtime_error("its record " + name + " points where no record starts");
    const uint64_t data = local + 30 + bytes.u16(local + 26) + bytes.u16(local + 28);
    if (data > end || end - data < stored) throw std::runtime_error("its record " + name + " runs past the archive's end");
    const std::string damaged = "its record " + name + " is damaged (its CRC-32 does not match its bytes)";
    if (method == 0 && stored == size) {
      if (crc32(bytes.at(data), size) != crc) throw std::runtime_error(damaged);
    } else if (method == kDeflated && name.find("/code/") != std::string::npos) {
      // libtorch deflates only its generated code, which is small.
      if (size > kLargestCode) throw std::runtime_error("its record " + name + " declares " + std::to_string(size) + " bytes of code");
      if (tinfl_decompress_mem_to_mem != nullptr) {
        std::string text(static_cast<size_t>(size), '\0');
        const size_t got = tinfl_decompress_mem_to_mem(text.data(), text.size(), bytes.at(data), stored, 0);
        if (got != size || crc32(reinterpret_cast<const unsigned char*>(text.data()), size) != crc) throw std::runtime_error(damaged);
      }
    } else {
      throw std::runtime_error("its record " + name + " is compressed, which libtorch does only for its code");
    }
    at = next;
  }
}

std::string firstLine(const std::string& message) { return message.substr(0, message.find('\n')); }

c10::IValue readValue(torch::serialize::InputArchive& archive, const std::string& key) {
  c10::IValue value;
  if (!archive.try_read(key, value)) throw std::runtime_error("it has no " + key);
  return value;
}
}  // namespace

void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path, const std::string& what) {
  const std::string failure = "cannot write " + what + " " + path + ": ";
  const std::string temporary = temporaryPath(path);
  int error = 0;
  try {
    error = writeArchive(archive, temporary);
  } catch (const c10::Error& e) {
    throw std::runtime_error(failure + firstLine(e.what_without_backtrace()));
  }
  if (error != 0) throw std::runtime_error(failure + osReason(error));
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    error = errno;
    ::unlink(temporary.c_str());
    throw std::runtime_error(failure + osReason(error));
  }
  // The rename is durable once the folder is flushed; a folder that cannot be opened read-only still holds the file.
  const int folder = ::open(folderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (folder >= 0) {
    ::fsync(folder);
    ::close(folder);
  }
}

std::string readVerifiedArchive(const std::string& path, const std::string& what) {
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in.good()) throw std::invalid_argument(what + " " + path + " does not exist or cannot be read");
  const std::streamoff size = in.tellg();
  if (size < 0) throw std::invalid_argument(what + " " + path + " does not exist or cannot be read");
  std::string bytes(static_cast<size_t>(size), '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), size)) throw std::invalid_argument(what + " " + path + " cannot be read");
  verifyZip(bytes);
  return bytes;
}

std::string readString(torch::serialize::InputArchive& archive, const std::string& key) {
  const c10::IValue value = readValue(archive, key);
  if (!value.isString()) throw std::runtime_error("its " + key + " is not a string");
  return value.toStringRef();
}

int64_t readInt(torch::serialize::InputArchive& archive, const std::string& key) {
  const c10::IValue value = readValue(archive, key);
  if (!value.isInt()) throw std::runtime_error("its " + key + " is not an integer");
  return value.toInt();
}

double readDouble(torch::serialize::InputArchive& archive, const std::string& key) {
  const c10::IValue value = readValue(archive, key);
  if (!value.isDouble()) throw std::runtime_error("its " + key + " is not a number");
  return value.toDouble();
}

std::string readOptionalString(torch::serialize::InputArchive& archive, const std::string& key, const std::string& fallback) {
  c10::IValue value;
  if (!archive.try_read(key, value)) return fallback;
  if (!value.isString()) throw std::runtime_error("its " + key + " is not a string");
  return value.toStringRef();
}

}  // namespace fer
