#include "kernels/cpu/cpu_kernels.h"

namespace ember::detail::cpu {

const KernelTable& kernel_table() {
  static const KernelTable table = [] {
    KernelTable t{};
    fill_elementwise_kernels(t);
    fill_reduce_kernels(t);
    fill_linalg_kernels(t);
    fill_index_kernels(t);
    fill_random_kernels(t);
    fill_conv_kernels(t);
    fill_optim_kernels(t);
    fill_attention_kernels(t);
    fill_norm_kernels(t);
    fill_softmax_kernels(t);
#ifdef EMBER_WITH_ONEDNN
    fill_onednn_kernels(t);
#endif
    fill_shallow_conv_kernels(t);  // ahead of oneDNN's, which it wraps
    return t;
  }();
  return table;
}

}  // namespace ember::detail::cpu
