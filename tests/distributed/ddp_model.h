#pragma once
// The model, data and training loop the DDP tests run both in one process on the whole batch
// and in several ranks on shards of it.
#include <ember/ember.h>

namespace ember::testing::ddp {

struct NetImpl : nn::Module {
  NetImpl() {
    fc1 = register_module("fc1", nn::Linear(4, 8));
    fc2 = register_module("fc2", nn::Linear(8, 3));
    aux = register_module("aux", nn::Linear(8, 3));
    to(kFloat64);
  }
  // `use_aux` adds a branch that some ranks skip (the find_unused_parameters case).
  Tensor forward(const Tensor& x, bool use_aux = true) {
    Tensor h = tanh(fc1->forward(x));
    Tensor y = fc2->forward(h);
    return use_aux ? y + aux->forward(h) : y;
  }
  nn::Linear fc1{nullptr}, fc2{nullptr}, aux{nullptr};
};
EMBER_MODULE(Net);

constexpr int64_t kBatch = 24;

inline Net make_net() {
  manual_seed(7);
  return Net();
}

inline std::pair<Tensor, Tensor> make_data() {
  manual_seed(11);
  Tensor x = randn({kBatch, 4}, TensorOptions().dtype(kFloat64));
  Tensor y = randn({kBatch, 3}, TensorOptions().dtype(kFloat64));
  return {x, y};
}

/// Rows [rank * n / world, (rank + 1) * n / world) of t.
inline Tensor shard(const Tensor& t, int rank, int world) {
  const int64_t n = t.size(0) / world;
  return t.narrow(0, rank * n, n);
}

}  // namespace ember::testing::ddp
