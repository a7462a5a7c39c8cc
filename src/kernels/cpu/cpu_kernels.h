#pragma once
// The CPU backend's kernel table, assembled from one filler per kernel family.
#include "kernels/kernel_table.h"

namespace ember::detail::cpu {

const KernelTable& kernel_table();
void fill_elementwise_kernels(KernelTable& table);
void fill_reduce_kernels(KernelTable& table);
void fill_linalg_kernels(KernelTable& table);
void fill_index_kernels(KernelTable& table);
void fill_random_kernels(KernelTable& table);
void fill_conv_kernels(KernelTable& table);
void fill_optim_kernels(KernelTable& table);
void fill_attention_kernels(KernelTable& table);
void fill_norm_kernels(KernelTable& table);
void fill_softmax_kernels(KernelTable& table);
/// Convolutions by oneDNN (built where EMBER_WITH_ONEDNN is on).
void fill_onednn_kernels(KernelTable& table);
/// Direct convolutions for shallow windows, ahead of the entries already in the table.
void fill_shallow_conv_kernels(KernelTable& table);

}  // namespace ember::detail::cpu
