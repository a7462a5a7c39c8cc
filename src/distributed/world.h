#pragma once
// The default group and the store it met in, shared by init.cpp and collectives.cpp.
#include <mutex>

#include "ember/distributed/process_group.h"

namespace ember::distributed::detail {

struct World {
  std::mutex mutex;
  std::shared_ptr<Store> store;
  ProcessGroupPtr default_group;
  int64_t groups_made = 0;
};

World& world();
/// group, or the default group when null; an Error when there is none.
ProcessGroupPtr resolve(const ProcessGroupPtr& group);

/// While one lives, the collectives this thread queues are waited on at once, so the group's
/// thread is not woken for them: the waiting thread runs them (Note [Running in the waiting
/// thread] in process_group.cpp).
class CallerWaits {
 public:
  CallerWaits() : saved_(active) { active = true; }
  ~CallerWaits() { active = saved_; }
  CallerWaits(const CallerWaits&) = delete;
  CallerWaits& operator=(const CallerWaits&) = delete;
  static thread_local bool active;

 private:
  bool saved_;
};

}  // namespace ember::distributed::detail
