#include "napi/memory_release.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace fer {

void returnFreedMemoryToSystem() {
#if defined(__GLIBC__)
  malloc_trim(0);
#endif
}

}  // namespace fer
