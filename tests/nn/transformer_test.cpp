// MultiheadAttention, the Transformer layers and stacks, and F::multi_head_attention_forward in
// LibTorch's spelling: torch's parameter names, state dict keys and reprs; forward values
// against torch 1.13 in float64; masks, head averaging, batch_first and norm_first; float64
// gradcheck and gradgradcheck; errors. (The functional form is also compared with torch on
// random inputs from Python, tests/python/test_mha_functional.py.)
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "testing.h"

namespace ember {
namespace {

using testing::expect_close;
using testing::repr;
namespace F = nn::functional;
using Keys = std::vector<std::string>;

constexpr double kInf = std::numeric_limits<double>::infinity();

// The fixtures' formula, computed the same way by the torch script that produced the expected
// values: scale * sin(freq * i + k) over the flattened shape, in float64.
Tensor pattern(IntArrayRef shape, double k, double scale = 0.5, double freq = 0.7) {
  int64_t n = 1;
  for (int64_t s : shape) n *= s;
  return ((arange(n, kFloat64) * freq + k).sin() * scale).reshape(shape);
}

// Converts the module to float64 and fills its j-th state dict entry with pattern(shape, j),
// as the torch script did, so both hold the same weights when their keys are in the same order.
void fill(nn::Module& module) {
  module.to(kFloat64);
  NoGradGuard no_grad;
  const TensorDict state = module.state_dict();
  for (size_t j = 0; j < state.size(); ++j)
    state[j].value().copy_(pattern(state[j].value().sizes(), static_cast<double>(j)));
}

Tensor t64(const std::vector<double>& values, std::vector<int64_t> shape) {
  return tensor(values, kFloat64).reshape(shape);
}

// The shared inputs of the fixtures: query [3, 2, 4], memory [5, 2, 4], an additive mask [3, 5]
// and a key padding mask [2, 5] (true = ignore).
Tensor query() { return pattern({3, 2, 4}, 10, 1.0, 0.3); }
Tensor memory() { return pattern({5, 2, 4}, 20, 1.0, 0.45); }
Tensor additive_mask() { return pattern({3, 5}, 30, 1.0, 0.9); }
Tensor padding_mask() {
  return tensor({0, 0, 1, 0, 0, 0, 1, 0, 0, 1}, kFloat64).reshape({2, 5}).to(kBool);
}

// Printed by torch 1.13 (float64) from modules filled by pattern(); see fill().
const std::vector<double> kMhaOut = {
    0.025396082498474,  -0.403754045589988, -0.169008400490471, -0.90220511806786,
    -0.134776345434264, -0.317934060243746, -0.170558987495905, -0.985103107978761,
    0.126649894452716,  -0.53052833847505,  -0.031363070487159, -1.034815835218459,
    0.322278055461667,  -0.684073584319841, 0.062356290380736,  -1.057879540499506,
    -0.029694453485351, -0.346337090829058, -0.222116939524466, -0.859541968912582,
    0.193098074668847,  -0.566426728513512, -0.030162720526738, -1.001179438278656};
const std::vector<double> kMhaWeights = {0.168375159249904,
                                         0.05301361514821,
                                         0.0,
                                         0.343258893059552,
                                         0.435352332542334,
                                         0.140019401388606,
                                         0.249716775538867,
                                         0.0,
                                         0.214431738934497,
                                         0.39583208413803,
                                         0.479880114368264,
                                         0.376788011818691,
                                         0.0,
                                         0.08780029349973,
                                         0.055531580313315,
                                         0.078423724102296,
                                         0.0,
                                         0.292390643236548,
                                         0.629185632661157,
                                         0.0,
                                         0.492981418065428,
                                         0.0,
                                         0.36451644351113,
                                         0.142502138423443,
                                         0.0,
                                         0.61982181164111,
                                         0.0,
                                         0.13185887311488,
                                         0.24831931524401,
                                         0.0};
const std::vector<double> kKdimOut = {
    0.368671537398552,  0.422841422472196, 0.521374132676149,  0.053513347844374,
    -0.092953328767857, 0.996384950076438, -0.0978120512667,   0.646791931328782,
    0.30659450226504,   0.465434097422466, 0.503187628035696,  0.045192134835922,
    -0.126710397516595, 1.034004710441126, -0.134947339850382, 0.679151568025541,
    0.307189304026471,  0.468516113753185, 0.496784936992048,  0.054175635588653,
    -0.097183906275331, 1.003108288735927, -0.106251233536929, 0.655971764813263};
const std::vector<double> kKdimWeights = {
    0.101993182358307, 0.229087853050601, 0.074509445626657, 0.306618770584575, 0.057267948326685,
    0.117977235179065, 0.11254556487411,  0.142275464988604, 0.085944270983809, 0.182057389843595,
    0.068180997923879, 0.225021797903044, 0.157857655643605, 0.138662422713465, 0.147885618210907,
    0.107326002868308, 0.169643221081017, 0.094422175275044, 0.190578715306297, 0.146630737890312,
    0.143513529368115, 0.145455443002858, 0.085408964161489, 0.147497546367364, 0.085152582540601,
    0.146323845708477, 0.225613597789743, 0.164548020429469, 0.095962646673658, 0.185287225203789,
    0.080172346589199, 0.218092746754963, 0.069490863025221, 0.179378535152823, 0.171615636600347,
    0.147228461722229, 0.107596019814874, 0.149081264012855, 0.106954626873101, 0.148981746614439,
    0.184875126756236, 0.155282754206265, 0.239867022582482, 0.063654222475036, 0.216094068932473,
    0.072406773158232, 0.185860230812199, 0.117291225969985, 0.104826456069593, 0.017906341247248,
    0.387466887854678, 0.021964293742569, 0.298246361947674, 0.0300642823645,   0.126875348978755,
    0.117476483864575, 0.281202517959241, 0.04263027295192,  0.245840809367027, 0.050502569843185,
    0.201048801126642, 0.090905445814347, 0.087869582937638, 0.162484609959188, 0.075755501941141,
    0.157545106065588, 0.07928409662801,  0.14847870219242,  0.208414444338505, 0.168037538875148,
    0.187427925700373, 0.086169735994481, 0.174082019952591, 0.094090918910012, 0.157475441896869,
    0.151919952454593, 0.148834005091082, 0.105031031244816, 0.131129857962598, 0.114744852316934,
    0.119708715723995, 0.125798991001684, 0.232792922965309, 0.170793628784664};
const std::vector<double> kEncPost = {
    -0.918668982630384, -0.224031962864698, 0.484402049595829, 0.249177662325948,
    -0.920821153128404, -0.154865643641147, 0.455889061620229, 0.232392042248939,
    -0.90456264625294,  -0.192296069796769, 0.499034940118576, 0.215444571283183,
    -0.90992832163944,  -0.226455792660322, 0.501654764190573, 0.234654178745462,
    -0.896114528190628, -0.331019700529846, 0.545455621215773, 0.250961745662739,
    -0.914757746603473, -0.25350787478091,  0.499322499567568, 0.252501842246853};
const std::vector<double> kEncPreGelu = {
    0.12431011103957,   -0.428718050405204, -1.107181041390078, -1.637661289294035,
    -0.138090737458633, -0.760025471813023, -0.684232343968092, -1.191221436731239,
    0.576215465005975,  0.312671364561253,  0.364510329175381,  0.014476649018592,
    1.691983614998117,  1.102243684213769,  1.001063569475107,  0.184645574258769,
    1.512514611161651,  0.845136385735749,  0.181317989351256,  -0.68166953990213,
    0.440089750830929,  -0.280886052739482, -0.906072065149446, -1.6161887883193};
const std::vector<double> kDec = {
    -0.276877712263422, -0.95672041131596,  -0.013896158783464, -0.090735694456081,
    -0.261911071368281, -0.872333635432187, -0.084546455759577, -0.146341561352894,
    -0.264137929852715, -0.787228556845315, -0.069849028503933, -0.22042275353077,
    -0.281652717310296, -0.95133816161586,  0.019969574658942,  -0.107059997882498,
    -0.300108255901018, -1.020327971328118, 0.078833937907489,  -0.047639399523768,
    -0.309641006761272, -1.043767347416626, 0.106662823853935,  -0.025104566639939};
const std::vector<double> kModel = {
    0.410737790174576, 0.529768143629777, 0.67281689776951,  0.38097037707146,  0.410837159499347,
    0.515447746100485, 0.690816925882614, 0.379218017010499, 0.410996865585466, 0.496614004685783,
    0.700203574351831, 0.387860168182322, 0.411140521283642, 0.483943253111644, 0.684482852235581,
    0.410971454678749, 0.410750539130487, 0.531294670215851, 0.655405511230996, 0.393420346732676,
    0.410637315095464, 0.545771890896771, 0.654895927464794, 0.380521497937747};

constexpr double kRtol = 1e-9, kAtol = 1e-10;

nn::TransformerEncoderLayerOptions small_encoder_layer() {
  return nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(6).dropout(0.0);
}

TEST(Transformer, MultiheadAttentionHasTorchsParameterNamesAndRepr) {
  nn::MultiheadAttention mha(4, 2);
  EXPECT_EQ(mha->named_parameters().keys(),
            (Keys{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}));
  EXPECT_EQ(mha->state_dict().keys(), mha->named_parameters().keys());
  EXPECT_EQ(mha->in_proj_weight.sizes(), IntArrayRef({12, 4}));
  EXPECT_EQ(repr(*mha),
            "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, "
            "out_features=4, bias=True)\n)");
  // torch's initialization: zero biases, xavier_uniform_ in [-sqrt(6 / (4 + 12)), ...].
  EXPECT_EQ(mha->in_proj_bias.abs().max().item<double>(), 0.0);
  EXPECT_EQ(mha->out_proj->bias.abs().max().item<double>(), 0.0);
  EXPECT_LE(mha->in_proj_weight.abs().max().item<double>(), std::sqrt(6.0 / 16.0));

  nn::MultiheadAttention separate(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).bias(false));
  EXPECT_EQ(separate->named_parameters().keys(),
            (Keys{"q_proj_weight", "k_proj_weight", "v_proj_weight", "bias_k", "bias_v",
                  "out_proj.weight"}));
  EXPECT_FALSE(separate->in_proj_weight.defined());
  EXPECT_EQ(separate->k_proj_weight.sizes(), IntArrayRef({4, 3}));
  EXPECT_EQ(separate->v_proj_weight.sizes(), IntArrayRef({4, 5}));
  EXPECT_EQ(separate->bias_k.sizes(), IntArrayRef({1, 1, 4}));
  EXPECT_EQ(repr(*separate),
            "MultiheadAttention(\n  (out_proj): NonDynamicallyQuantizableLinear(in_features=4, "
            "out_features=4, bias=False)\n)");
}

TEST(Transformer, LayersAndStacksHaveTorchsStateDictKeysAndRepr) {
  nn::TransformerEncoderLayer encoder_layer(
      nn::TransformerEncoderLayerOptions(4, 2).dim_feedforward(8));
  EXPECT_EQ(encoder_layer->state_dict().keys(),
            (Keys{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                  "self_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight",
                  "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias"}));
  EXPECT_EQ(repr(*encoder_layer),
            "TransformerEncoderLayer(\n"
            "  (self_attn): MultiheadAttention(\n"
            "    (out_proj): NonDynamicallyQuantizableLinear(in_features=4, out_features=4, "
            "bias=True)\n"
            "  )\n"
            "  (linear1): Linear(in_features=4, out_features=8, bias=True)\n"
            "  (dropout): Dropout(p=0.1, inplace=False)\n"
            "  (linear2): Linear(in_features=8, out_features=4, bias=True)\n"
            "  (norm1): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
            "  (norm2): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
            "  (dropout1): Dropout(p=0.1, inplace=False)\n"
            "  (dropout2): Dropout(p=0.1, inplace=False)\n"
            ")");
  nn::TransformerDecoderLayer decoder_layer(
      nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(8));
  EXPECT_EQ(decoder_layer->state_dict().keys(),
            (Keys{"self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight",
                  "self_attn.out_proj.bias", "multihead_attn.in_proj_weight",
                  "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight",
                  "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias",
                  "linear2.weight", "linear2.bias", "norm1.weight", "norm1.bias", "norm2.weight",
                  "norm2.bias", "norm3.weight", "norm3.bias"}));
  nn::TransformerEncoder encoder(
      nn::TransformerEncoderOptions(encoder_layer, 2).norm(nn::LayerNorm(std::vector<int64_t>{4})));
  const Keys keys = encoder->state_dict().keys();
  ASSERT_EQ(keys.size(), 26u);
  EXPECT_EQ(keys[0], "layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(keys[12], "layers.1.self_attn.in_proj_weight");
  EXPECT_EQ(keys[23], "layers.1.norm2.bias");
  EXPECT_EQ(keys[24], "norm.weight");
  EXPECT_EQ(keys[25], "norm.bias");

  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(8));
  const Keys model_keys = model->state_dict().keys();
  ASSERT_EQ(model_keys.size(), 34u);
  EXPECT_EQ(model_keys[0], "encoder.layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(model_keys[12], "encoder.norm.weight");
  EXPECT_EQ(model_keys[14], "decoder.layers.0.self_attn.in_proj_weight");
  EXPECT_EQ(model_keys[18], "decoder.layers.0.multihead_attn.in_proj_weight");
  EXPECT_EQ(model_keys[33], "decoder.norm.bias");
  const std::string printed = repr(*model);
  EXPECT_EQ(printed.rfind("Transformer(\n  (encoder): TransformerEncoder(\n    (layers): "
                          "ModuleList(\n      (0): TransformerEncoderLayer(\n",
                          0),
            0u)
      << printed;
  EXPECT_NE(printed.find("  (decoder): TransformerDecoder(\n"), std::string::npos);
  EXPECT_NE(printed.find("    (norm): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"),
            std::string::npos);
}

TEST(Transformer, MultiheadAttentionMatchesTorch) {
  nn::MultiheadAttention mha(4, 2);
  fill(*mha);
  auto [out, weights] =
      mha(query(), memory(), memory(), padding_mask(), /*need_weights=*/true, additive_mask());
  expect_close(out, t64(kMhaOut, {3, 2, 4}), kRtol, kAtol);
  expect_close(weights, t64(kMhaWeights, {2, 3, 5}), kRtol, kAtol);
  // The same through the functional form with LibTorch's options object.
  auto [f_out, f_weights] =
      F::multi_head_attention_forward(query(), memory(), memory(),
                                      F::MultiheadAttentionForwardFuncOptions(
                                          4, 2, mha->in_proj_weight, mha->in_proj_bias, {}, {},
                                          false, 0.0, mha->out_proj->weight, mha->out_proj->bias)
                                          .key_padding_mask(padding_mask())
                                          .attn_mask(additive_mask()));
  expect_close(f_out, out, kRtol, kAtol);
  expect_close(f_weights, weights, kRtol, kAtol);

  nn::MultiheadAttention separate(
      nn::MultiheadAttentionOptions(4, 2).kdim(3).vdim(5).add_bias_kv(true).add_zero_attn(true));
  fill(*separate);
  auto [k_out, k_weights] = separate(
      query(), pattern({5, 2, 3}, 40, 1.0, 0.5), pattern({5, 2, 5}, 50, 1.0, 0.6), Tensor(),
      /*need_weights=*/true, Tensor(), /*average_attn_weights=*/false);
  expect_close(k_out, t64(kKdimOut, {3, 2, 4}), kRtol, kAtol);
  // Per head, over the 5 keys, bias_k and the zero key.
  expect_close(k_weights, t64(kKdimWeights, {2, 2, 3, 7}), kRtol, kAtol);
}

TEST(Transformer, LayersAndModelMatchTorch) {
  const Tensor causal = nn::TransformerImpl::generate_square_subsequent_mask(3).to(kFloat64);
  const Tensor src_padding = padding_mask().narrow(1, 0, 3);
  nn::TransformerEncoderLayer post(small_encoder_layer());
  fill(*post);
  expect_close(post(query(), causal, src_padding), t64(kEncPost, {3, 2, 4}), kRtol, kAtol);
  nn::TransformerEncoderLayer pre(small_encoder_layer().norm_first(true).activation(kGELU));
  fill(*pre);
  expect_close(pre(query(), causal, src_padding), t64(kEncPreGelu, {3, 2, 4}), kRtol, kAtol);

  nn::TransformerDecoderLayer decoder(
      nn::TransformerDecoderLayerOptions(4, 2).dim_feedforward(6).dropout(0.0));
  fill(*decoder);
  expect_close(decoder(query(), memory(), causal, Tensor(), Tensor(), padding_mask()),
               t64(kDec, {3, 2, 4}), kRtol, kAtol);

  nn::Transformer model(nn::TransformerOptions(4, 2, 2, 1).dim_feedforward(6).dropout(0.0));
  fill(*model);
  expect_close(model(memory(), query(), Tensor(), causal), t64(kModel, {3, 2, 4}), kRtol, kAtol);
}

TEST(Transformer, BoolAndAdditiveMasksAgree) {
  nn::MultiheadAttention mha(4, 2);
  mha->to(kFloat64);
  const Tensor q = query(), kv = memory();
  const Tensor blocked =
      tensor({0, 1, 0, 0, 1, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0}, kFloat64).reshape({3, 5}).to(kBool);
  const Tensor additive = zeros({3, 5}, kFloat64).masked_fill(blocked, -kInf);
  const Tensor padding_float = zeros({2, 5}, kFloat64).masked_fill(padding_mask(), -kInf);
  for (bool need_weights : {true, false}) {
    SCOPED_TRACE(need_weights);
    auto [with_bool, w_bool] = mha(q, kv, kv, padding_mask(), need_weights, blocked);
    auto [with_float, w_float] = mha(q, kv, kv, padding_float, need_weights, additive);
    expect_close(with_bool, with_float, 1e-12, 1e-12);
    EXPECT_EQ(w_bool.defined(), need_weights);
    if (need_weights) {
      expect_close(w_bool, w_float, 1e-12, 1e-12);
      // Masked keys get no weight: key 1 for query 0, and the padded keys of each sample.
      EXPECT_EQ(w_bool.select(0, 0).select(0, 0).select(0, 1).item<double>(), 0.0);
      EXPECT_EQ(w_bool.select(0, 1).select(1, 4).abs().max().item<double>(), 0.0);
    }
  }
  // Per-head masks [N * heads, L, S] give the same result as the 2-D mask repeated.
  auto [two_d, unused2] = mha(q, kv, kv, Tensor(), false, additive);
  auto [three_d, unused3] =
      mha(q, kv, kv, Tensor(), false, additive.unsqueeze(0).expand({4, 3, 5}));
  expect_close(three_d, two_d, 1e-12, 1e-12);
}

TEST(Transformer, WeightsAverageOverHeadsAndAgreeWithTheFusedPath) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(6, 3));
  mha->to(kFloat64);
  const Tensor q = randn({4, 2, 6}, kFloat64), kv = randn({5, 2, 6}, kFloat64);
  auto [out, averaged] = mha(q, kv, kv);
  auto [out_heads, per_head] =
      mha(q, kv, kv, Tensor(), true, Tensor(), /*average_attn_weights=*/false);
  auto [fused, none] = mha(q, kv, kv, Tensor(), /*need_weights=*/false);
  EXPECT_EQ(averaged.sizes(), IntArrayRef({2, 4, 5}));
  EXPECT_EQ(per_head.sizes(), IntArrayRef({2, 3, 4, 5}));
  EXPECT_FALSE(none.defined());
  expect_close(per_head.mean({1}), averaged, 1e-12, 1e-12);
  expect_close(per_head.sum({-1}), ones({2, 3, 4}, kFloat64), 1e-12, 1e-12);
  expect_close(out_heads, out, 1e-12, 1e-12);
  expect_close(fused, out, 1e-10, 1e-10);
  // Self-attention (one tensor for query, key and value) projects in one product; the result
  // is the same as with three equal tensors.
  auto [self, self_w] = mha(kv, kv, kv);
  auto [copies, copies_w] = mha(kv, kv.clone(), kv.clone());
  expect_close(self, copies, 1e-12, 1e-12);
}

