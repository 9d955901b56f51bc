#pragma once
// Memory a finished trial or a disposed model freed stays in the allocator's free lists,
// counted in the process's RSS; over a study of hundreds of trials that reads as a leak.
namespace fer {

/** Hands the allocator's free pages back to the system (glibc: malloc_trim); a no-op elsewhere. */
void returnFreedMemoryToSystem();

}  // namespace fer
