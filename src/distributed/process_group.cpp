// ProcessGroup: Gloo's context and collectives behind Ember tensors. Note [Group thread]: every
// collective is queued to the group's one thread, which runs them in the order they were
// issued; Gloo matches the ranks' operations by tag, and issuing order is the same on every
// rank, so the tag is that order's count.
#include <gloo/allgather.h>
#include <gloo/allreduce.h>
#include <gloo/barrier.h>
#include <gloo/broadcast.h>
#include <gloo/common/error.h>
#include <gloo/gather.h>
#include <gloo/math.h>
#include <gloo/reduce.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/store.h>
#include <gloo/scatter.h>
#include <gloo/transport/tcp/device.h>
#include <gloo/transport/unbound_buffer.h>

#include <deque>
#include <thread>

#include <fmt/format.h>

#include "ember/autograd/grad_mode.h"
#include "ember/core/error.h"
#include "ember/distributed/process_group.h"
#include "ember/ops.h"
#include "group_errors.h"
#include "world.h"

namespace ember::distributed {

std::string reduce_op_name(ReduceOp op) {
  switch (op) {
    case ReduceOp::SUM:
      return "SUM";
    case ReduceOp::AVG:
      return "AVG";
    case ReduceOp::PRODUCT:
      return "PRODUCT";
    case ReduceOp::MIN:
      return "MIN";
    case ReduceOp::MAX:
      return "MAX";
  }
  return "?";
}

// ---- Work --------------------------------------------------------------------------------

Work::Work(std::string name, std::chrono::milliseconds timeout)
    : name_(std::move(name)), timeout_(timeout) {}

bool Work::wait(std::chrono::milliseconds timeout) {
  if (timeout.count() <= 0) timeout = timeout_;
  // The completion may do the work in this thread; it finishes the Work when it does.
  if (auto complete = take_completion()) complete(*this);
  std::unique_lock<std::mutex> lock(mutex_);
  if (!done_cv_.wait_for(lock, timeout, [&] { return done_; }))
    throw Error(fmt::format("{}: Work::wait timed out after {} ms", name_, timeout.count()));
  if (error_) std::rethrow_exception(error_);
  return true;
}

bool Work::is_completed() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_;
}

bool Work::is_success() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return done_ && !error_;
}

std::exception_ptr Work::exception() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return error_;
}

void Work::finish(std::exception_ptr error) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
    error_ = std::move(error);
  }
  done_cv_.notify_all();
}

void Work::set_completion(std::function<void(Work&)> complete) {
  std::lock_guard<std::mutex> lock(mutex_);
  completion_ = std::move(complete);
}

std::function<void(Work&)> Work::take_completion() {
  std::lock_guard<std::mutex> lock(mutex_);
  return std::exchange(completion_, nullptr);
}

// ---- Gloo glue ---------------------------------------------------------------------------

namespace {

// Gloo's rendezvous reads and writes through its own store interface.
class GlooStore final : public gloo::rendezvous::Store {
 public:
  explicit GlooStore(std::shared_ptr<distributed::Store> store) : store_(std::move(store)) {}
  void set(const std::string& key, const std::vector<char>& data) override {
    store_->set(key, std::vector<uint8_t>(data.begin(), data.end()));
  }
  std::vector<char> get(const std::string& key) override {
    const auto v = store_->get(key);
    return {v.begin(), v.end()};
  }
  void wait(const std::vector<std::string>& keys) override { store_->wait(keys); }
  void wait(const std::vector<std::string>& keys, const std::chrono::milliseconds& t) override {
    store_->wait(keys, t);
  }