TEST(Transformer, UnbatchedAndBatchFirstInputs) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).batch_first(true));
  mha->to(kFloat64);
  const Tensor q = randn({2, 3, 4}, kFloat64), kv = randn({2, 5, 4}, kFloat64);
  auto [out, weights] = mha(q, kv, kv, padding_mask());
  EXPECT_EQ(out.sizes(), IntArrayRef({2, 3, 4}));
  // batch_first only transposes: the same module without it on transposed inputs agrees.
  nn::MultiheadAttention seq_first(4, 2);
  seq_first->to(kFloat64);
  seq_first->load_state_dict(mha->state_dict());
  auto [ref, ref_weights] =
      seq_first(q.transpose(0, 1), kv.transpose(0, 1), kv.transpose(0, 1), padding_mask());
  expect_close(out, ref.transpose(0, 1), 1e-12, 1e-12);
  expect_close(weights, ref_weights, 1e-12, 1e-12);
  // An unbatched call is the batch of one without its batch dim.
  auto [single, single_w] =
      seq_first(q.select(0, 1), kv.select(0, 1), kv.select(0, 1), padding_mask().select(0, 1));
  EXPECT_EQ(single.sizes(), IntArrayRef({3, 4}));
  EXPECT_EQ(single_w.sizes(), IntArrayRef({3, 5}));
  expect_close(single, ref.select(1, 1), 1e-12, 1e-12);
  expect_close(single_w, ref_weights.select(0, 1), 1e-12, 1e-12);

  nn::TransformerEncoderLayer layer(small_encoder_layer().batch_first(true));
  layer->to(kFloat64);
  nn::TransformerEncoderLayer layer_seq(small_encoder_layer());
  layer_seq->to(kFloat64);
  layer_seq->load_state_dict(layer->state_dict());
  expect_close(layer(q), layer_seq(q.transpose(0, 1)).transpose(0, 1), 1e-12, 1e-12);
}

