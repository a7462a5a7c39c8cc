#pragma once
/// The autograd profiler: while enabled, every kernel call, every backward node the engine runs
/// and every user range (RecordFunction) is recorded as a timed event in a per-thread buffer;
/// disable_profiler() hands the events of all threads back.
#include <atomic>
#include <cstdint>
#include <iosfwd>
#include <string>
#include <string_view>
#include <vector>

#include "ember/core/tensor.h"

namespace ember::autograd::profiler {

/// What recorded an event.
enum class EventKind : uint8_t {
  Kernel,    ///< a kernel-table call ("aten::mm")
  Backward,  ///< a backward node, or the engine's range around it
  User,      ///< a RecordFunction range
};

/// One timed range. Times are nanoseconds of a steady clock since the profiler was enabled.
struct Event {
  std::string name;
  EventKind kind = EventKind::User;
  uint64_t id = 0;         ///< unique within one profiling session, from 1
  uint64_t parent_id = 0;  ///< the enclosing range on the same thread, 0 at top level
  uint64_t thread = 0;     ///< small thread number (1 for the first thread that records)
  int64_t start_ns = 0, end_ns = 0;
  int64_t sequence_nr = -1;  ///< a backward node's sequence number, else -1
  /// The input shapes when record_shapes is on ([] for a non-tensor argument).
  std::vector<std::vector<int64_t>> input_shapes;
};

/// What an enabled profiler collects.
struct ProfilerConfig {
  bool record_shapes = false;  ///< keep each event's input shapes
};

namespace detail {
/// The switch every recording site reads; use is_enabled().
extern std::atomic<bool> enabled_flag;
}  // namespace detail

/// Whether the profiler is on (one relaxed atomic load, so hot paths can ask it cheaply).
inline bool is_enabled() { return detail::enabled_flag.load(std::memory_order_relaxed); }
/// Whether the running session keeps input shapes.
bool record_shapes_enabled();
/// Starts a session for every thread; throws if one is already running.
void enable_profiler(const ProfilerConfig& config = {});
/// Ends the session and returns its finished events, from all threads, ordered by start time.
/// Ranges still open are dropped.
std::vector<Event> disable_profiler();

/// An RAII range: records one event from begin() (or the named constructor) to destruction.
/// Costs one relaxed load when the profiler is off.
class RecordFunction {
 public:
  /// An inactive guard; begin() starts it.
  RecordFunction() = default;
  /// Starts a User range named name when the profiler is on.
  explicit RecordFunction(std::string_view name, EventKind kind = EventKind::User);
  RecordFunction(const RecordFunction&) = delete;
  RecordFunction& operator=(const RecordFunction&) = delete;
  ~RecordFunction() { end(); }

  /// Starts the range (no-op when the profiler is off or the range already started).
  void begin(std::string name, EventKind kind = EventKind::User, int64_t sequence_nr = -1);
  /// Adds the shapes of inputs (an undefined tensor gives []) when shapes are being recorded.
  void record_inputs(const std::vector<Tensor>& inputs);
  /// Adds one input shape when shapes are being recorded.
  void record_shape(std::vector<int64_t> shape);
  /// Ends the range now (destruction does it otherwise).
  void end();
  /// Drops the range unrecorded (a kernel that declined its work and left it to another).
  void cancel();
  /// Whether the range is being recorded.
  bool active() const { return slot_ != 0; }

 private:
  uint64_t slot_ = 0;     // the event's id while open
  uint64_t session_ = 0;  // the session it belongs to: a range left open across sessions drops
};

/// The events in Chrome's trace format ({"traceEvents": [...]}, times in microseconds).
std::string chrome_trace(const std::vector<Event>& events);

/// LibTorch's RecordProfile: profiles its own lifetime and writes the Chrome trace of it to
/// a file or stream at the end.
class RecordProfile {
 public:
  /// Writes the trace to the file at path when destroyed.
  explicit RecordProfile(std::string path);
  /// Writes the trace to out when destroyed.
  explicit RecordProfile(std::ostream& out);
  RecordProfile(const RecordProfile&) = delete;
  RecordProfile& operator=(const RecordProfile&) = delete;
  ~RecordProfile();

 private:
  std::string path_;
  std::ostream* out_ = nullptr;
};

}  // namespace ember::autograd::profiler
