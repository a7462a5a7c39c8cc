#pragma once
/// torch.distributed's collectives as functions over a group (the default one when null). Ranks
/// are ranks in the default group. With async_op they return the Work in flight; without, they
/// wait for it and return null. A rank outside the group returns null at once.
#include <vector>

#include "ember/distributed/process_group.h"

namespace ember::distributed {

WorkPtr all_reduce(const Tensor& tensor, ReduceOp op = ReduceOp::SUM,
                   const ProcessGroupPtr& group = nullptr, bool async_op = false);
WorkPtr broadcast(const Tensor& tensor, int src, const ProcessGroupPtr& group = nullptr,
                  bool async_op = false);
WorkPtr reduce(const Tensor& tensor, int dst, ReduceOp op = ReduceOp::SUM,
               const ProcessGroupPtr& group = nullptr, bool async_op = false);
/// Fills tensor_list[r] with rank r's tensor.
WorkPtr all_gather(const std::vector<Tensor>& tensor_list, const Tensor& tensor,
                   const ProcessGroupPtr& group = nullptr, bool async_op = false);
/// Sets output to the reduction over ranks of their input_list[this rank].
WorkPtr reduce_scatter(const Tensor& output, const std::vector<Tensor>& input_list,
                       ReduceOp op = ReduceOp::SUM, const ProcessGroupPtr& group = nullptr,
                       bool async_op = false);
/// On dst, gather_list[r] receives rank r's tensor; other ranks pass an empty list.
WorkPtr gather(const Tensor& tensor, const std::vector<Tensor>& gather_list = {}, int dst = 0,
               const ProcessGroupPtr& group = nullptr, bool async_op = false);
/// Rank r's tensor receives src's scatter_list[r]; other ranks pass an empty list.
WorkPtr scatter(const Tensor& tensor, const std::vector<Tensor>& scatter_list = {}, int src = 0,
                const ProcessGroupPtr& group = nullptr, bool async_op = false);
WorkPtr barrier(const ProcessGroupPtr& group = nullptr, bool async_op = false);

void send(const Tensor& tensor, int dst, const ProcessGroupPtr& group = nullptr, int tag = 0);
/// Returns the sender's rank (src -1: any sender).
int recv(const Tensor& tensor, int src = -1, const ProcessGroupPtr& group = nullptr, int tag = 0);
WorkPtr isend(const Tensor& tensor, int dst, const ProcessGroupPtr& group = nullptr, int tag = 0);
WorkPtr irecv(const Tensor& tensor, int src = -1, const ProcessGroupPtr& group = nullptr,
              int tag = 0);

}  // namespace ember::distributed
