#include "ember/autograd/anomaly_mode.h"

namespace ember::autograd {
namespace {
thread_local bool anomaly_enabled = false;
}

bool AnomalyMode::is_enabled() { return anomaly_enabled; }
void AnomalyMode::set_enabled(bool enabled) { anomaly_enabled = enabled; }

}  // namespace ember::autograd
