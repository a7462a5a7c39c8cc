// Thread-count control. Ember's pool is the only one: OpenBLAS stays single-threaded and large
// matrix products are split across the pool (kernels/cpu/linalg.cpp).
#include "ember/parallel.h"

#include "core/check.h"
#include "kernels/cpu/thread_pool.h"

namespace ember {

void set_num_threads(int n) {
  EMBER_CHECK(n > 0, "set_num_threads expects a positive integer, got {}", n);
  detail::ThreadPool::instance().set_num_threads(n);
}

int get_num_threads() { return detail::ThreadPool::instance().num_threads(); }

}  // namespace ember
