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

}  // namespace ember::distributed::detail
