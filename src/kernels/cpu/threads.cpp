// Thread-count control: one setting for OpenMP's pool and OpenBLAS's own.
#include "ember/parallel.h"

#include <omp.h>

#include "core/check.h"

extern "C" void openblas_set_num_threads(int);

namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "set_num_threads expects a positive integer, got {}", n);
  omp_set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return omp_get_max_threads(); }

}  // namespace ember
