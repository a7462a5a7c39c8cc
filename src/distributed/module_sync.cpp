// DDP's start: every rank must hold the same parameters (checked, then rank 0's broadcast).
#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/nn/parallel/distributed.h"
#include "ember/ops.h"

namespace ember::nn::parallel::detail {

namespace {

Tensor int64_tensor(const std::vector<int64_t>& values) {
  Tensor t = empty({static_cast<int64_t>(values.size())}, TensorOptions().dtype(kInt64));
  std::copy(values.begin(), values.end(), t.data_ptr<int64_t>());
  return t;
}

// Every rank's copy of `mine` (all the same length).
std::vector<std::vector<int64_t>> all_gather_values(const std::vector<int64_t>& mine,
                                                    const distributed::ProcessGroupPtr& group) {
  std::vector<Tensor> outs;
  for (int r = 0; r < group->size(); ++r)
    outs.push_back(empty({static_cast<int64_t>(mine.size())}, TensorOptions().dtype(kInt64)));
  group->allgather(outs, int64_tensor(mine))->wait();
  std::vector<std::vector<int64_t>> values;
  for (const auto& t : outs)
    values.emplace_back(t.data_ptr<int64_t>(), t.data_ptr<int64_t>() + t.numel());
  return values;
}

}  // namespace

void sync_module_states(const TensorDict& named_parameters, const std::vector<Tensor>& buffers,
                        const distributed::ProcessGroupPtr& group) {
  std::vector<int64_t> shapes;  // ndim, sizes..., for each parameter
  for (const auto& item : named_parameters) {
    shapes.push_back(item.value().dim());
    for (int64_t s : item.value().sizes()) shapes.push_back(s);
  }
  const auto counts = all_gather_values(
      {static_cast<int64_t>(named_parameters.size()), static_cast<int64_t>(shapes.size())}, group);
  for (int r = 0; r < group->size(); ++r)
    if (counts[static_cast<size_t>(r)][0] != counts[0][0])
      throw Error(fmt::format(
          "DistributedDataParallel expects the same model on every rank, but "
          "rank {} has {} parameters and rank 0 has {}",
          group->ranks()[static_cast<size_t>(r)], counts[static_cast<size_t>(r)][0], counts[0][0]));
  bool same_length = true;
  for (const auto& c : counts) same_length = same_length && c[1] == counts[0][1];
  std::vector<std::vector<int64_t>> all;
  if (same_length) all = all_gather_values(shapes, group);
  // The first parameter whose shape differs from rank 0's, by name.
  for (int r = 1; r < group->size(); ++r) {
    size_t pos = 0;
    for (const auto& item : named_parameters) {
      const auto& mine = item.value().sizes();
      const size_t ndim = mine.size();
      std::vector<int64_t> theirs0, theirs;
      if (same_length) {
        theirs0.assign(
            all[0].begin() + static_cast<ptrdiff_t>(pos + 1),
            all[0].begin() + static_cast<ptrdiff_t>(pos + 1 + static_cast<size_t>(all[0][pos])));
        theirs.assign(all[static_cast<size_t>(r)].begin() + static_cast<ptrdiff_t>(pos + 1),
                      all[static_cast<size_t>(r)].begin() +
                          static_cast<ptrdiff_t>(
                              pos + 1 + static_cast<size_t>(all[static_cast<size_t>(r)][pos])));
      }
      if (!same_length || theirs != theirs0)
        throw Error(fmt::format(
            "DistributedDataParallel expects the same model on every rank, "
            "but parameter '{}' has shape {} on rank {} and {} on rank 0",
            item.key(), same_length ? shape_str(theirs) : "another",
            group->ranks()[static_cast<size_t>(r)], same_length ? shape_str(theirs0) : "another"));
      pos += 1 + (same_length ? static_cast<size_t>(all[0][pos]) : ndim);
    }
  }
  NoGradGuard no_grad;
  std::vector<distributed::WorkPtr> works;
  for (const auto& item : named_parameters) works.push_back(group->broadcast(item.value(), 0));
  for (const auto& b : buffers) works.push_back(group->broadcast(b, 0));
  for (auto& w : works) w->wait();
}

void broadcast_buffers(const std::vector<Tensor>& buffers,
                       const distributed::ProcessGroupPtr& group) {
  if (group->size() == 1 || buffers.empty()) return;
  std::vector<distributed::WorkPtr> works;
  for (const auto& b : buffers) works.push_back(group->broadcast(b, 0));
  for (auto& w : works) w->wait();
}

}  // namespace ember::nn::parallel::detail