 private:
  std::shared_ptr<distributed::Store> store_;
};

using ReduceFn = void (*)(void*, const void*, const void*, size_t);

template <typename T>
ReduceFn reduce_function(ReduceOp op) {
  if constexpr (std::is_same_v<T, uint8_t>) {  // bool: SUM is "or", PRODUCT is "and"
    if (op == ReduceOp::SUM || op == ReduceOp::MAX) return &gloo::max<T>;
    return &gloo::min<T>;
  } else {
    switch (op) {
      case ReduceOp::SUM:
      case ReduceOp::AVG:
        return &gloo::sum<T>;
      case ReduceOp::PRODUCT:
        return &gloo::product<T>;
      case ReduceOp::MIN:
        return &gloo::min<T>;
      case ReduceOp::MAX:
        return &gloo::max<T>;
    }
  }
  return nullptr;
}

// Calls fn with a value of the C++ type Gloo moves t's elements as.
template <typename Fn>
void with_element_type(ScalarType dtype, Fn&& fn) {
  switch (dtype) {
    case ScalarType::Bool:
      return fn(uint8_t{});
    case ScalarType::Int32:
      return fn(int32_t{});
    case ScalarType::Int64:
      return fn(int64_t{});
    case ScalarType::Float32:
      return fn(float{});
    case ScalarType::Float64:
      return fn(double{});
  }
}

// A contiguous tensor over t's elements: t itself when it is contiguous, else a copy that
// write_back() puts back.
struct Buffer {
  Tensor target;
  Tensor contiguous;
  explicit Buffer(const Tensor& t) : target(t.variable_data()), contiguous(target.contiguous()) {}
  template <typename T>
  T* data() const {
    return static_cast<T*>(contiguous.data_ptr());
  }
  size_t numel() const { return static_cast<size_t>(contiguous.numel()); }
  void write_back() const {
    if (contiguous.unsafe_impl() != target.unsafe_impl()) target.copy_(contiguous);
  }
};

void check_tensor(const char* op, const Tensor& t) {
  if (!t.defined()) throw Error(fmt::format("ProcessGroupGloo::{}: the tensor is undefined", op));
  if (!t.device().is_cpu())
    throw Error(fmt::format("ProcessGroupGloo::{}: expected a CPU tensor, got one on {}", op,
                            t.device().str()));
}

void check_same(const char* op, const Tensor& a, const Tensor& b, const char* what) {
  if (a.sizes() != b.sizes() || a.dtype() != b.dtype())
    throw Error(fmt::format("ProcessGroupGloo::{}: every tensor in {} must have the shape and "
                            "dtype of the input ({} {}), got {} {}",
                            op, what, shape_str(a.sizes()), dtype_name(a.dtype()),
                            shape_str(b.sizes()), dtype_name(b.dtype())),
                ErrorKind::Value);
}

void check_rank(const char* op, int rank, int size, const char* what) {
  if (rank < 0 || rank >= size)
    throw Error(fmt::format("ProcessGroupGloo::{}: {} {} is not a rank of this group of {}", op,
                            what, rank, size),
                ErrorKind::Value);
}

// A list of one tensor per rank of the group, each with the shape and dtype of `like`.
void check_per_rank(const char* op, const std::vector<Tensor>& list, const Tensor& like, int size,
                    const char* what) {
  if (static_cast<int>(list.size()) != size)
    throw Error(fmt::format("ProcessGroupGloo::{}: {} needs {} tensors (one per rank), got {}", op,
                            what, size, list.size()),
                ErrorKind::Value);
  for (const auto& t : list) check_same(op, like, t, what);
}

// gather's and scatter's list: one per rank on the root, none elsewhere.
void check_root_list(const char* op, const std::vector<Tensor>& list, const Tensor& like, int root,
                     int rank, int size, const char* what) {
  if (rank == root)
    check_per_rank(op, list, like, size, what);
  else if (!list.empty())
    throw Error(fmt::format("ProcessGroupGloo::{}: only the root rank passes a {}", op, what),
                ErrorKind::Value);
}

}  // namespace

// ---- The group ---------------------------------------------------------------------------

thread_local bool detail::CallerWaits::active = false;

