// set_printoptions changes what operator<< writes. Every expected string below was printed by
// PyTorch 1.13 after torch.set_printoptions with the same options.
#include <cmath>
#include <limits>

#include "ember/ops/printing.h"
#include "testing.h"

namespace ember {
namespace {
using testing::repr;

// The options are process-wide, so each test starts from and returns to the defaults.
class PrintOptionsTest : public ::testing::Test {
 protected:
  void SetUp() override { set_printoptions(PrintOptions{}); }
  void TearDown() override { set_printoptions(PrintOptions{}); }

  static void set(void (*change)(PrintOptions&)) {
    PrintOptions o = get_printoptions();
    change(o);
    set_printoptions(o);
  }
};

TEST_F(PrintOptionsTest, DefaultsAreTorchs) {
  const PrintOptions o = get_printoptions();
  EXPECT_EQ(o.precision, 4);
  EXPECT_EQ(o.threshold, 1000);
  EXPECT_EQ(o.edgeitems, 3);
  EXPECT_EQ(o.linewidth, 80);
  EXPECT_FALSE(o.sci_mode.has_value());
}

TEST_F(PrintOptionsTest, Profiles) {
  EXPECT_EQ(print_profile("short")->precision, 2);
  EXPECT_EQ(print_profile("short")->edgeitems, 2);
  EXPECT_TRUE(std::isinf(print_profile("full")->threshold));
  EXPECT_EQ(print_profile("default")->precision, 4);
  EXPECT_FALSE(print_profile("long").has_value());
}

TEST_F(PrintOptionsTest, Precision) {
  set([](PrintOptions& o) { o.precision = 2; });
  EXPECT_EQ(repr(tensor({1.12345, -2.5})), "tensor([ 1.12, -2.50])");
  EXPECT_EQ(tensor({0.5}).toString(), "tensor([0.50])");
}

TEST_F(PrintOptionsTest, SciModeForcedOn) {
  set([](PrintOptions& o) { o.sci_mode = true; });
  EXPECT_EQ(repr(tensor({1.5, 2.25})), "tensor([1.5000e+00, 2.2500e+00])");
  // No nonzero finite value: PyTorch keeps the plain notation even when sci_mode is forced.
  EXPECT_EQ(repr(tensor({0., 0.})), "tensor([0., 0.])");
}

TEST_F(PrintOptionsTest, SciModeForcedOffKeepsSciWidth) {
  set([](PrintOptions& o) { o.sci_mode = false; });
  EXPECT_EQ(repr(tensor({1e-6, 2.0})), "tensor([    0.0000,     2.0000])");
}

TEST_F(PrintOptionsTest, ThresholdAndEdgeItems) {
  set([](PrintOptions& o) {
    o.threshold = 5;
    o.edgeitems = 2;
  });
  EXPECT_EQ(repr(arange(10)), "tensor([0, 1,  ..., 8, 9])");
}

TEST_F(PrintOptionsTest, ZeroEdgeItems) {
  set([](PrintOptions& o) {
    o.threshold = 3;
    o.edgeitems = 0;
  });
  // Python's t[-0:] is the whole of t, so every item follows the ellipsis.
  EXPECT_EQ(repr(arange(5)), "tensor([ ..., 0, 1, 2, 3, 4])");
  EXPECT_EMBER_ERROR(repr(arange(6).view({2, 3})), "stack expects a non-empty TensorList");
}

TEST_F(PrintOptionsTest, LineWidthWrapsRowsAndSuffixes) {
  set([](PrintOptions& o) { o.linewidth = 20; });
  EXPECT_EQ(repr(arange(10, kFloat32)),
            "tensor([0., 1., 2.,\n"
            "        3., 4., 5.,\n"
            "        6., 7., 8.,\n"
            "        9.])");
  set([](PrintOptions& o) { o.linewidth = 30; });
  EXPECT_EQ(repr(tensor({1., 2.}).requires_grad_()),
            "tensor([1., 2.],\n"
            "       requires_grad=True)");
}

TEST_F(PrintOptionsTest, ShortProfileSummarisesWithTwoEdgeItems) {
  set_printoptions(*print_profile("short"));
  EXPECT_EQ(repr(arange(2000, kFloat32).view({2, 1000}).div(3)),
            "tensor([[0.00e+00, 3.33e-01,  ..., 3.33e+02, 3.33e+02],\n"
            "        [3.33e+02, 3.34e+02,  ..., 6.66e+02, 6.66e+02]])");
}

TEST_F(PrintOptionsTest, FullProfileNeverSummarises) {
  set_printoptions(*print_profile("full"));
  const std::string s = repr(arange(2000));
  EXPECT_EQ(s.size(), 13336u);
  EXPECT_EQ(s.find("..."), std::string::npos);
}

}  // namespace
}  // namespace ember
