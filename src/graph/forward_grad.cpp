#include "graph/forward_grad.h"

#include <mutex>
#include <utility>

#include "core/check.h"
#include "graph/autograd_meta.h"

namespace ember::autograd {
namespace {

std::atomic<int64_t> active_level{0};
std::atomic<int64_t> next_level{1};
thread_local bool jvp_in_progress = false;
std::atomic<JvpGradients> installed_gradients{nullptr};

class MarkerNode final : public Node {
 public:
  std::string name() const override { return "JvpMarker"; }
  variable_list apply(variable_list&&) override { return {}; }
};

}  // namespace

int64_t current_dual_level() { return active_level.load(std::memory_order_acquire); }

int64_t enter_dual_level() {
  const int64_t level = next_level.fetch_add(1);
  int64_t none = 0;
  EMBER_CHECK(active_level.compare_exchange_strong(none, level),
              "Nested forward mode AD is not supported at the moment");
  return level;
}

void exit_dual_level(int64_t level) {
  int64_t expected = level;
  EMBER_CHECK(active_level.compare_exchange_strong(expected, 0),
              "Trying to exit a forward AD level that was not the last one that was created. "
              "This is not supported.");
}

bool forward_ad_enabled() {
  return active_level.load(std::memory_order_relaxed) != 0 && !jvp_in_progress;
}

Tensor fw_grad(const Tensor& t) {
  const AutogradMeta* meta = t.defined() ? get_meta(t) : nullptr;
  if (!meta || !meta->fw_grad_.defined() || meta->fw_level_ != current_dual_level()) return {};
  return meta->fw_grad_;
}

void set_fw_grad(const Tensor& t, const Tensor& tangent) {
  AutogradMeta& meta = ensure_meta(t);
  meta.fw_grad_ = tangent;
  meta.fw_level_ = current_dual_level();
}

bool any_fw_grad(std::initializer_list<const Tensor*> tensors) {
  if (!forward_ad_enabled()) return false;
  for (const Tensor* t : tensors)
    if (fw_grad(*t).defined()) return true;
  return false;
}

ForwardADDisabledGuard::ForwardADDisabledGuard() : previous_(jvp_in_progress) {
  jvp_in_progress = true;
}
ForwardADDisabledGuard::~ForwardADDisabledGuard() { jvp_in_progress = previous_; }

namespace {
std::mutex derived_mutex;
std::set<std::string> derived_names;
}  // namespace

void note_derived_jvp(const char* node_name) {
  std::lock_guard<std::mutex> lock(derived_mutex);
  derived_names.emplace(node_name);
}

std::set<std::string> take_derived_jvp_names() {
  std::lock_guard<std::mutex> lock(derived_mutex);
  return std::exchange(derived_names, {});
}

void set_jvp_gradients(JvpGradients fn) { installed_gradients.store(fn); }
JvpGradients jvp_gradients() { return installed_gradients.load(); }

const std::shared_ptr<Node>& jvp_marker() {
  static const std::shared_ptr<Node> marker = std::make_shared<MarkerNode>();
  return marker;
}

}  // namespace ember::autograd