// Note [Running in the waiting thread]: a collective queued while the group's thread is idle
// is usually waited on at once. Handing it to that thread costs two wake-ups per operation and,
// on a machine with few cores, lets the scheduler stack the ranks' threads on one core; so
// wait() runs the job itself when it is next in the queue and no job is running. The queue
// lock keeps the issuing order either way.
namespace {

struct Job {
  WorkPtr work;
  std::string name;
  uint32_t tag;
  std::function<void(uint32_t, Work&)> run;
  const ProcessGroup* group;
};

struct JobQueue {
  std::mutex mutex;
  std::condition_variable cv;
  std::deque<std::shared_ptr<Job>> jobs;
  bool busy = false;  // a job is running, in the group's thread or a waiting one
  bool stopping = false;
  uint32_t next_tag = 0;
};

void execute(Job& job) {
  NoGradGuard no_grad;
  std::exception_ptr error;
  try {
    job.run(job.tag, *job.work);
  } catch (const gloo::Exception& e) {
    error = std::make_exception_ptr(collective_error(*job.group, job.name, e.what()));
  } catch (...) {
    error = std::current_exception();
  }
  job.work->finish(error);
}

// Runs a job taken off the queue (busy set), then lets the next one go.
void run_and_release(JobQueue& queue, Job& job) {
  execute(job);
  {
    std::lock_guard<std::mutex> lock(queue.mutex);
    queue.busy = false;
  }
  queue.cv.notify_all();
}

void run_if_next(const std::shared_ptr<JobQueue>& queue, const std::shared_ptr<Job>& job) {
  {
    std::lock_guard<std::mutex> lock(queue->mutex);
    if (queue->busy || queue->jobs.empty() || queue->jobs.front() != job) return;
    queue->jobs.pop_front();
    queue->busy = true;
  }
  run_and_release(*queue, *job);
}

}  // namespace

class ProcessGroup::Impl {
 public:
  Impl(ProcessGroup& group, const std::shared_ptr<Store>& store) : group_(group) {
    gloo::transport::tcp::attr attr;
    attr.hostname = group.options_.hostname;
    attr.iface = group.options_.interface;
    if (attr.hostname.empty() && attr.iface.empty()) {
      if (const char* iface = std::getenv("GLOO_SOCKET_IFNAME")) attr.iface = iface;
    }
    try {
      device_ = gloo::transport::tcp::CreateDevice(attr);
      context_ = std::make_shared<gloo::rendezvous::Context>(group.rank_, group.size_);
      context_->setTimeout(group.options_.timeout);
      GlooStore gloo_store(store);
      context_->connectFullMesh(gloo_store, device_);
    } catch (const gloo::Exception& e) {
      throw Error(fmt::format("ProcessGroupGloo: rank {} of {} could not connect: {}", group.rank_,
                              group.size_, e.what()));
    }
    thread_ = std::thread([this] { run(); });
  }

  // Every queued job runs before the group goes: a job still queued keeps it alive.
  ~Impl() {
    {
      std::lock_guard<std::mutex> lock(queue_->mutex);
      queue_->stopping = true;
    }
    queue_->cv.notify_all();
    thread_.join();
  }

  // Queues job as a Work named `name`; the job gets the tag the ranks agree on.
  WorkPtr enqueue(std::string name, std::function<void(uint32_t tag, Work&)> run) {
    auto work =
        std::make_shared<Work>(fmt::format("ProcessGroupGloo::{}", name), group_.options_.timeout);
    auto job = std::make_shared<Job>(Job{work, std::move(name), 0, std::move(run), &group_});
    {
      std::lock_guard<std::mutex> lock(queue_->mutex);
      job->tag = queue_->next_tag++;
      queue_->jobs.push_back(job);
    }
    // Weakly: the Work must not keep its own job (and so itself) alive.
    work->set_completion([queue = queue_, weak = std::weak_ptr<Job>(job)](Work&) {
      if (auto j = weak.lock()) run_if_next(queue, j);
    });
    // Woken, the group's thread would race the waiter for the job; a busy group's thread takes
    // the next job without being woken.
    if (!detail::CallerWaits::active) queue_->cv.notify_one();
    return work;
  }

  std::shared_ptr<gloo::Context> context() const { return context_; }

 private:
  void run() {
    while (true) {
      std::shared_ptr<Job> job;
      {
        std::unique_lock<std::mutex> lock(queue_->mutex);
        queue_->cv.wait(
            lock, [&] { return !queue_->busy && (!queue_->jobs.empty() || queue_->stopping); });
        if (queue_->jobs.empty()) return;
        job = std::move(queue_->jobs.front());
        queue_->jobs.pop_front();
        queue_->busy = true;
      }
      run_and_release(*queue_, *job);
    }
  }

