// Thread-count control: one setting for Ember's pool and OpenBLAS's own.
#include "ember/parallel.h"

#include "core/check.h"
#include "kernels/cpu/thread_pool.h"

extern "C" void openblas_set_num_threads(int);

namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "set_num_threads expects a positive integer, got {}", n);
  detail::ThreadPool::instance().set_num_threads(n);
  openblas_set_num_threads(n);
}

int get_num_threads() { return detail::ThreadPool::instance().num_threads(); }

}  // namespace ember
