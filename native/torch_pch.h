// Precompiled by CMake for every translation unit: libtorch's headers are most of the
// build time, and they are the same for every file.
#pragma once
#include <torch/torch.h>
