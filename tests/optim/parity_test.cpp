// Every optimizer against PyTorch 1.13 (foreach=False) on fixed float64 problems. The expected
// values were computed with real PyTorch from the same inputs and gradient formula.
#include "testing.h"

namespace ember::optim {
namespace {

constexpr double kRtol = 1e-10, kAtol = 1e-12;

// The starting parameters w [2, 3] and b [3].
Tensor start_w() { return tensor({{0.5, -1.0, 1.5}, {2.0, -0.5, 0.25}}, kFloat64); }
Tensor start_b() { return tensor({0.1, -0.2, 0.3}, kFloat64); }

// Step k sets grad = 0.3 p + s_k shift: a quadratic pull plus a drift that changes sign and size,
// so that momentum, centering and AMSGrad's running maximum all matter.
struct Problem {
  Tensor w = start_w().requires_grad_();
  Tensor b = start_b().requires_grad_();

  void run(Optimizer& opt) {
    const Tensor shift_w = tensor({{0.1, -0.2, 0.3}, {-0.4, 0.5, -0.6}}, kFloat64);
    const Tensor shift_b = tensor({0.7, -0.8, 0.9}, kFloat64);
    for (double s : {1.0, -2.0, 0.5, 3.0, -0.25, 1.5}) {
      {
        NoGradGuard no_grad;
        w.mutable_grad() = w * 0.3 + shift_w * s;
        b.mutable_grad() = b * 0.3 + shift_b * s;
      }
      opt.step();
    }
  }

