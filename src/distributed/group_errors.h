#pragma once
// What a failed collective says: which rank went away, or that it timed out.
#include <string>

#include "ember/core/error.h"
#include "ember/distributed/process_group.h"

namespace ember::distributed {

/// The error for `op` failing in group with Gloo's `cause`; names the ranks whose processes
/// went away when the group's store can tell.
Error collective_error(const ProcessGroup& group, const std::string& op, const std::string& cause);

}  // namespace ember::distributed
