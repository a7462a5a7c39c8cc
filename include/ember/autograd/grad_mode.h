#pragma once
/// Whether ops record autograd history: on by default, per thread, switched by RAII guards.

namespace ember {

/// The thread's grad mode.
struct GradMode {
  /// True when ops record history for tensors that require grad.
  static bool is_enabled();
  static void set_enabled(bool enabled);
};

/// Sets grad mode for a scope and restores the previous mode on exit.
class AutoGradMode {
 public:
  explicit AutoGradMode(bool enabled) : previous_(GradMode::is_enabled()) {
    GradMode::set_enabled(enabled);
  }
  ~AutoGradMode() { GradMode::set_enabled(previous_); }
  AutoGradMode(const AutoGradMode&) = delete;
  AutoGradMode& operator=(const AutoGradMode&) = delete;

 private:
  bool previous_;
};

/// No history is recorded in this scope (PyTorch's `with torch.no_grad():`).
class NoGradGuard : public AutoGradMode {
 public:
  NoGradGuard() : AutoGradMode(false) {}
};

/// History is recorded in this scope even inside a NoGradGuard (`torch.enable_grad()`).
class EnableGradGuard : public AutoGradMode {
 public:
  EnableGradGuard() : AutoGradMode(true) {}
};

/// LibTorch's c10::InferenceMode (also torch::InferenceMode): a scope for running a model, with
/// no history recorded, as under NoGradGuard, and InferenceMode::is_enabled() true. Unlike
/// LibTorch, tensors made inside are ordinary tensors (no "inference tensors").
class InferenceMode {
 public:
  explicit InferenceMode(bool enabled = true);
  ~InferenceMode();
  InferenceMode(const InferenceMode&) = delete;
  InferenceMode& operator=(const InferenceMode&) = delete;
  /// True inside an enabled InferenceMode scope on this thread.
  static bool is_enabled();

 private:
  bool previous_grad_;
  bool previous_inference_;
};

}  // namespace ember