TEST(Transformer, NormFirstNormalizesBeforeEachBlock) {
  nn::TransformerEncoderLayer pre(small_encoder_layer().norm_first(true));
  pre->to(kFloat64);
  const Tensor x = randn({3, 2, 4}, kFloat64);
  // Pre-norm: x + sa(norm1(x)), then + ff(norm2(.)); no norm after the last residual sum.
  const Tensor normed = pre->norm1(x);
  Tensor h = x + std::get<0>(pre->self_attn(normed, normed, normed, Tensor(), false));
  h = h + pre->linear2(F::relu(pre->linear1(pre->norm2(h))));
  expect_close(pre(x), h, 1e-12, 1e-12);
  // A function as activation.
  nn::TransformerEncoderLayer custom(
      small_encoder_layer().activation([](const Tensor& t) { return t * 0.0; }));
  custom->to(kFloat64);
  custom->eval();
  const Tensor attended =
      custom->norm1(x + std::get<0>(custom->self_attn(x, x, x, Tensor(), false)));
  // With a zero activation the feed-forward block adds only linear2's bias.
  expect_close(custom(x), custom->norm2(attended + custom->linear2->bias), 1e-12, 1e-12);
}

TEST(Transformer, StacksCopyTheirLayerAndTransformerGeneratesMasks) {
  nn::TransformerEncoderLayer layer(small_encoder_layer());
  nn::TransformerEncoder encoder(layer, 3);
  ASSERT_EQ(encoder->layers->size(), 3u);
  auto& first = encoder->layers->at<nn::TransformerEncoderLayerImpl>(0);
  auto& last = encoder->layers->at<nn::TransformerEncoderLayerImpl>(2);
  // Copies (as torch's deepcopy): the same values, their own storage.
  expect_close(first.linear1->weight, layer->linear1->weight);
  expect_close(last.self_attn->in_proj_weight, layer->self_attn->in_proj_weight);
  {
    NoGradGuard no_grad;
    first.linear1->weight.fill_(0.0);
  }
  EXPECT_NE(layer->linear1->weight.abs().max().item<double>(), 0.0);
  EXPECT_TRUE(encoder->norm.is_empty());
  const Tensor src = randn({5, 2, 4});
  Tensor expected = src;
  for (int64_t i = 0; i < 3; ++i)
    expected = encoder->layers->at<nn::TransformerEncoderLayerImpl>(i).forward(expected);
  expect_close(encoder(src), expected);

  const Tensor mask = nn::TransformerImpl::generate_square_subsequent_mask(3);
  EXPECT_EQ(mask.dtype(), kFloat32);
  expect_close(mask, tensor({0.0, -kInf, -kInf, 0.0, 0.0, -kInf, 0.0, 0.0, 0.0}).reshape({3, 3}));

  // A custom encoder is used as given; the default decoder still runs on its output.
  nn::TransformerEncoder custom(nn::TransformerEncoderOptions(small_encoder_layer(), 1));
  nn::Transformer model(
      nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(6).custom_encoder(custom));
  EXPECT_EQ(model->encoder.ptr().get(), custom.ptr().get());
  EXPECT_EQ(model(randn({5, 2, 4}), randn({3, 2, 4})).sizes(), IntArrayRef({3, 2, 4}));
  nn::Transformer batch_first(
      nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(6).batch_first(true));
  EXPECT_EQ(batch_first(randn({2, 5, 4}), randn({2, 3, 4})).sizes(), IntArrayRef({2, 3, 4}));
}

