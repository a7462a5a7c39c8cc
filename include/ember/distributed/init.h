#pragma once
/// The default process group (torch.distributed's init_process_group and its queries).
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "ember/distributed/process_group.h"
#include "ember/distributed/store.h"

namespace ember::distributed {

struct InitProcessGroupOptions {
  /// Only "gloo".
  std::string backend = "gloo";
  /// "env://" (MASTER_ADDR, MASTER_PORT, RANK, WORLD_SIZE), "tcp://host:port" or
  /// "file:///path". Empty: "env://", unless `store` is given.
  std::string init_method;
  /// -1: from the environment (WORLD_SIZE, RANK).
  int world_size = -1;
  int rank = -1;
  std::chrono::milliseconds timeout = kDefaultTimeout;
  /// A store to meet in instead of init_method.
  std::shared_ptr<Store> store;
};

/// Joins this process to the default group; returns once every rank has joined. An Error
/// naming the missing ranks when some do not join within the timeout, or when the ranks were
/// started with different world sizes.
void init_process_group(const InitProcessGroupOptions& options = {});
/// Leaves the default group (and every group made by new_group) when `group` is null, else
/// destroys only that group's handle.
void destroy_process_group(const ProcessGroupPtr& group = nullptr);
bool is_initialized();
bool is_gloo_available();
/// The default group; an Error when init_process_group has not run.
ProcessGroupPtr default_group();
/// This process's rank in group (default: the default group); -1 for a non-member.
int get_rank(const ProcessGroupPtr& group = nullptr);
int get_world_size(const ProcessGroupPtr& group = nullptr);
std::string get_backend(const ProcessGroupPtr& group = nullptr);

/// A group of some ranks of the default group. Every rank of the default group must call it, in
/// the same order; a rank outside `ranks` gets a non-member handle (ProcessGroup::non_member),
/// which the collective functions skip, as torch's do.
ProcessGroupPtr new_group(std::vector<int> ranks = {},
                          std::chrono::milliseconds timeout = std::chrono::milliseconds(0));

/// The ranks of the default group whose process went away (their store connection closed
/// without leaving the group); empty when the store cannot tell.
std::vector<int64_t> lost_ranks();

}  // namespace ember::distributed
