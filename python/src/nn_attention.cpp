// ember._C._nn's multi-head attention: F.multi_head_attention_forward with torch's argument
// names and defaults (torch 2.x's, is_causal included), behind ember.nn.MultiheadAttention.
#include "bindings.h"

namespace ember::python {

namespace F = nn::functional;

void bind_nn_attention(py::module_& m) {
  m.def(
      "multi_head_attention_forward",
      [](const Tensor& query, const Tensor& key, const Tensor& value, int64_t embed_dim_to_check,
         int64_t num_heads, py::handle in_proj_weight, py::handle in_proj_bias, py::handle bias_k,
         py::handle bias_v, bool add_zero_attn, double dropout_p, const Tensor& out_proj_weight,
         py::handle out_proj_bias, bool training, py::handle key_padding_mask, bool need_weights,
         py::handle attn_mask, bool use_separate_proj_weight, py::handle q_proj_weight,
         py::handle k_proj_weight, py::handle v_proj_weight, py::handle static_k,
         py::handle static_v, bool average_attn_weights, bool is_causal) {
        auto [out, weights] = F::multi_head_attention_forward(
            query, key, value, embed_dim_to_check, num_heads, tensor_or_undefined(in_proj_weight),
            tensor_or_undefined(in_proj_bias), tensor_or_undefined(bias_k),
            tensor_or_undefined(bias_v), add_zero_attn, dropout_p, out_proj_weight,
            tensor_or_undefined(out_proj_bias), training, tensor_or_undefined(key_padding_mask),
            need_weights, tensor_or_undefined(attn_mask), use_separate_proj_weight,
            tensor_or_undefined(q_proj_weight), tensor_or_undefined(k_proj_weight),
            tensor_or_undefined(v_proj_weight), tensor_or_undefined(static_k),
            tensor_or_undefined(static_v), average_attn_weights, is_causal);
        return py::make_tuple(wrap(std::move(out)), optional_tensor(weights));
      },
      py::arg("query"), py::arg("key"), py::arg("value"), py::arg("embed_dim_to_check"),
      py::arg("num_heads"), py::arg("in_proj_weight"), py::arg("in_proj_bias"), py::arg("bias_k"),
      py::arg("bias_v"), py::arg("add_zero_attn"), py::arg("dropout_p"), py::arg("out_proj_weight"),
      py::arg("out_proj_bias"), py::arg("training") = true,
      py::arg("key_padding_mask") = py::none(), py::arg("need_weights") = true,
      py::arg("attn_mask") = py::none(), py::arg("use_separate_proj_weight") = false,
      py::arg("q_proj_weight") = py::none(), py::arg("k_proj_weight") = py::none(),
      py::arg("v_proj_weight") = py::none(), py::arg("static_k") = py::none(),
      py::arg("static_v") = py::none(), py::arg("average_attn_weights") = true,
      py::arg("is_causal") = false);
}

}  // namespace ember::python
