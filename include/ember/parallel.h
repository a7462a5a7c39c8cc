#pragma once
/// Thread-count control for CPU kernels.

namespace ember {

/// Sets the threads used by Ember's kernels, matrix products included (one pool for all).
void set_num_threads(int n);
/// The threads Ember's kernels may use.
int get_num_threads();

}  // namespace ember
