#include "group_errors.h"

#include <algorithm>
#include <thread>

#include <fmt/format.h>
#include <fmt/ranges.h>

#include "ember/core/error.h"

namespace ember::distributed {

namespace {

TCPStore* find_tcp_store(Store* store) {
  while (auto* prefix = dynamic_cast<PrefixStore*>(store)) store = prefix->underlying_store().get();
  return dynamic_cast<TCPStore*>(store);
}

}  // namespace

Error collective_error(const ProcessGroup& group, const std::string& op, const std::string& cause) {
  const int rank = group.ranks()[static_cast<size_t>(group.rank())];
  if (cause.find("Timed out") != std::string::npos || cause.find("timed out") != std::string::npos)
    return Error(
        fmt::format("ProcessGroupGloo::{} failed on rank {}: timed out after {} ms (a "
                    "rank of the group stopped responding): {}",
                    op, rank, group.timeout().count(), cause));
  TCPStore* store = find_tcp_store(group.store().get());
  // The store hears of a closed connection a moment after the peers do.
  std::vector<int64_t> lost;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  try {
    while (store) {
      for (int64_t r : store->lost_ranks())
        if (std::find(group.ranks().begin(), group.ranks().end(), r) != group.ranks().end())
          lost.push_back(r);
      if (!lost.empty() || std::chrono::steady_clock::now() > deadline) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  } catch (const Error&) {
    return Error(
        fmt::format("ProcessGroupGloo::{} failed on rank {}: rank 0 is gone (its store "
                    "at {}:{} is unreachable): {}",
                    op, rank, store->host(), store->port(), cause));
  }
  if (lost.empty())
    return Error(fmt::format("ProcessGroupGloo::{} failed on rank {}: {}", op, rank, cause));
  return Error(
      fmt::format("ProcessGroupGloo::{} failed on rank {}: rank{} {} went away (process "
                  "exited or connection lost): {}",
                  op, rank, lost.size() > 1 ? "s" : "", fmt::join(lost, ", "), cause));
}

}  // namespace ember::distributed
