#pragma once
// libtorch archives written the way fer-ga writes every file: to a temporary name unique
// to the process and call, flushed to the disk, then renamed over the target, so a crash
// at any moment leaves the old file or the new one, never half of one.
#include <string>

#include <torch/serialize/output-archive.h>

namespace fer {

/** Throws std::runtime_error "cannot write <what> <path>…" when any step fails. */
void saveArchiveAtomically(torch::serialize::OutputArchive& archive, const std::string& path, const std::string& what);

}  // namespace fer
