#pragma once
// OpenBLAS runs single-threaded inside Ember: Ember's thread pool does the splitting (see
// gemm_parallel in linalg.cpp), OpenBLAS's own threads would spin next to the pool's and fight
// them for the cores, and ThreadSanitizer cannot see their synchronization (it reported races on
// getrs's buffers).

namespace ember::detail::cpu {

/// Sets OpenBLAS to one thread, once per process; every kernel calls it before calling BLAS or
/// LAPACK.
void blas_single_threaded();

}  // namespace ember::detail::cpu
