#pragma once
/// What this build and machine offer for CUDA, spelled as LibTorch's torch::cuda.
namespace ember::cuda {

/// True when Ember has a CUDA backend and a device to run it on.
bool is_available();

}  // namespace ember::cuda