  ProcessGroup& group_;
  std::shared_ptr<gloo::transport::Device> device_;
  std::shared_ptr<gloo::rendezvous::Context> context_;
  std::shared_ptr<JobQueue> queue_ = std::make_shared<JobQueue>();
  std::thread thread_;
};

ProcessGroup::ProcessGroup(std::shared_ptr<Store> store, int rank, int size,
                           const ProcessGroupOptions& options, std::vector<int> ranks)
    : store_(std::move(store)),
      rank_(rank),
      size_(size),
      options_(options),
      ranks_(std::move(ranks)) {
  if (!store_) throw Error("ProcessGroupGloo: the store is null", ErrorKind::Value);
  if (size < 1 || rank < 0 || rank >= size)
    throw Error(fmt::format("ProcessGroupGloo: rank {} is not in a group of size {}", rank, size),
                ErrorKind::Value);
  if (ranks_.empty())
    for (int r = 0; r < size; ++r) ranks_.push_back(r);
  impl_ = std::make_unique<Impl>(*this, store_);
}

ProcessGroup::ProcessGroup(std::vector<int> ranks)
    : rank_(-1), size_(static_cast<int>(ranks.size())), ranks_(std::move(ranks)) {}

std::shared_ptr<ProcessGroup> ProcessGroup::non_member(std::vector<int> ranks) {
  return std::shared_ptr<ProcessGroup>(new ProcessGroup(std::move(ranks)));
}

ProcessGroup::Impl& ProcessGroup::impl(const char* op) const {
  if (!impl_)
    throw Error(fmt::format("ProcessGroupGloo::{}: this process is not a member of the group", op));
  return *impl_;
}

ProcessGroup::~ProcessGroup() = default;

WorkPtr ProcessGroup::allreduce(Tensor tensor, ReduceOp op) {
  check_tensor("allreduce", tensor);
  if (op == ReduceOp::AVG && !is_floating_point(tensor.dtype()))
    throw Error(fmt::format("ProcessGroupGloo::allreduce: ReduceOp.AVG needs a floating-point "
                            "tensor, got {}",
                            dtype_name(tensor.dtype())),
                ErrorKind::Type);
  return impl(__func__).enqueue("allreduce", [this, op, buf = Buffer(tensor)](uint32_t tag, Work&) {
    with_element_type(buf.contiguous.dtype(), [&](auto v) {
      using T = decltype(v);
      gloo::AllreduceOptions opts(impl_->context());
      opts.setOutput(buf.data<T>(), buf.numel());
      opts.setReduceFunction(reduce_function<T>(op));
      opts.setTag(tag);
      opts.setTimeout(options_.timeout);
      gloo::allreduce(opts);
    });
    if (op == ReduceOp::AVG) buf.contiguous.div_(size_);
    buf.write_back();
  });
}

WorkPtr ProcessGroup::reduce(Tensor tensor, int root, ReduceOp op) {
  check_tensor("reduce", tensor);
  check_rank("reduce", root, size_, "root");
  return impl(__func__).enqueue("reduce",
                                [this, op, root, buf = Buffer(tensor)](uint32_t tag, Work&) {
                                  with_element_type(buf.contiguous.dtype(), [&](auto v) {
                                    using T = decltype(v);
                                    gloo::ReduceOptions opts(impl_->context());
                                    opts.setOutput(buf.data<T>(), buf.numel());
                                    opts.setRoot(root);
                                    opts.setReduceFunction(reduce_function<T>(op));
                                    opts.setTag(tag);
                                    opts.setTimeout(options_.timeout);
                                    gloo::reduce(opts);
                                  });
                                  if (rank_ == root) {
                                    if (op == ReduceOp::AVG) buf.contiguous.div_(size_);
                                    buf.write_back();
                                  }
                                });
}

WorkPtr ProcessGroup::broadcast(Tensor tensor, int root) {
  check_tensor("broadcast", tensor);
  check_rank("broadcast", root, size_, "root");
  return impl(__func__).enqueue("broadcast",
                                [this, root, buf = Buffer(tensor)](uint32_t tag, Work&) {
                                  with_element_type(buf.contiguous.dtype(), [&](auto v) {
                                    using T = decltype(v);
                                    gloo::BroadcastOptions opts(impl_->context());
                                    opts.setOutput(buf.data<T>(), buf.numel());
                                    opts.setRoot(root);
                                    opts.setTag(tag);
                                    opts.setTimeout(options_.timeout);
                                    gloo::broadcast(opts);
                                  });
                                  buf.write_back();
                                });
}