TEST(Transformer, GradientsAreCorrectToSecondOrder) {
  nn::MultiheadAttention mha(nn::MultiheadAttentionOptions(4, 2).add_bias_kv(true));
  mha->to(kFloat64);
  const Tensor kpm = tensor({0, 0, 1, 0, 1, 0}, kFloat64).reshape({2, 3}).to(kBool);
  const Tensor mask = randn({2, 3}, kFloat64);
  for (bool need_weights : {true, false}) {
    SCOPED_TRACE(need_weights);
    auto fn = [&](const autograd::variable_list& in) {
      auto [out, weights] = F::multi_head_attention_forward(
          in[0], in[1], in[1], 4, 2, in[2], mha->in_proj_bias, mha->bias_k, mha->bias_v, false, 0.0,
          mha->out_proj->weight, mha->out_proj->bias, true, kpm, need_weights, mask);
      return need_weights ? autograd::variable_list{out, weights} : autograd::variable_list{out};
    };
    const autograd::variable_list inputs = {randn({2, 2, 4}, kFloat64).requires_grad_(),
                                            randn({3, 2, 4}, kFloat64).requires_grad_(),
                                            mha->in_proj_weight.detach().clone().requires_grad_()};
    EXPECT_TRUE(autograd::gradcheck(fn, inputs));
    EXPECT_TRUE(autograd::gradgradcheck(fn, inputs));
  }
}