  void expect(const TensorData& expected_w, const TensorData& expected_b) const {
    testing::expect_close(w, tensor(expected_w, kFloat64), kRtol, kAtol);
    testing::expect_close(b, tensor(expected_b, kFloat64), kRtol, kAtol);
  }
};

// Two groups: w with the optimizer's defaults, b with its own options.
template <typename Opt, typename Options>
Opt two_groups(Problem& pb, const Options& defaults, const Options& b_options) {
  return Opt(std::vector<OptimizerParamGroup>{OptimizerParamGroup({pb.w}),
                                              OptimizerParamGroup({pb.b}, b_options)},
             defaults);
}

TEST(OptimParity, SgdPlain) {
  Problem pb;
  SGD opt({pb.w, pb.b}, SGDOptions(0.1));
  pb.run(opt);
  pb.expect({{0.3802391534074999, -0.7604783068149998, 1.1407174602225},
             {1.810931406086, -0.5977202477494999, 0.42572409557424995}},
            {-0.17043074290609994, 0.1233803914702001, -0.07633004003430006});
}

TEST(OptimParity, SgdMomentum) {
  Problem pb;
  SGD opt({pb.w, pb.b}, SGDOptions(0.1).momentum(0.9));
  pb.run(opt);
  pb.expect({{0.18753613378249995, -0.3750722675649999, 0.5626084013475},
             {1.317052571186, -0.6127171608245, 0.55438084618675}},
            {-0.4443646038911, 0.46354818074020027, -0.48273175758930004});
}

TEST(OptimParity, SgdDampeningWeightDecay) {
  Problem pb;
  SGD opt({pb.w, pb.b}, SGDOptions(0.1).momentum(0.9).dampening(0.3).weight_decay(0.05));
  pb.run(opt);
  pb.expect({{0.21587841105661093, -0.43175682211322186, 0.6476352331698328},
             {1.3594637315717961, -0.5878409765656254, 0.5108986514964042}},
            {-0.3783818920322272, 0.3848012185554406, -0.39122054507865345});
}

TEST(OptimParity, SgdNesterov) {
  Problem pb;
  SGD opt({pb.w, pb.b}, SGDOptions(0.05).momentum(0.8).nesterov(true));
  pb.run(opt);
  pb.expect({{0.3291132766253823, -0.6582265532507646, 0.9873398298761472},
             {1.6731929304001123, -0.5966681445493194, 0.45440774523028965}},
            {-0.2374061949887188, 0.2072575220535007, -0.17710884911828245});
}

TEST(OptimParity, SgdNesterovWeightDecay) {
  Problem pb;
  SGD opt({pb.w, pb.b}, SGDOptions(0.05).momentum(0.8).nesterov(true).weight_decay(0.1));
  pb.run(opt);
  pb.expect({{0.29177897245165874, -0.5835579449033175, 0.875336917354976},
             {1.5202271363929742, -0.5566124073914133, 0.43279237407723004}},
            {-0.24178876510805655, 0.21874409527635905, -0.19569942544466112});
}

TEST(OptimParity, SgdTwoGroups) {
  Problem pb;
  auto opt = two_groups<SGD>(pb, SGDOptions(0.1).momentum(0.5), SGDOptions(0.01));
  pb.run(opt);
  pb.expect({{0.3108046702825, -0.621609340565, 0.9324140108475},
             {1.661281595586, -0.6243518561245001, 0.49507845313675}},
            {0.07205253909215498, -0.1665287127807665, 0.261004886469378});
}

TEST(OptimParity, AdamDefaults) {
  Problem pb;
  Adam opt({pb.w, pb.b});
  pb.run(opt);
  pb.expect({{0.4953476753644647, -0.995345728243439, 1.4953450799107932},
             {1.9960386935214416, -0.5007688043321193, 0.2512637130719487}},
            {0.09826295772658268, -0.19817324204181436, 0.2981037954630888});
}

TEST(OptimParity, AdamBetasWeightDecay) {
  Problem pb;
  Adam opt({pb.w, pb.b}, AdamOptions(0.1).betas({0.8, 0.95}).weight_decay(0.1));
  pb.run(opt);
  pb.expect({{0.04068093189580187, -0.5116715565619104, 1.0033435184854533},
             {1.575083945886991, -0.5541857883344109, 0.3664936347610421}},
            {-0.07716613519052748, -0.010333689643428304, 0.10060008729307124});
}

TEST(OptimParity, AdamAmsgrad) {
  Problem pb;
  Adam opt({pb.w, pb.b}, AdamOptions(0.05).amsgrad(true));
  pb.run(opt);
  pb.expect({{0.27770417490702154, -0.7722451707440259, 1.2705151607323535},
             {1.8070007504486516, -0.5367790442443849, 0.31140905349599324}},
            {0.014938393558685512, -0.11026786596853842, 0.20664254218070024});
}

TEST(OptimParity, AdamTwoGroups) {
  Problem pb;
  auto opt = two_groups<Adam>(pb, AdamOptions(0.1), AdamOptions(0.02).amsgrad(true).eps(1e-3));
  pb.run(opt);
  pb.expect({{0.0795962110235844, -0.555408340465172, 1.0480401020651033},
             {1.6246244383875015, -0.5702807974118613, 0.36927731958139853}},
            {0.06557564789019578, -0.16374828720081394, 0.2623321417462615});
}

TEST(OptimParity, AdamWDefaults) {
  Problem pb;
  AdamW opt({pb.w, pb.b}, AdamWOptions(0.1));
  pb.run(opt);
  pb.expect({{0.07794472333073038, -0.5507848021483319, 1.0404285995237037},
             {1.6143269265824254, -0.5671901736508045, 0.36750717963250706}},
            {-0.06668234160210175, -0.023050088132938032, 0.11492505606777262});
}

TEST(OptimParity, AdamWAmsgrad) {
  Problem pb;
  AdamW opt({pb.w, pb.b}, AdamWOptions(0.05).betas({0.5, 0.9}).weight_decay(0.5).amsgrad(true));
  pb.run(opt);
  pb.expect({{0.22120056154159723, -0.6432050167354211, 1.0702929616487211},
             {1.5771648328994976, -0.4903194310214026, 0.2953049532632895}},
            {-0.013610515239140888, -0.068484018377174, 0.15141947149968635});
}

TEST(OptimParity, RmspropDefaults) {
  Problem pb;
  RMSprop opt({pb.w, pb.b});
  pb.run(opt);
  pb.expect({{0.24081940788988637, -0.7238212256140932, 1.2181379855023706},
             {1.7852887215988478, -0.600023480896573, 0.37267218436429295}},
            {-0.04442605960365901, -0.05104441657782724, 0.14751354244626755});
}

TEST(OptimParity, RmspropCentered) {
  Problem pb;
  RMSprop opt({pb.w, pb.b}, RMSpropOptions(0.05).centered(true));
  pb.run(opt);
  pb.expect({{-0.2502505556125306, 0.06137423523738417, 0.30610951699586486},
             {1.1890250812904022, -0.9322752903645535, 0.7934394062930815}},
            {-0.5521471259792164, 0.4817847919858381, -0.40537476257770366});
}

TEST(OptimParity, RmspropMomentumWeightDecay) {
  Problem pb;
  RMSprop opt({pb.w, pb.b}, RMSpropOptions(0.02).momentum(0.9).weight_decay(0.1));
  pb.run(opt);
  pb.expect({{-0.6841355345090763, 0.6058367637221295, -0.24817177803544269},
             {0.306070368519675, -0.9519689500059041, 0.8634956206117089}},
            {-0.679104421378682, 0.6214112097122986, -0.5549346333427745});
}

TEST(OptimParity, RmspropCenteredMomentum) {
  Problem pb;
  RMSprop opt({pb.w, pb.b}, RMSpropOptions(0.03).alpha(0.9).eps(1e-4).momentum(0.5).centered(true));
  pb.run(opt);
  pb.expect({{0.04968907549455874, -0.5048447199318723, 0.9899505450920508},
             {1.5931420979435873, -0.663101893061194, 0.4528662598709129}},
            {-0.14178438829859483, 0.05022960459616512, 0.04315782695443339});
}

TEST(OptimParity, RmspropTwoGroups) {
  Problem pb;
  auto opt = two_groups<RMSprop>(pb, RMSpropOptions(0.05), RMSpropOptions(0.001).centered(true));
  pb.run(opt);
  pb.expect({{-0.2484774939253389, 0.055383045889250276, 0.3147667027290838},
             {1.1931231644659412, -0.9312167754819931, 0.7916610143994375}},
            {0.08512432224220556, -0.1847029087022748, 0.2843760056164949});
}

TEST(OptimParity, AdagradDefaults) {
  Problem pb;
  Adagrad opt({pb.w, pb.b}, AdagradOptions(0.1));
  pb.run(opt);
  pb.expect({{0.24192965109541886, -0.7250135475536197, 1.2193549934811254},
             {1.7854327228212754, -0.5994351425212436, 0.37200459431039345}},
            {-0.043693635951515125, -0.05179013905677314, 0.14826943522542027});
}

TEST(OptimParity, AdagradDecays) {
  Problem pb;
  Adagrad opt(
      {pb.w, pb.b},
      AdagradOptions(0.2).lr_decay(0.1).weight_decay(0.1).initial_accumulator_value(0.5).eps(1e-3));
  pb.run(opt);
  pb.expect({{0.2554117959363757, -0.6316057497647289, 1.0723207378755149},
             {1.6776611918956235, -0.5475487795081063, 0.37012324375513483}},
            {-0.08741882792251518, 0.0061146950321636015, 0.07930319128982129});
}

TEST(OptimParity, AdagradTwoGroups) {
  Problem pb;
  auto opt = two_groups<Adagrad>(pb, AdagradOptions(0.1), AdagradOptions(0.5));
  pb.run(opt);
  pb.expect({{0.24192965109541886, -0.7250135475536197, 1.2193549934811254},
             {1.7854327228212754, -0.5994351425212436, 0.37200459431039345}},
            {-0.5462160799211571, 0.4754322074976093, -0.39867602671203334});
}

// Gradients from ember's autograd on loss = sum((x w + b - y)^2), with zero_grad each step.
struct QuadraticFit {
  Tensor w = start_w().requires_grad_();
  Tensor b = start_b().requires_grad_();
  Tensor x = tensor({{1., 2.}, {-1., 0.5}, {0.3, -0.7}, {2., 1.}}, kFloat64);
  Tensor y = tensor({{1., 0., -1.}, {0.5, 0.5, 0.5}, {-1., 2., 0.}, {0., 0., 1.}}, kFloat64);

