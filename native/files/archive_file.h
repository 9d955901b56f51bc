#pragma once
// libtorch archives on disk (checkpoints and training states), both ways.
//
// Written the way fer-ga writes every file: to a temporary name unique to the process and
// call, flushed to the disk and renamed over the target, so a crash at any moment leaves
// the old file or the new one, never half of one. libtorch's own file writer is not used:
// in 1.13 a failed write (disk full, a file-size limit) throws a second time from its
// destructor, which ends the process. The archive goes through a writer function that
// checks every write itself and never tells libtorch of a failure.
//
// Read whole into memory, every zip record's CRC-32 checked against its bytes (libtorch
// 1.13 checks none), then handed to libtorch from that same memory.
#include <cstdint>
#include <string>

#include <torch/serialize/input-archive.h>
#include <torch/serialize/output-archive.h>

namespace fer {

/** Throws std::runtime_error "cannot write <what> <path>: <the OS's reason>" when any step fails; no temporary is left. */
void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path, const std::string& what);

/**
 * The file's bytes once each zip record's CRC-32 matches; throws std::runtime_error saying
 * which record is damaged, or why the file is no zip libtorch wrote. A file that cannot be
 * opened throws std::invalid_argument "<what> <path> does not exist or cannot be read".
 */
std::string readVerifiedArchive(const std::string& path, const std::string& what);

/** Typed reads of an archive's values, each throwing std::runtime_error "its <key> is not …" on another type. */
std::string readString(torch::serialize::InputArchive& archive, const std::string& key);
int64_t readInt(torch::serialize::InputArchive& archive, const std::string& key);
double readDouble(torch::serialize::InputArchive& archive, const std::string& key);
/** A key that may be absent (written only by newer versions): `fallback` then. */
std::string readOptionalString(torch::serialize::InputArchive& archive, const std::string& key, const std::string& fallback);

}  // namespace fer
