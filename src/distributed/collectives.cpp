// The collective functions: translate the default group's ranks to the group's, skip
// non-members, and wait unless async_op.
#include <fmt/format.h>

#include "ember/core/error.h"
#include "ember/distributed/collectives.h"
#include "world.h"

namespace ember::distributed {

namespace {

// The group's rank of a rank in the default group.
int group_rank(const ProcessGroup& group, int global, const char* op) {
  const auto& ranks = group.ranks();
  for (size_t i = 0; i < ranks.size(); ++i)
    if (ranks[i] == global) return static_cast<int>(i);
  throw Error(fmt::format("{}: rank {} is not part of the group", op, global), ErrorKind::Value);
}

WorkPtr finish(WorkPtr work, bool async_op) {
  if (async_op) return work;
  work->wait();
  return nullptr;
}

}  // namespace

WorkPtr all_reduce(const Tensor& tensor, ReduceOp op, const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->allreduce(tensor, op), async_op);
}

WorkPtr broadcast(const Tensor& tensor, int src, const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->broadcast(tensor, group_rank(*g, src, "broadcast")), async_op);
}

WorkPtr reduce(const Tensor& tensor, int dst, ReduceOp op, const ProcessGroupPtr& group,
               bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->reduce(tensor, group_rank(*g, dst, "reduce"), op), async_op);
}

WorkPtr all_gather(const std::vector<Tensor>& tensor_list, const Tensor& tensor,
                   const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->allgather(tensor_list, tensor), async_op);
}

WorkPtr reduce_scatter(const Tensor& output, const std::vector<Tensor>& input_list, ReduceOp op,
                       const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->reduce_scatter(output, input_list, op), async_op);
}

WorkPtr gather(const Tensor& tensor, const std::vector<Tensor>& gather_list, int dst,
               const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->gather(gather_list, tensor, group_rank(*g, dst, "gather")), async_op);
}

WorkPtr scatter(const Tensor& tensor, const std::vector<Tensor>& scatter_list, int src,
                const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->scatter(tensor, scatter_list, group_rank(*g, src, "scatter")), async_op);
}

WorkPtr barrier(const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(g->barrier(), async_op);
}

WorkPtr isend(const Tensor& tensor, int dst, const ProcessGroupPtr& group, int tag) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return g->send(tensor, group_rank(*g, dst, "send"), tag);
}

WorkPtr irecv(const Tensor& tensor, int src, const ProcessGroupPtr& group, int tag) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return g->recv(tensor, src < 0 ? -1 : group_rank(*g, src, "recv"), tag);
}

void send(const Tensor& tensor, int dst, const ProcessGroupPtr& group, int tag) {
  if (auto work = isend(tensor, dst, group, tag)) work->wait();
}

int recv(const Tensor& tensor, int src, const ProcessGroupPtr& group, int tag) {
  auto g = detail::resolve(group);
  auto work = irecv(tensor, src, g, tag);
  if (!work) return -1;
  work->wait();
  return g->ranks()[static_cast<size_t>(work->source_rank())];
}

}  // namespace ember::distributed
