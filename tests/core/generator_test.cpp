// ember::Generator (LibTorch's at::Generator): a stream of its own for the random ops, seeded and
// replayed, shared by copies and split by clone(); the global stream is manual_seed's.
#include "testing.h"

namespace ember {
namespace {

TEST(Generator, SeededStreamsReplayAndLeaveTheGlobalStreamAlone) {
  manual_seed(11);
  const Tensor expected_global = rand({4});
  manual_seed(11);
  Generator g(5);
  const Tensor a = randn({3, 2}, g, TensorOptions(kFloat64));
  const Tensor b = randint(0, 50, {6}, g);
  const Tensor c = randperm(8, g);
  Tensor d = empty({5});
  d.uniform_(-2, 2, g);
  Tensor e = empty({5});
  e.normal_(1, 3, g);
  const Tensor f = bernoulli(full({6}, 0.5), g);
  const Tensor m = multinomial(ones({7}), 3, false, g);
  testing::expect_close(rand({4}), expected_global);

  Generator h = detail::createCPUGenerator(5);
  testing::expect_close(randn({3, 2}, h, TensorOptions(kFloat64)), a);
  EXPECT_TRUE(equal(randint(0, 50, {6}, h), b));
  EXPECT_TRUE(equal(randperm(8, h), c));
  Tensor d2 = empty({5});
  d2.uniform_(-2, 2, h);
  testing::expect_close(d2, d);
  Tensor e2 = empty({5});
  e2.normal_(1, 3, h);
  testing::expect_close(e2, e);
  testing::expect_close(bernoulli(full({6}, 0.5), h), f);
  EXPECT_TRUE(equal(multinomial(ones({7}), 3, false, h), m));
  EXPECT_FALSE(equal(randperm(20, Generator(6)), randperm(20, Generator(5))));
}

TEST(Generator, CopiesShareTheStreamAndCloneSplitsIt) {
  Generator g(3);
  Generator same = g;
  const Tensor first = rand({2}, g);
  EXPECT_TRUE(same == g);
  Generator fork = g.clone();
  EXPECT_FALSE(fork == g);
  const Tensor from_copy = rand({2}, same);  // advances g too
  testing::expect_close(rand({2}, fork), from_copy);
  EXPECT_FALSE(equal(rand({2}, g), from_copy));
  EXPECT_EQ(g.current_seed(), 3u);
  const Tensor state = g.get_state();
  const Tensor next = rand({3}, g);
  g.set_state(state);
  testing::expect_close(rand({3}, g), next);
  EXPECT_FALSE(equal(first, rand({2}, Generator(4))));
  EXPECT_EMBER_ERROR(g.set_state(zeros({6})),
                     "set_rng_state: expected the int64 tensor of shape [6] that");
}

TEST(Generator, TheDefaultGeneratorIsManualSeeds) {
  manual_seed(21);
  Generator global = detail::getDefaultCPUGenerator();
  EXPECT_EQ(global.current_seed(), 21u);
  const Tensor a = rand({3});
  global.set_current_seed(21);
  testing::expect_close(rand({3}), a);
  EXPECT_TRUE(detail::getDefaultCPUGenerator() == global);
  EXPECT_EQ(Generator().current_seed(), 67280421310721ULL);
}

}  // namespace
}  // namespace ember
