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

// Queues a collective with issue() and waits for it unless async_op.
template <typename Issue>
WorkPtr finish(bool async_op, Issue&& issue) {
  if (async_op) return issue();
  detail::CallerWaits caller_waits;
  issue()->wait();
  return nullptr;
}

}  // namespace

WorkPtr all_reduce(const Tensor& tensor, ReduceOp op, const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->allreduce(tensor, op); });
}

WorkPtr broadcast(const Tensor& tensor, int src, const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->broadcast(tensor, group_rank(*g, src, "broadcast")); });
}

WorkPtr reduce(const Tensor& tensor, int dst, ReduceOp op, const ProcessGroupPtr& group,
               bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->reduce(tensor, group_rank(*g, dst, "reduce"), op); });
}

WorkPtr all_gather(const std::vector<Tensor>& tensor_list, const Tensor& tensor,
                   const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->allgather(tensor_list, tensor); });
}

WorkPtr reduce_scatter(const Tensor& output, const std::vector<Tensor>& input_list, ReduceOp op,
                       const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->reduce_scatter(output, input_list, op); });
}

WorkPtr gather(const Tensor& tensor, const std::vector<Tensor>& gather_list, int dst,
               const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op,
                [&] { return g->gather(gather_list, tensor, group_rank(*g, dst, "gather")); });
}

WorkPtr scatter(const Tensor& tensor, const std::vector<Tensor>& scatter_list, int src,
                const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op,
                [&] { return g->scatter(tensor, scatter_list, group_rank(*g, src, "scatter")); });
}

WorkPtr barrier(const ProcessGroupPtr& group, bool async_op) {
  auto g = detail::resolve(group);
  if (!g->is_member()) return nullptr;
  return finish(async_op, [&] { return g->barrier(); });
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
