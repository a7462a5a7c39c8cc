// The autograd profiler's recording: one process-wide switch, and per-thread buffers of events so
// that recording threads never contend with each other. It sits in core so that the kernel table
// (kernels/profiling.cpp) and the engine can both record.
#include "ember/autograd/profiler.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iterator>
#include <memory>
#include <mutex>
#include <ostream>
#include <utility>

#include "core/check.h"

namespace ember::autograd::profiler {
namespace detail {
std::atomic<bool> enabled_flag{false};
}  // namespace detail

namespace {

using Clock = std::chrono::steady_clock;

struct ThreadBuffer {
  std::mutex mutex;  // taken by its own thread and by disable_profiler(), so never contended long
  uint64_t thread = 0;
  std::vector<Event> open;  // ranges begun and not yet ended, innermost last
  std::vector<Event> done;
};

struct Registry {
  std::mutex mutex;
  std::vector<std::shared_ptr<ThreadBuffer>> buffers;
  uint64_t next_thread = 1;
  std::atomic<uint64_t> session{0};
  std::atomic<uint64_t> next_id{1};
  std::atomic<bool> record_shapes{false};
  // The session's start, read by recording threads without the lock.
  std::atomic<int64_t> origin_ns{0};
};

// Leaked on purpose: threads may still end ranges while static destructors run.
Registry& registry() {
  static auto* r = new Registry;
  return *r;
}

// The registry co-owns each buffer, so a thread that exits before the session ends keeps its
// events.
ThreadBuffer& local_buffer() {
  thread_local std::shared_ptr<ThreadBuffer> buffer = [] {
    auto b = std::make_shared<ThreadBuffer>();
    Registry& r = registry();
    std::lock_guard<std::mutex> lock(r.mutex);
    b->thread = r.next_thread++;
    r.buffers.push_back(b);
    return b;
  }();
  return *buffer;
}

int64_t clock_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

int64_t now_ns() { return clock_ns() - registry().origin_ns.load(std::memory_order_relaxed); }

Event* find_open(ThreadBuffer& b, uint64_t id) {
  for (auto it = b.open.rbegin(); it != b.open.rend(); ++it)
    if (it->id == id) return &*it;
  return nullptr;
}

void json_string(std::string& out, std::string_view s) {
  out += '"';
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += fmt::format("\\u{:04x}", static_cast<int>(c));
    } else {
      out += c;
    }
  }
  out += '"';
}

}  // namespace

bool record_shapes_enabled() { return registry().record_shapes.load(std::memory_order_relaxed); }

void enable_profiler(const ProfilerConfig& config) {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  EMBER_CHECK(!is_enabled(), "The profiler is already enabled");
  for (auto& b : r.buffers) {
    std::lock_guard<std::mutex> guard(b->mutex);
    b->open.clear();
    b->done.clear();
  }
  r.session.fetch_add(1);
  r.next_id.store(1);
  r.record_shapes.store(config.record_shapes);
  r.origin_ns.store(clock_ns());
  detail::enabled_flag.store(true);
}

std::vector<Event> disable_profiler() {
  Registry& r = registry();
  std::lock_guard<std::mutex> lock(r.mutex);
  std::vector<Event> events;
  if (!is_enabled()) return events;
  detail::enabled_flag.store(false);
  // Ranges ended after this point belong to no session.
  r.session.fetch_add(1);
  for (auto& b : r.buffers) {
    std::lock_guard<std::mutex> guard(b->mutex);
    std::move(b->done.begin(), b->done.end(), std::back_inserter(events));
    b->done.clear();
    b->open.clear();
  }
  // Buffers whose threads have exited are owned by the registry alone.
  std::erase_if(r.buffers, [](const auto& b) { return b.use_count() == 1; });
  std::sort(events.begin(), events.end(), [](const Event& a, const Event& b) {
    if (a.start_ns != b.start_ns) return a.start_ns < b.start_ns;
    return a.id < b.id;
  });
  return events;
}

RecordFunction::RecordFunction(std::string_view name, EventKind kind) {
  if (is_enabled()) begin(std::string(name), kind);
}

