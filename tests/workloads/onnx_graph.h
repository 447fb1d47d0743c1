// Tiny ONNX graphs written with the protobuf API and saved as real .onnx files, for the import
// tests: each test builds the constructs an exporter writes, node by node.
#pragma once

#include <onnx/onnx_pb.h>
#include <unistd.h>

#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tetris::workloads::onnx_test {

class OnnxGraph;
// A ViT-style front end as PyTorch exports it: a patch-embedding convolution (4x4, stride 4, on a
// 3 x 8 x 8 image: 4 patches of 8 features), flattened (a Reshape) and transposed into tokens, a learned class
// token concatenated before them, position embeddings added, a layer norm, the class token's state
// through a classifier head.
void build_vit_front(OnnxGraph& g);

class OnnxGraph {
 public:
  explicit OnnxGraph(int opset) {
    model_.set_ir_version(7);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    model_.mutable_graph()->set_name("test");
  }

  // dims of -1 are symbolic ("N").
  void input(const std::string& name, const std::vector<std::int64_t>& dims,
             int elem_type = onnx::TensorProto::FLOAT) {
    auto* info = model_.mutable_graph()->add_input();
    info->set_name(name);
    auto* tensor = info->mutable_type()->mutable_tensor_type();
    tensor->set_elem_type(elem_type);
    for (const auto d : dims) {
      auto* dim = tensor->mutable_shape()->add_dim();
      if (d < 0)
        dim->set_dim_param("N");
      else
        dim->set_dim_value(d);
    }
  }

  void output(const std::string& name) {
    auto* info = model_.mutable_graph()->add_output();
    info->set_name(name);
    info->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }

  void floats(const std::string& name, const std::vector<std::int64_t>& dims, float value = 0) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    std::int64_t count = 1;
    for (const auto d : dims) t->add_dims(d), count *= d;
    for (std::int64_t i = 0; i < count; ++i) t->add_float_data(value);
  }

  void floats(const std::string& name, const std::vector<std::int64_t>& dims, const std::vector<float>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (const auto d : dims) t->add_dims(d);
    for (const float v : values) t->add_float_data(v);
  }

  void bools(const std::string& name, const std::vector<std::int64_t>& dims, bool value = true) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::BOOL);
    std::int64_t count = 1;
    for (const auto d : dims) t->add_dims(d), count *= d;
    for (std::int64_t i = 0; i < count; ++i) t->add_int32_data(value ? 1 : 0);
  }

  void ints(const std::string& name, const std::vector<std::int64_t>& values, bool scalar = false) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    if (!scalar) t->add_dims(static_cast<std::int64_t>(values.size()));
    for (const auto v : values) t->add_int64_data(v);
  }

  onnx::NodeProto& node(const std::string& op, const std::vector<std::string>& inputs,
                        const std::vector<std::string>& outputs, const std::string& name = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    n->set_name(name);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return *n;
  }

  static void attr(onnx::NodeProto& n, const std::string& name, const std::vector<std::int64_t>& values) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (const auto v : values) a->add_ints(v);
  }
  static void attr(onnx::NodeProto& n, const std::string& name, std::int64_t value) {
    auto* a = n.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  std::string bytes() const { return model_.SerializeAsString(); }

  std::string save(const std::string& name) const { return write(name, bytes()); }

  static std::string write(const std::string& name, const std::string& bytes) {
    const std::string path = testing::TempDir() + std::to_string(::getpid()) + "_" + name;
    std::ofstream(path, std::ios::binary) << bytes;
    return path;
  }

 private:
  onnx::ModelProto model_;
};

inline void build_vit_front(OnnxGraph& g) {
  g.input("pixels", {1, 3, 8, 8});
  g.floats("patch_w", {8, 3, 4, 4}), g.floats("patch_b", {8});
  auto& conv = g.node("Conv", {"pixels", "patch_w", "patch_b"}, {"patches"}, "patch_embed");
  OnnxGraph::attr(conv, "strides", std::vector<std::int64_t>{4, 4});
  OnnxGraph::attr(conv, "kernel_shape", std::vector<std::int64_t>{4, 4});
  g.ints("patch_rows", {1, 8, -1});
  g.node("Reshape", {"patches", "patch_rows"}, {"flat"}, "flatten");  // x.flatten(2): [1, 8, 4]
  OnnxGraph::attr(g.node("Transpose", {"flat"}, {"tokens"}, "to_tokens"), "perm", std::vector<std::int64_t>{0, 2, 1});
  g.floats("cls_token", {1, 1, 8});
  OnnxGraph::attr(g.node("Concat", {"cls_token", "tokens"}, {"sequence"}, "prepend_cls"), "axis", 1);  // [1, 5, 8]
  g.floats("position", {1, 5, 8});
  g.node("Add", {"sequence", "position"}, {"embedded"}, "add_position");
  g.floats("gamma", {8}, 1), g.floats("beta", {8});
  g.node("LayerNormalization", {"embedded", "gamma", "beta"}, {"normed"}, "ln");
  g.ints("first", {0}, true);
  OnnxGraph::attr(g.node("Gather", {"normed", "first"}, {"cls"}, "take_cls"), "axis", 1);
  g.floats("head_w", {10, 8}), g.floats("head_b", {10});
  OnnxGraph::attr(g.node("Gemm", {"cls", "head_w", "head_b"}, {"logits"}, "head"), "transB", 1);
  g.output("logits");
}

}  // namespace tetris::workloads::onnx_test