WorkPtr ProcessGroup::allgather(std::vector<Tensor> outputs, Tensor input) {
  check_tensor("allgather", input);
  check_per_rank("allgather", outputs, input, size_, "the output list");
  return impl(__func__).enqueue(
      "allgather", [this, outputs, in = Buffer(input)](uint32_t tag, Work& w) {
        Tensor flat = empty({size_ * static_cast<int64_t>(in.numel())},
                            TensorOptions().dtype(in.contiguous.dtype()));
        with_element_type(flat.dtype(), [&](auto v) {
          using T = decltype(v);
          gloo::AllgatherOptions opts(impl_->context());
          opts.setInput(in.data<T>(), in.numel());
          opts.setOutput(static_cast<T*>(flat.data_ptr()), flat.numel());
          opts.setTag(tag);
          opts.setTimeout(options_.timeout);
          gloo::allgather(opts);
        });
        for (int r = 0; r < size_; ++r)
          outputs[r].variable_data().copy_(
              flat.narrow(0, r * static_cast<int64_t>(in.numel()), static_cast<int64_t>(in.numel()))
                  .view(outputs[r].sizes()));
        w.set_result(outputs);
      });
}

WorkPtr ProcessGroup::reduce_scatter(Tensor output, std::vector<Tensor> inputs, ReduceOp op) {
  check_tensor("reduce_scatter", output);
  check_per_rank("reduce_scatter", inputs, output, size_, "the input list");
  // Gloo's reduce-scatter needs equal shares and a ring context; an allreduce of the stacked
  // inputs followed by taking this rank's share moves more bytes but uses Gloo's fastest path.
  return impl(__func__).enqueue(
      "reduce_scatter", [this, op, inputs, out = Buffer(output)](uint32_t tag, Work&) {
        Tensor flat = stack(inputs).contiguous();
        with_element_type(flat.dtype(), [&](auto v) {
          using T = decltype(v);
          gloo::AllreduceOptions opts(impl_->context());
          opts.setOutput(static_cast<T*>(flat.data_ptr()), static_cast<size_t>(flat.numel()));
          opts.setReduceFunction(reduce_function<T>(op));
          opts.setTag(tag);
          opts.setTimeout(options_.timeout);
          gloo::allreduce(opts);
        });
        Tensor mine = flat.select(0, rank_);
        if (op == ReduceOp::AVG) mine = mine / size_;
        out.target.copy_(mine);
      });
}

WorkPtr ProcessGroup::gather(std::vector<Tensor> outputs, Tensor input, int root) {
  check_tensor("gather", input);
  check_rank("gather", root, size_, "root");
  check_root_list("gather", outputs, input, root, rank_, size_, "gather_list");
  return impl(__func__).enqueue(
      "gather", [this, root, outputs, in = Buffer(input)](uint32_t tag, Work&) {
        const int64_t n = static_cast<int64_t>(in.numel());
        Tensor flat;
        if (rank_ == root) flat = empty({size_ * n}, TensorOptions().dtype(in.contiguous.dtype()));
        with_element_type(in.contiguous.dtype(), [&](auto v) {
          using T = decltype(v);
          gloo::GatherOptions opts(impl_->context());
          opts.setInput(in.data<T>(), in.numel());
          if (rank_ == root) opts.setOutput(static_cast<T*>(flat.data_ptr()), flat.numel());
          opts.setRoot(root);
          opts.setTag(tag);
          opts.setTimeout(options_.timeout);
          gloo::gather(opts);
        });
        if (rank_ == root)
          for (int r = 0; r < size_; ++r)
            outputs[r].variable_data().copy_(flat.narrow(0, r * n, n).view(outputs[r].sizes()));
      });
}