  Tensor loss() const { return (x.matmul(w) + b - y).pow(2).sum(); }
  void run(Optimizer& opt) {
    for (int i = 0; i < 8; ++i) {
      opt.zero_grad();
      loss().backward();
      opt.step();
    }
  }
};

TEST(OptimParity, SgdNesterovOnQuadraticLoss) {
  QuadraticFit fit;
  SGD opt({fit.w, fit.b}, SGDOptions(0.01).momentum(0.9).nesterov(true));
  fit.run(opt);
  testing::expect_close(fit.w,
                        tensor({{-0.3986865252867935, 0.09278480329727505, -0.007502497056164786},
                                {0.7388504557799537, -0.655003609339236, -0.3843892816004237}},
                               kFloat64),
                        kRtol, kAtol);
  testing::expect_close(
      fit.b, tensor({-0.3711938187746469, 1.1304195307952873, 0.2615059608741892}, kFloat64), kRtol,
      kAtol);
  EXPECT_NEAR(fit.loss().item<double>(), 2.904631854643972, 1e-10);
}

TEST(OptimParity, AdamAmsgradOnQuadraticLoss) {
  QuadraticFit fit;
  Adam opt({fit.w, fit.b}, AdamOptions(0.05).amsgrad(true));
  fit.run(opt);
  testing::expect_close(fit.w,
                        tensor({{0.10808740996937782, -0.6101207982864006, 1.1074925035098715},
                                {1.60733243895505, -0.12039498743440541, -0.13894852103178268}},
                               kFloat64),
                        kRtol, kAtol);
  testing::expect_close(
      fit.b, tensor({-0.2902541454519793, 0.19105322418892212, -0.08366560335960699}, kFloat64),
      kRtol, kAtol);
  EXPECT_NEAR(fit.loss().item<double>(), 19.34441073219243, 1e-9);
}

// The optimizers torch has beyond LibTorch's (Adamax, NAdam, RAdam, Adadelta, Rprop, ASGD), on the
// same problem, against PyTorch 1.13 with foreach=False. NAdam's expected values come from 1.13's
// code with torch 2's fix to mu_product_next (1.13 multiplies by mu twice).
TEST(OptimParity, AdamaxDefaults) {
  Problem pb;
  Adamax opt({pb.w, pb.b}, AdamaxOptions(0.1));
  pb.run(opt);
  pb.expect({{0.1945694613369985, -0.6803581170916452, 1.175709906747163},
             {1.7287831091485226, -0.5757165515966368, 0.3535318197170894}},
            {-0.030293659085780588, -0.06411292808175316, 0.15971814138218415});
}

TEST(OptimParity, AdamaxGroups) {
  Problem pb;
  auto opt = two_groups<Adamax>(
      pb, AdamaxOptions(0.05).eps(1e-3),
      AdamaxOptions(0.05).eps(1e-3).betas({0.8, 0.9}).weight_decay(0.05).maximize(true));
  pb.run(opt);
  pb.expect({{0.340677028747291, -0.8369608363536892, 1.3357288123221267},
             {1.8624201046383606, -0.5388337520188877, 0.3026994504467258}},
            {0.1736685016893921, -0.2758430118578289, 0.377540880064634});
}

TEST(OptimParity, NAdamDefaults) {
  Problem pb;
  NAdam opt({pb.w, pb.b}, NAdamOptions(0.1));
  pb.run(opt);
  pb.expect({{0.15806705063616427, -0.6316768504008945, 1.1229726307113115},
             {1.7417355317743255, -0.6258951587819077, 0.4094094665602703}},
            {-0.09118259146110552, -0.002170219605416227, 0.09699863372981092});
}

TEST(OptimParity, NAdamGroups) {
  Problem pb;
  auto opt = two_groups<NAdam>(
      pb, NAdamOptions(0.05),
      NAdamOptions(0.05).betas({0.8, 0.9}).weight_decay(0.05).momentum_decay(0.01));
  pb.run(opt);
  pb.expect({{0.3158384287563117, -0.8093260593443442, 1.307178310691195},
             {1.8652681281822252, -0.56456695696394, 0.33136149693099837}},
            {-0.0076230861636682355, -0.08826793346717794, 0.1850840302542895});
}

TEST(OptimParity, RAdamDefaults) {
  Problem pb;
  RAdam opt({pb.w, pb.b}, RAdamOptions(0.1));
  pb.run(opt);
  pb.expect({{0.4110173803130762, -0.8241632301322671, 1.2373090803167743},
             {1.7657657741797854, -0.4994677656100646, 0.3002709921416987}},
            {-0.015560546161615334, -0.05561209563375005, 0.12679367291166874});
}

TEST(OptimParity, RAdamRectified) {
  Problem pb;
  auto opt = two_groups<RAdam>(pb, RAdamOptions(0.05).betas({0.9, 0.9}),
                               RAdamOptions(0.05).betas({0.5, 0.8}).weight_decay(0.05));
  pb.run(opt);
  pb.expect({{0.44536581180771867, -0.9011928765737423, 1.3570199415348563},
             {1.876006011907386, -0.5029042306360244, 0.27984737475841126}},
            {-0.015601382457731003, -0.05918465182124954, 0.1339706861002301});
}

TEST(OptimParity, AdadeltaDefaults) {
  Problem pb;
  Adadelta opt({pb.w, pb.b}, AdadeltaOptions());
  pb.run(opt);
  pb.expect({{0.48546516577928034, -0.9854249114324155, 1.485411615033426},
             {1.990287275847344, -0.5053340591768363, 0.256785144691286}},
            {0.09185875666883049, -0.19160583352044638, 0.2914113655421215});
}

TEST(OptimParity, AdadeltaGroups) {
  Problem pb;
  auto opt = two_groups<Adadelta>(
      pb, AdadeltaOptions(0.5).eps(1e-4),
      AdadeltaOptions(0.5).eps(1e-4).rho(0.5).weight_decay(0.05).maximize(true));
  pb.run(opt);
  pb.expect({{0.42943252835669987, -0.9280500094802407, 1.427645206902242},
             {1.9525930059041117, -0.5264174037196354, 0.2836904752598753}},
            {0.11896527177081336, -0.2195275330528621, 0.3199643273988358});
}

TEST(OptimParity, RpropDefaults) {
  Problem pb;
  Rprop opt({pb.w, pb.b}, RpropOptions(0.1));
  pb.run(opt);
  pb.expect({{0.13160000000000005, -0.6316, 1.1315999999999997}, {1.5639999999999998, -0.74, 0.49}},
            {-0.14, 0.039999999999999994, 0.05999999999999997});
}

TEST(OptimParity, RpropGroups) {
  Problem pb;
  auto opt =
      two_groups<Rprop>(pb, RpropOptions(0.05),
                        RpropOptions(0.05).etas({0.3, 1.5}).step_sizes({0.01, 0.2}).maximize(true));
  pb.run(opt);
  pb.expect(
      {{0.3158, -0.8157999999999999, 1.3158}, {1.7819999999999998, -0.6200000000000001, 0.37}},
      {0.19750000000000004, -0.29750000000000004, 0.3975});
}

TEST(OptimParity, AsgdDefaults) {
  Problem pb;
  ASGD opt({pb.w, pb.b}, ASGDOptions(0.1));
  pb.run(opt);
  pb.expect({{0.38021627142699327, -0.7604325428539865, 1.1406488142809799},
             {1.8108284389726503, -0.5976887863755017, 0.42570336024104743}},
            {-0.17042559598957752, 0.12337867703064671, -0.07633175807171584});
}

TEST(OptimParity, AsgdGroups) {
  Problem pb;
  auto opt = two_groups<ASGD>(
      pb, ASGDOptions(0.05).t0(3),
      ASGDOptions(0.05).lambd(0.01).alpha(0.5).t0(2).weight_decay(0.05).maximize(true));
  pb.run(opt);
  pb.expect({{0.4382069572575898, -0.8764139145151796, 1.3146208717727692},
             {1.9002970559920764, -0.5488088774788775, 0.3389222255351899}},
            {0.24033255315766086, -0.36673553275046106, 0.4931385123432611});
}
}  // namespace
}  // namespace ember::optim
