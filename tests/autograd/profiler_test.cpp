// The autograd profiler (include/ember/autograd/profiler.h): kernel calls, backward nodes and
// user ranges become nested events; nothing is recorded while it is off; threads record apart.
#include "ember/autograd/profiler.h"

#include <algorithm>
#include <sstream>
#include <thread>

#include "testing.h"

namespace ember {
namespace {

namespace prof = autograd::profiler;

// Runs body under the profiler and returns what it recorded.
template <typename Body>
std::vector<prof::Event> profile(Body body, bool record_shapes = false) {
  prof::enable_profiler({record_shapes});
  try {
    body();
  } catch (...) {
    prof::disable_profiler();
    throw;
  }
  return prof::disable_profiler();
}

std::vector<std::string> names(const std::vector<prof::Event>& events) {
  std::vector<std::string> out;
  for (const auto& e : events) out.push_back(e.name);
  return out;
}

const prof::Event* find(const std::vector<prof::Event>& events, const std::string& name) {
  for (const auto& e : events)
    if (e.name == name) return &e;
  return nullptr;
}

std::vector<const prof::Event*> children(const std::vector<prof::Event>& events,
                                         const prof::Event& parent) {
  std::vector<const prof::Event*> out;
  for (const auto& e : events)
    if (e.parent_id == parent.id) out.push_back(&e);
  return out;
}

bool has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(Profiler, RecordsForwardKernelsWithAtenNames) {
  const Tensor x = randn({2, 3}), w = randn({3, 4});
  const auto events = profile([&] { x.mm(w).relu().sum(); });
  const auto n = names(events);
  EXPECT_TRUE(has(n, "aten::mm"));
  EXPECT_TRUE(has(n, "aten::relu"));
  EXPECT_TRUE(has(n, "aten::sum"));
  for (const auto& e : events) {
    EXPECT_EQ(e.kind, prof::EventKind::Kernel) << e.name;
    EXPECT_LE(e.start_ns, e.end_ns);
    EXPECT_EQ(e.thread, events.front().thread);
    EXPECT_TRUE(e.input_shapes.empty());  // not asked for
  }
  // Ordered by start, ids unique.
  for (size_t i = 1; i < events.size(); ++i) {
    EXPECT_LE(events[i - 1].start_ns, events[i].start_ns);
    EXPECT_NE(events[i - 1].id, events[i].id);
  }
}

TEST(Profiler, RecordsInputShapesWhenAsked) {
  const Tensor x = randn({2, 3}), w = randn({3, 4});
  const auto events = profile([&] { x.mm(w); }, /*record_shapes=*/true);
  const prof::Event* mm = find(events, "aten::mm");
  ASSERT_NE(mm, nullptr);
  EXPECT_EQ(mm->input_shapes, (std::vector<std::vector<int64_t>>{{2, 3}, {3, 4}}));
}

TEST(Profiler, InPlaceKernelsGetTheTrailingUnderscore) {
  Tensor a = ones({3});
  const Tensor b = ones({3});
  const auto n = names(profile([&] {
    a.add_(b);
    a + b;
  }));
  EXPECT_TRUE(has(n, "aten::add_"));
  EXPECT_TRUE(has(n, "aten::add"));
}

TEST(Profiler, BackwardNodesNestTheirOwnKernels) {
  const Tensor x = randn({2, 3});
  const Tensor w = randn({3, 4}, TensorOptions().requires_grad(true));
  const Tensor loss = x.mm(w).relu().sum();
  const auto events = profile([&] { loss.backward(); });
  const prof::Event* outer = find(events, "autograd::engine::evaluate_function: MmBackward0");
  ASSERT_NE(outer, nullptr);
  EXPECT_EQ(outer->kind, prof::EventKind::Backward);
  EXPECT_EQ(outer->parent_id, 0u);
  // The node's own range sits inside the engine's, and the node's kernels inside it.
  const auto inner = children(events, *outer);
  const auto node = std::find_if(inner.begin(), inner.end(),
                                 [](const prof::Event* e) { return e->name == "MmBackward0"; });
  ASSERT_NE(node, inner.end());
  EXPECT_GE((*node)->start_ns, outer->start_ns);
  EXPECT_LE((*node)->end_ns, outer->end_ns);
  EXPECT_GE((*node)->sequence_nr, 0);
  bool mm_inside = false;
  for (const prof::Event* c : children(events, **node)) mm_inside |= c->name == "aten::mm";
  EXPECT_TRUE(mm_inside);

  const auto n = names(events);
  EXPECT_TRUE(has(n, "ReluBackward0"));
  EXPECT_TRUE(has(n, "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad"));
  EXPECT_FALSE(has(n, "GraphRoot"));
}

TEST(Profiler, RecordFunctionRangesEncloseTheirOps) {
  const Tensor a = randn({4}), b = randn({4});
  const auto events = profile([&] {
    prof::RecordFunction outer("outer");
    {
      prof::RecordFunction inner("inner");
      (a * b).exp();
    }
    a + b;
  });
  const prof::Event* outer = find(events, "outer");
  const prof::Event* inner = find(events, "inner");
  ASSERT_NE(outer, nullptr);
  ASSERT_NE(inner, nullptr);
  EXPECT_EQ(outer->kind, prof::EventKind::User);
  EXPECT_EQ(outer->parent_id, 0u);
  EXPECT_EQ(inner->parent_id, outer->id);
  EXPECT_EQ(find(events, "aten::mul")->parent_id, inner->id);
  EXPECT_EQ(find(events, "aten::exp")->parent_id, inner->id);
  EXPECT_EQ(find(events, "aten::add")->parent_id, outer->id);
  EXPECT_LE(outer->start_ns, inner->start_ns);
  EXPECT_GE(outer->end_ns, inner->end_ns);
}

TEST(Profiler, RecordsNothingWhenOff) {
  EXPECT_FALSE(prof::is_enabled());
  const Tensor a = randn({4});
  {
    prof::RecordFunction range("unseen");
    EXPECT_FALSE(range.active());
    a.exp();
  }
  EXPECT_TRUE(prof::disable_profiler().empty());
  // A session holds only its own events, and a range open across its start is dropped.
  auto straddling = std::make_unique<prof::RecordFunction>();
  prof::enable_profiler();
  straddling->begin("straddling");
  EXPECT_TRUE(straddling->active());
  prof::disable_profiler();
  const auto events = profile([&] {
    a.sin();
    straddling.reset();
  });
  EXPECT_EQ(names(events), std::vector<std::string>{"aten::sin"});
  EXPECT_TRUE(profile([] {}).empty());
}

TEST(Profiler, EnablingTwiceThrows) {
  prof::enable_profiler();
  EXPECT_THROW(prof::enable_profiler(), Error);
  prof::disable_profiler();
  EXPECT_FALSE(prof::is_enabled());
}

TEST(Profiler, ThreadsRecordIntoTheirOwnBuffers) {
  const auto events = profile([] {
    std::vector<std::thread> threads;
    for (int i = 0; i < 3; ++i)
      threads.emplace_back([i] {
        prof::RecordFunction range("worker" + std::to_string(i));
        randn({8}).tanh();
      });
    for (auto& t : threads) t.join();
  });
  std::vector<uint64_t> seen;
  for (int i = 0; i < 3; ++i) {
    const prof::Event* range = find(events, "worker" + std::to_string(i));
    ASSERT_NE(range, nullptr);
    seen.push_back(range->thread);
    // Each thread's kernels nest under that thread's own range.
    int nested = 0;
    for (const auto* c : children(events, *range)) {
      EXPECT_EQ(c->thread, range->thread);
      nested += c->name == "aten::tanh";
    }
    EXPECT_EQ(nested, 1);
  }
  std::sort(seen.begin(), seen.end());
  EXPECT_EQ(std::unique(seen.begin(), seen.end()), seen.end());
}

TEST(Profiler, ChromeTraceAndRecordProfile) {
  std::ostringstream out;
  {
    prof::RecordProfile guard(out);
    prof::RecordFunction range("traced \"range\"");
    randn({3}).exp();
  }
  const std::string trace = out.str();
  EXPECT_NE(trace.find("\"traceEvents\""), std::string::npos);
  EXPECT_NE(trace.find("\"ph\": \"X\""), std::string::npos);
  EXPECT_NE(trace.find("\"name\": \"aten::exp\""), std::string::npos);
  EXPECT_NE(trace.find("traced \\\"range\\\""), std::string::npos);
  EXPECT_FALSE(prof::is_enabled());
}

}  // namespace
}  // namespace ember