void RecordFunction::begin(std::string name, EventKind kind, int64_t sequence_nr) {
  if (!is_enabled() || slot_ != 0) return;
  Registry& r = registry();
  ThreadBuffer& b = local_buffer();
  Event e;
  e.name = std::move(name);
  e.kind = kind;
  e.sequence_nr = sequence_nr;
  e.thread = b.thread;
  std::lock_guard<std::mutex> guard(b.mutex);
  session_ = r.session.load();
  e.id = r.next_id.fetch_add(1, std::memory_order_relaxed);
  e.parent_id = b.open.empty() ? 0 : b.open.back().id;
  e.start_ns = now_ns();
  slot_ = e.id;
  b.open.push_back(std::move(e));
}

void RecordFunction::record_inputs(const std::vector<Tensor>& inputs) {
  if (slot_ == 0 || !record_shapes_enabled()) return;
  for (const Tensor& t : inputs)
    record_shape(t.defined() ? std::vector<int64_t>(t.sizes().begin(), t.sizes().end())
                             : std::vector<int64_t>{});
}

void RecordFunction::record_shape(std::vector<int64_t> shape) {
  if (slot_ == 0 || !record_shapes_enabled()) return;
  ThreadBuffer& b = local_buffer();
  std::lock_guard<std::mutex> guard(b.mutex);
  if (Event* e = find_open(b, slot_)) e->input_shapes.push_back(std::move(shape));
}

void RecordFunction::end() {
  if (slot_ == 0) return;
  const int64_t end = now_ns();
  ThreadBuffer& b = local_buffer();
  std::lock_guard<std::mutex> guard(b.mutex);
  const uint64_t id = std::exchange(slot_, 0);
  // A session ended (or a new one began) while the range was open: it belongs to neither.
  if (session_ != registry().session.load()) return;
  for (auto it = b.open.end(); it != b.open.begin();) {
    --it;
    if (it->id != id) continue;
    it->end_ns = end;
    b.done.push_back(std::move(*it));
    b.open.erase(it);
    return;
  }
}

void RecordFunction::cancel() {
  if (slot_ == 0) return;
  ThreadBuffer& b = local_buffer();
  std::lock_guard<std::mutex> guard(b.mutex);
  const uint64_t id = std::exchange(slot_, 0);
  std::erase_if(b.open, [id](const Event& e) { return e.id == id; });
}

std::string chrome_trace(const std::vector<Event>& events) {
  std::string out = "{\n  \"schemaVersion\": 1,\n  \"traceEvents\": [";
  const int pid = static_cast<int>(getpid());
  bool first = true;
  for (const Event& e : events) {
    out += first ? "\n    {" : ",\n    {";
    first = false;
    out += "\"ph\": \"X\", \"cat\": ";
    out += e.kind == EventKind::User ? "\"user_annotation\"" : "\"cpu_op\"";
    out += ", \"name\": ";
    json_string(out, e.name);
    out += fmt::format(", \"pid\": {}, \"tid\": {}, \"ts\": {:.3f}, \"dur\": {:.3f}", pid, e.thread,
                       static_cast<double>(e.start_ns) / 1000.0,
                       static_cast<double>(e.end_ns - e.start_ns) / 1000.0);
    out += ", \"args\": {";
    out += fmt::format("\"External id\": {}", e.id);
    if (e.sequence_nr >= 0) out += fmt::format(", \"Sequence number\": {}", e.sequence_nr);
    if (!e.input_shapes.empty()) {
      out += ", \"Input Dims\": [";
      for (size_t i = 0; i < e.input_shapes.size(); ++i)
        out += fmt::format("{}[{}]", i ? ", " : "", fmt::join(e.input_shapes[i], ", "));
      out += "]";
    }
    out += "}}";
  }
  out += "\n  ],\n  \"displayTimeUnit\": \"ms\"\n}\n";
  return out;
}

RecordProfile::RecordProfile(std::string path) : path_(std::move(path)) { enable_profiler(); }

RecordProfile::RecordProfile(std::ostream& out) : out_(&out) { enable_profiler(); }

RecordProfile::~RecordProfile() {
  const std::string trace = chrome_trace(disable_profiler());
  if (out_ != nullptr) {
    *out_ << trace;
  } else {
    std::ofstream file(path_);
    file << trace;
  }
}

}  // namespace ember::autograd::profiler