TEST(Transformer, BadInputsRaiseTorchsErrors) {
  nn::MultiheadAttention mha(4, 2);
  const Tensor q = randn({3, 2, 4}), kv = randn({5, 2, 4});
  EXPECT_EMBER_ERROR(mha(randn({3, 2, 6}), kv, kv),
                     "multi_head_attention_forward: was expecting embedding dimension of 4, but "
                     "got 6");
  EXPECT_EMBER_ERROR(nn::MultiheadAttention(5, 2), "embed_dim must be divisible by num_heads");
  EXPECT_EMBER_ERROR(nn::MultiheadAttention(0, 2),
                     "embed_dim and num_heads must be greater than 0");
  EXPECT_EMBER_ERROR(mha(q, kv, kv, Tensor(), true, zeros({3, 4})),
                     "The shape of the 2D attn_mask is [3, 4], but should be [3, 5].");
  EXPECT_EMBER_ERROR(mha(q, kv, kv, Tensor(), true, zeros({2, 3, 5})),
                     "The shape of the 3D attn_mask is [2, 3, 5], but should be [4, 3, 5].");
  EXPECT_EMBER_ERROR(mha(q, kv, kv, Tensor(), true, zeros({3, 5}, kInt64)),
                     "only bool and floating types of attn_mask are supported");
  EXPECT_EMBER_ERROR(mha(q, kv, kv, zeros({2, 5}, kInt32)),
                     "only bool and floating types of key_padding_mask are supported");
  EXPECT_EMBER_ERROR(mha(q, kv, kv, zeros({2, 4}, kBool)),
                     "expecting key_padding_mask shape of [2, 5], but got [2, 4]");
  EXPECT_EMBER_ERROR(mha(q, kv, randn({4, 2, 4})),
                     "key shape [5, 2, 4] does not match value shape [4, 2, 4]");
  EXPECT_EMBER_ERROR(mha(randn({2, 3, 2, 4}), kv, kv),
                     "query should be unbatched 2D or batched 3D tensor but received 4-D query");
  EXPECT_EMBER_ERROR(mha(q, randn({5, 4}), kv),
                     "For batched (3-D) `query`, expected `key` and `value` to be 3-D but found "
                     "2-D and 3-D tensors respectively");
  EXPECT_EMBER_ERROR(F::multi_head_attention_forward(q, kv, kv, 4, 3, mha->in_proj_weight, {}, {},
                                                     {}, false, 0, mha->out_proj->weight, {}),
                     "embed_dim 4 not divisible by num_heads 3");
  EXPECT_EMBER_ERROR(
      F::multi_head_attention_forward(q, kv, kv, 4, 2, mha->in_proj_weight, {}, {}, {}, false, 0,
                                      mha->out_proj->weight, {}, true, {}, false, {}, false, {}, {},
                                      {}, {}, {}, true, /*is_causal=*/true),
      "Need attn_mask if specifying the is_causal hint");
  EXPECT_EMBER_ERROR(nn::TransformerEncoderLayer(
                         small_encoder_layer().activation(std::function<Tensor(const Tensor&)>())),
                     "TransformerEncoderLayer: activation should be relu, gelu or a function");
  nn::Transformer model(nn::TransformerOptions(4, 2, 1, 1).dim_feedforward(6));
  EXPECT_EMBER_ERROR(model(randn({5, 2, 4}), randn({3, 3, 4})),
                     "the batch number of src and tgt must be equal");
  EXPECT_EMBER_ERROR(model(randn({5, 2, 4}), randn({3, 2, 6})),
                     "the feature number of src and tgt must be equal to d_model");
}

}  // namespace
}  // namespace ember
