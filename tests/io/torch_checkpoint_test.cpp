// Reading state dicts that Python's torch.save wrote (fixtures from
// tests/fixtures/torch/make_fixtures.py): into a TensorDict and into a module through
// ember::load, and refusing truncated or hostile files. Files straight from the installed torch
// are read in tests/python/test_cpp_torch_checkpoints.py.
#include <fstream>
#include <iterator>

#include "testing.h"

namespace ember {
namespace {

using testing::expect_close;

std::string fixture(const std::string& name) {
  return std::string(EMBER_TEST_FIXTURES) + "/torch/" + name;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

TEST(TorchCheckpoint, ReadsAStateDict) {
  const TensorDict state = io::load_torch_state_dict(fixture("linear_bn_state_dict.pt"));
  std::vector<std::string> keys;
  for (const auto& item : state) keys.push_back(item.key());
  EXPECT_EQ(keys,
            (std::vector<std::string>{"0.weight", "0.bias", "1.weight", "1.bias", "1.running_mean",
                                      "1.running_var", "1.num_batches_tracked"}));
  expect_close(state["0.weight"], arange(6.0).reshape({2, 3}) / 10);
  expect_close(state["1.running_var"], tensor({4.0f, 9.0f}));
  EXPECT_EQ(state["1.num_batches_tracked"].dtype(), kInt64);
  EXPECT_EQ(state["1.num_batches_tracked"].item<int64_t>(), 7);
}

TEST(TorchCheckpoint, LoadsIntoAModule) {
  nn::Sequential model(nn::Linear(3, 2), nn::BatchNorm1d(2));
  load(*model, fixture("linear_bn_state_dict.pt"));
  model->eval();
  const Tensor x = tensor({1.0f, 2.0f, 3.0f}).view({1, 3});
  // Linear: [0.8 + 0.5, 2.6 - 0.5]; BatchNorm: (y - mean) / sqrt(var + eps) * w + b.
  const Tensor linear = tensor({1.3f, 2.1f}).view({1, 2});
  const Tensor expected = (linear - tensor({1.0f, 2.0f})) / (tensor({4.0f, 9.0f}) + 1e-5).sqrt() *
                              tensor({1.0f, 2.0f}) +
                          tensor({0.0f, 1.0f});
  expect_close(model->forward(x), expected, 1e-5, 1e-6);
}

TEST(TorchCheckpoint, ReadsOneEntryOfACheckpoint) {
  const TensorDict state = io::load_torch_state_dict(fixture("checkpoint.pt"), "model_state_dict");
  EXPECT_EQ(state.size(), 7u);
  expect_close(state["0.bias"], tensor({0.5f, -0.5f}));
  // Without an entry the nested dict's keys are prefixed, and the epoch number is left out.
  const TensorDict all = io::load_torch_state_dict(fixture("checkpoint.pt"));
  EXPECT_TRUE(all.contains("model_state_dict.0.bias"));
  EXPECT_EQ(all.size(), 7u);
  EXPECT_EMBER_ERROR(io::load_torch_state_dict(fixture("checkpoint.pt"), "optimizer"),
                     "has no dict entry 'optimizer'");
}

TEST(TorchCheckpoint, RefusesBrokenAndHostileFiles) {
  const std::string good = read_bytes(fixture("linear_bn_state_dict.pt"));
  ASSERT_TRUE(io::is_zip_archive(good));
  EXPECT_EMBER_ERROR(io::load_torch_state_dict_from_bytes(good.substr(0, good.size() - 30)),
                     "not a valid zip archive");
  EXPECT_EMBER_ERROR(io::load_torch_state_dict_from_bytes(good.substr(0, 100)),
                     "not a valid zip archive");
  // The pickle's first global, renamed in place to a function a weights file never needs.
  std::string hostile = good;
  const size_t at = hostile.find("collections\nOrderedDict\n");
  ASSERT_NE(at, std::string::npos);
  hostile.replace(at, 24, "posix\nsystem\n           ");
  EXPECT_EMBER_ERROR(io::load_torch_state_dict_from_bytes(hostile),
                     "names the global posix.system, which a weights file does not need");
  // A storage class renamed to one torch does not have is refused like any unknown global.
  std::string renamed = good;
  const size_t pkl = renamed.find("FloatStorage");
  ASSERT_NE(pkl, std::string::npos);
  renamed.replace(pkl, 12, "EvilStorage ");
  EXPECT_EMBER_ERROR(io::load_torch_state_dict_from_bytes(renamed), "refusing to load it");
  EXPECT_EMBER_ERROR(io::load_torch_state_dict("/nonexistent/file.pt"), "cannot open");
}

}  // namespace
}  // namespace ember
