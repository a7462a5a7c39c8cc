#include "kernels/cpu/blas_threads.h"

extern "C" void openblas_set_num_threads(int);

namespace ember::detail::cpu {

void blas_single_threaded() {
  static const bool once = (openblas_set_num_threads(1), true);
  (void)once;
}

}  // namespace ember::detail::cpu