WorkPtr ProcessGroup::scatter(Tensor output, std::vector<Tensor> inputs, int root) {
  check_tensor("scatter", output);
  check_rank("scatter", root, size_, "root");
  check_root_list("scatter", inputs, output, root, rank_, size_, "scatter_list");
  return impl(__func__).enqueue("scatter",
                                [this, root, inputs, out = Buffer(output)](uint32_t tag, Work&) {
                                  std::vector<Tensor> contiguous;
                                  for (const auto& t : inputs)
                                    contiguous.push_back(t.variable_data().contiguous());
                                  with_element_type(out.contiguous.dtype(), [&](auto v) {
                                    using T = decltype(v);
                                    gloo::ScatterOptions opts(impl_->context());
                                    std::vector<T*> ptrs;
                                    for (auto& t : contiguous)
                                      ptrs.push_back(static_cast<T*>(t.data_ptr()));
                                    if (rank_ == root) opts.setInputs(ptrs, out.numel());
                                    opts.setOutput(out.data<T>(), out.numel());
                                    opts.setRoot(root);
                                    opts.setTag(tag);
                                    opts.setTimeout(options_.timeout);
                                    gloo::scatter(opts);
                                  });
                                  out.write_back();
                                });
}

// Point-to-point messages are matched by the user's tag, not by issuing order, and do not go
// through the group's thread: a rank that sends and then receives must not have its receive
// queued behind a send that waits for the peer's receive.
WorkPtr ProcessGroup::send(Tensor tensor, int dst, int tag) {
  check_tensor("send", tensor);
  check_rank("send", dst, size_, "destination");
  if (dst == rank_)
    throw Error(
        "ProcessGroupGloo::send: Invalid destination rank: should not be the same as the "
        "rank of the current process",
        ErrorKind::Value);
  auto in = std::make_shared<Buffer>(tensor);
  std::shared_ptr<gloo::transport::UnboundBuffer> buffer =
      impl(__func__).context()->createUnboundBuffer(in->contiguous.data_ptr(),
                                                    in->contiguous.nbytes());
  buffer->send(dst, static_cast<uint64_t>(tag));
  auto work = std::make_shared<Work>("ProcessGroupGloo::send", options_.timeout);
  work->set_completion([this, in, buffer](Work& w) {
    try {
      buffer->waitSend(options_.timeout);
      w.finish();
    } catch (const gloo::Exception& e) {
      w.finish(std::make_exception_ptr(collective_error(*this, "send", e.what())));
    }
  });
  return work;
}

WorkPtr ProcessGroup::recv(Tensor tensor, int src, int tag) {
  check_tensor("recv", tensor);
  if (src != -1) check_rank("recv", src, size_, "source");
  if (src == rank_)
    throw Error(
        "ProcessGroupGloo::recv: Invalid source rank: should not be the same as the rank "
        "of the current process",
        ErrorKind::Value);
  auto out = std::make_shared<Buffer>(tensor);
  std::shared_ptr<gloo::transport::UnboundBuffer> buffer =
      impl(__func__).context()->createUnboundBuffer(out->contiguous.data_ptr(),
                                                    out->contiguous.nbytes());
  if (src >= 0) {
    buffer->recv(src, static_cast<uint64_t>(tag));
  } else {
    std::vector<int> everyone;
    for (int r = 0; r < size_; ++r)
      if (r != rank_) everyone.push_back(r);
    buffer->recv(everyone, static_cast<uint64_t>(tag));
  }
  auto work = std::make_shared<Work>("ProcessGroupGloo::recv", options_.timeout);
  work->set_completion([this, out, buffer](Work& w) {
    int from = -1;
    try {
      buffer->waitRecv(&from, options_.timeout);
    } catch (const gloo::Exception& e) {
      return w.finish(std::make_exception_ptr(collective_error(*this, "recv", e.what())));
    }
    w.set_source_rank(from);
    NoGradGuard no_grad;
    out->write_back();
    w.finish();
  });
  return work;
}

WorkPtr ProcessGroup::barrier() {
  return impl(__func__).enqueue("barrier", [this](uint32_t tag, Work&) {
    gloo::BarrierOptions opts(impl_->context());
    opts.setTag(tag);
    opts.setTimeout(options_.timeout);
    gloo::barrier(opts);
  });
}

}  // namespace ember::distributed
