// safetensors checkpoints: exact bytes against the reference library, round trips, atomic
// writes and every kind of corrupt file.
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>

#include "testing.h"

namespace ember::io {
namespace {

using ::ember::testing::values;
using Bytes = std::vector<unsigned char>;

class IoSafetensors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("ember_safetensors_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  std::string write(const std::string& name, const Bytes& bytes) const {
    const std::string p = path(name);
    std::ofstream(p, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return p;
  }

  static Bytes read(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  }

  // Names of the files in the test directory.
  std::vector<std::string> listing() const {
    std::vector<std::string> names;
    for (const auto& e : std::filesystem::directory_iterator(dir_))
      names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
  }

  // A file with the given JSON header (declared length defaults to its size) and data bytes.
  std::string raw(const std::string& name, const std::string& json, const Bytes& data,
                  std::optional<uint64_t> declared = std::nullopt) const {
    Bytes b(8);
    const uint64_t n = declared.value_or(json.size());
    std::memcpy(b.data(), &n, 8);
    b.insert(b.end(), json.begin(), json.end());
    b.insert(b.end(), data.begin(), data.end());
    return write(name, b);
  }

  std::filesystem::path dir_;
};

Bytes le_floats(std::initializer_list<float> vs) {
  Bytes b(vs.size() * sizeof(float));
  std::memcpy(b.data(), vs.begin(), b.size());
  return b;
}

// The reference library's own test vector (safetensors/src/tensor.rs, test_serialization):
// {"attn.0": float32 [1, 2, 3] holding 0..5}.
const Bytes kReferenceAttn = {
    64,  0,   0,   0,   0,   0,  0,  0,  123, 34, 97,  116, 116, 110, 46,  48,  34,  58,  123, 34,
    100, 116, 121, 112, 101, 34, 58, 34, 70,  51, 50,  34,  44,  34,  115, 104, 97,  112, 101, 34,
    58,  91,  49,  44,  50,  44, 51, 93, 44,  34, 100, 97,  116, 97,  95,  111, 102, 102, 115, 101,
    116, 115, 34,  58,  91,  48, 44, 50, 52,  93, 125, 125, 0,   0,   0,   0,   0,   0,   128, 63,
    0,   0,   0,   64,  0,   0,  64, 64, 0,   0,  128, 64,  0,   0,   160, 64};

// The same library's test_serialization_forced_alignement: "attn0" [1, 1, 2, 3], whose 65-byte
// header is padded with 7 spaces.
const Bytes kReferenceAligned = {
    72,  0,   0,   0,   0,   0,   0,   0,   123, 34, 97, 116, 116, 110, 48,  34,  58,  123,
    34,  100, 116, 121, 112, 101, 34,  58,  34,  70, 51, 50,  34,  44,  34,  115, 104, 97,
    112, 101, 34,  58,  91,  49,  44,  49,  44,  50, 44, 51,  93,  44,  34,  100, 97,  116,
    97,  95,  111, 102, 102, 115, 101, 116, 115, 34, 58, 91,  48,  44,  50,  52,  93,  125,
    125, 32,  32,  32,  32,  32,  32,  32,  0,   0,  0,  0,   0,   0,   128, 63,  0,   0,
    0,   64,  0,   0,   64,  64,  0,   0,   128, 64, 0,  0,   160, 64};

// And test_empty: no tensors, with metadata {"framework": "pt"}.
const Bytes kReferenceEmptyWithMetadata = {
    40,  0,   0,   0,  0,  0,  0,   0,   123, 34,  95,  95,  109, 101, 116, 97,
    100, 97,  116, 97, 95, 95, 34,  58,  123, 34,  102, 114, 97,  109, 101, 119,
    111, 114, 107, 34, 58, 34, 112, 116, 34,  125, 125, 32,  32,  32,  32,  32};

TEST_F(IoSafetensors, WritesTheReferenceBytes) {
  TensorDict d;
  d.insert("attn.0", arange(6).to(kFloat32).reshape({1, 2, 3}));
  save_safetensors(path("attn.safetensors"), d);
  EXPECT_EQ(read(path("attn.safetensors")), kReferenceAttn);

  TensorDict aligned;
  aligned.insert("attn0", arange(6).to(kFloat32).reshape({1, 1, 2, 3}));
  save_safetensors(path("aligned.safetensors"), aligned);
  EXPECT_EQ(read(path("aligned.safetensors")), kReferenceAligned);

  save_safetensors(path("empty.safetensors"), TensorDict(), {{"framework", "pt"}});
  EXPECT_EQ(read(path("empty.safetensors")), kReferenceEmptyWithMetadata);
  save_safetensors(path("bare.safetensors"), TensorDict());
  EXPECT_EQ(read(path("bare.safetensors")),
            (Bytes{8, 0, 0, 0, 0, 0, 0, 0, '{', '}', 32, 32, 32, 32, 32, 32}));
}

TEST_F(IoSafetensors, ReadsTheReferenceBytes) {
  TensorDict d = load_safetensors(write("ref.safetensors", kReferenceAttn));
  ASSERT_EQ(d.keys(), (std::vector<std::string>{"attn.0"}));
  const Tensor& t = d.at("attn.0");
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{1, 2, 3}));
  EXPECT_EQ(values(t), (std::vector<double>{0, 1, 2, 3, 4, 5}));
  EXPECT_EQ(values(load_safetensors(write("a.safetensors", kReferenceAligned)).at("attn0")),
            (std::vector<double>{0, 1, 2, 3, 4, 5}));
  const std::string empty = write("e.safetensors", kReferenceEmptyWithMetadata);
  EXPECT_TRUE(load_safetensors(empty).empty());
  EXPECT_EQ(load_safetensors_metadata(empty), (Metadata{{"framework", "pt"}}));
}

TEST_F(IoSafetensors, LaysOutDtypesAsTheReferenceDoes) {
  // The reference sorts by its dtype enum, descending (I64, F64, F32, I32, BOOL), then by name.
  TensorDict d;
  d.insert("w", tensor({1.5f, -2.0f}));
  d.insert("step", tensor(int64_t{7}));
  d.insert("mask", tensor({true, false, true}));
  d.insert("b", tensor({0.25}, kFloat64));
  d.insert("idx", tensor({3, -4}, kInt32));
  d.insert("a", tensor({{1.f, 2.f}, {3.f, 4.f}}).t());  // non-contiguous: saved as [[1,3],[2,4]]
  save_safetensors(path("mixed.safetensors"), d, {{"format", "pt"}, {"epoch", "3"}});

  const std::string json = R"({"__metadata__":{"epoch":"3","format":"pt"},)"
                           R"("step":{"dtype":"I64","shape":[],"data_offsets":[0,8]},)"
                           R"("b":{"dtype":"F64","shape":[1],"data_offsets":[8,16]},)"
                           R"("a":{"dtype":"F32","shape":[2,2],"data_offsets":[16,32]},)"
                           R"("w":{"dtype":"F32","shape":[2],"data_offsets":[32,40]},)"
                           R"("idx":{"dtype":"I32","shape":[2],"data_offsets":[40,48]},)"
                           R"("mask":{"dtype":"BOOL","shape":[3],"data_offsets":[48,51]}})";
  const uint64_t n = json.size() + (8 - json.size() % 8) % 8;
  Bytes expected(8 + n, ' ');
  std::memcpy(expected.data(), &n, 8);
  std::memcpy(expected.data() + 8, json.data(), json.size());
  const int64_t step = 7;
  const double b = 0.25;
  const int32_t idx[] = {3, -4};
  auto append = [&](const void* p, size_t len) {
    const auto* c = static_cast<const unsigned char*>(p);
    expected.insert(expected.end(), c, c + len);
  };
  append(&step, 8);
  append(&b, 8);
  Bytes floats = le_floats({1, 3, 2, 4, 1.5f, -2});
  expected.insert(expected.end(), floats.begin(), floats.end());
  append(idx, 8);
  expected.insert(expected.end(), {1, 0, 1});
  EXPECT_EQ(read(path("mixed.safetensors")), expected);
}

TEST_F(IoSafetensors, RoundTripsEveryDtype) {
  TensorDict d;
  d.insert("f32", arange(12).to(kFloat32).div(7).reshape({3, 4}));
  d.insert("f64", tensor({1e-300, -2.5, 3.0}, kFloat64));
  d.insert("i32", tensor({INT32_MIN, 0, INT32_MAX}, kInt32));
  d.insert("i64", tensor({INT64_MIN, int64_t{-1}, INT64_MAX}));
  d.insert("bool", tensor({{true, false}, {false, true}}));
  d.insert("scalar", tensor(3.5));
  d.insert("empty", zeros({0, 5}));
  d.insert("strided", arange(20).reshape({4, 5}).slice(1, 0, 5, 2).t());
  save_safetensors(path("all.safetensors"), d, {{"note", "ünïcode ✓"}});

  TensorDict back = load_safetensors(path("all.safetensors"));
  // Loaded in name order, as the reference's Python loader returns them.
  EXPECT_EQ(back.keys(), (std::vector<std::string>{"bool", "empty", "f32", "f64", "i32", "i64",
                                                   "scalar", "strided"}));
  for (const auto& [name, t] : d) {
    SCOPED_TRACE(name);
    const Tensor& u = back.at(name);
    EXPECT_EQ(u.dtype(), t.dtype());
    EXPECT_EQ(u.sizes().vec(), t.sizes().vec());
    EXPECT_TRUE(u.is_contiguous());
    EXPECT_TRUE(u.equal(t));
  }
  EXPECT_EQ(load_safetensors_metadata(path("all.safetensors")), (Metadata{{"note", "ünïcode ✓"}}));
}

TEST_F(IoSafetensors, SavesTensorsThatRequireGrad) {
  Tensor w = tensor({1.f, 2.f}).requires_grad_();
  Tensor y = w.mul(3);
  TensorDict d;
  d.insert("y", y);
  save_safetensors(path("grad.safetensors"), d);
  Tensor back = load_safetensors(path("grad.safetensors")).at("y");
  EXPECT_FALSE(back.requires_grad());
  EXPECT_EQ(values(back), (std::vector<double>{3, 6}));
}

TEST_F(IoSafetensors, SaveAndLoadOneTensor) {
  Tensor t = arange(6).reshape({2, 3});
  save(path("t.safetensors"), t);
  Tensor back = load(path("t.safetensors"));
  EXPECT_TRUE(back.equal(t));
  EXPECT_EQ(load_safetensors(path("t.safetensors")).keys(), (std::vector<std::string>{"tensor"}));
  save_safetensors(path("two.safetensors"), TensorDict{{"a", zeros({1})}, {"b", zeros({1})}});
  EXPECT_EMBER_ERROR(load(path("two.safetensors")), "holds 2 tensors");
}

TEST_F(IoSafetensors, WriteIsAtomic) {
  const std::string p = path("ckpt.safetensors");
  save(p, zeros({3}));
  save(p, ones({2}));  // replaces the old file
  EXPECT_EQ(values(load(p)), (std::vector<double>{1, 1}));
  EXPECT_EQ(listing(), (std::vector<std::string>{"ckpt.safetensors"}));

  // A save that fails before writing leaves the old file and no temporary behind.
  EXPECT_EMBER_ERROR(save_safetensors(p, TensorDict{{"__metadata__", zeros({1})}}),
                     "'__metadata__' is reserved");
  const std::string missing_dir = path("no/such/dir/x.safetensors");
  EXPECT_EMBER_ERROR(save(missing_dir, zeros({1})), "cannot create temporary file");
  EXPECT_FALSE(std::filesystem::exists(missing_dir));

  // A write that fails midway (the file-size limit stops it) leaves the old file intact.
  const Bytes before = read(p);
  struct rlimit old_limit;
  ASSERT_EQ(getrlimit(RLIMIT_FSIZE, &old_limit), 0);
  auto old_handler = signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old_limit;
  small.rlim_cur = 4096;
  ASSERT_EQ(setrlimit(RLIMIT_FSIZE, &small), 0);
  bool threw = false;
  try {
    save(p, zeros({100000}));
  } catch (const Error& e) {
    threw = true;
    EXPECT_NE(std::string(e.what()).find("write failed"), std::string::npos) << e.what();
  }
  setrlimit(RLIMIT_FSIZE, &old_limit);
  signal(SIGXFSZ, old_handler);
  EXPECT_TRUE(threw);
  EXPECT_EQ(read(p), before);
  EXPECT_EQ(listing(), (std::vector<std::string>{"ckpt.safetensors"}));
}

TEST_F(IoSafetensors, MissingOrShortFile) {
  EXPECT_EMBER_ERROR(load_safetensors(path("nope")),
                     path("nope") + ": cannot open file (No such file or directory)");
  const std::string p = write("short", {1, 2, 3});
  EXPECT_EMBER_ERROR(load_safetensors(p), p + ": file is 3 bytes long, too short");
  EXPECT_EMBER_ERROR(load_safetensors(dir_.string()), "not a regular file");
}

TEST_F(IoSafetensors, HeaderLengthBeyondFile) {
  const std::string p = raw("long", "{}", {}, 1000);
  EXPECT_EMBER_ERROR(load_safetensors(p),
                     p + ": header length 1000 runs past the end of the file (10 bytes)");
  const std::string huge = raw("huge", "{}", {}, uint64_t{1} << 62);
  EXPECT_EMBER_ERROR(load_safetensors(huge), "exceeds the limit");
}

TEST_F(IoSafetensors, InvalidJson) {
  const std::string p = raw("json", R"({"a": {"dtype": "F32",)", {});
  EXPECT_EMBER_ERROR(load_safetensors(p), p + ": invalid JSON header");
  EXPECT_EMBER_ERROR(load_safetensors(raw("array", "[1, 2]", {})), "header is not an object");
  EXPECT_EMBER_ERROR(load_safetensors(raw("entry", R"({"a": 3})", {})),
                     "entry 'a' is not a JSON object");
  EXPECT_EMBER_ERROR(load_safetensors(raw("meta", R"({"__metadata__": {"k": 1}})", {})),
                     "\"__metadata__\" value for 'k' is not a string");
}

TEST_F(IoSafetensors, UnknownDtype) {
  const std::string p =
      raw("dtype", R"({"a":{"dtype":"F33","shape":[1],"data_offsets":[0,4]}})", Bytes(4));
  EXPECT_EMBER_ERROR(load_safetensors(p), p + ": tensor 'a' has unknown dtype 'F33'");
  const std::string half =
      raw("half", R"({"h":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}})", Bytes(4));
  try {
    load_safetensors(half);
    ADD_FAILURE() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::NotImplemented);
    EXPECT_NE(std::string(e.what()).find("tensor 'h' has dtype F16, which Ember does not support"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(IoSafetensors, MalformedEntries) {
  EXPECT_EMBER_ERROR(
      load_safetensors(raw("noshape", R"({"a":{"dtype":"F32","data_offsets":[0,4]}})", Bytes(4))),
      "tensor 'a' has no \"shape\" array");
  EXPECT_EMBER_ERROR(
      load_safetensors(
          raw("negshape", R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", Bytes(4))),
      "tensor 'a' has an invalid shape [-1]");
  EXPECT_EMBER_ERROR(
      load_safetensors(raw("nooffsets", R"({"a":{"dtype":"F32","shape":[1]}})", Bytes(4))),
      "tensor 'a' needs \"data_offsets\" as two non-negative integers, got none");
  EXPECT_EMBER_ERROR(
      load_safetensors(
          raw("backwards", R"({"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}})", Bytes(8))),
      "data_offsets [8, 0] that end before they begin");
  EXPECT_EMBER_ERROR(load_safetensors(raw("overflow",
                                          R"({"a":{"dtype":"F64","shape":[4294967296,4294967296],)"
                                          R"("data_offsets":[0,8]}})",
                                          Bytes(8))),
                     "whose size overflows");
}

TEST_F(IoSafetensors, OffsetsDisagreeWithShape) {
  const std::string p =
      raw("size", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}})", Bytes(4));
  EXPECT_EMBER_ERROR(load_safetensors(p),
                     p + ": tensor 'a' has data_offsets [0, 4] spanning 4 bytes, but shape [2] of "
                         "F32 needs 8 bytes");
}

TEST_F(IoSafetensors, OverlappingOffsets) {
  const std::string p = raw("overlap",
                            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})",
                            Bytes(12));
  EXPECT_EMBER_ERROR(load_safetensors(p),
                     p + ": the data of tensors 'a' [0, 8] and 'b' [4, 12] overlap");
}

TEST_F(IoSafetensors, GapBetweenTensors) {
  const std::string p = raw("gap",
                            R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                            R"("b":{"dtype":"F32","shape":[2],"data_offsets":[12,20]}})",
                            Bytes(20));
  EXPECT_EMBER_ERROR(load_safetensors(p), "bytes [8, 12) of the data section belong to no tensor");
}

TEST_F(IoSafetensors, TruncatedData) {
  const std::string p =
      raw("trunc", R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", Bytes(8));
  EXPECT_EMBER_ERROR(load_safetensors(p),
                     p + ": file is truncated: tensor 'a' has data_offsets [0, 16] but only 8 "
                         "bytes of data follow the header");
  // A real file cut short.
  save(path("full"), arange(10).to(kFloat32));
  const Bytes full = read(path("full"));
  const Bytes cut(full.begin(), full.end() - 4);
  EXPECT_EMBER_ERROR(load_safetensors(write("cut", cut)), "file is truncated");
}

TEST_F(IoSafetensors, TrailingBytes) {
  const std::string p =
      raw("trail", R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}})", Bytes(12));
  EXPECT_EMBER_ERROR(load_safetensors(p),
                     "the data section holds 12 bytes but the tensors cover only 8");
}

TEST_F(IoSafetensors, BoolBytesMustBeZeroOrOne) {
  const std::string p =
      raw("bool", R"({"m":{"dtype":"BOOL","shape":[3],"data_offsets":[0,3]}})", Bytes{1, 2, 0});
  EXPECT_EMBER_ERROR(load_safetensors(p), "tensor 'm' (BOOL) holds the byte 2 at element 1");
}

}  // namespace
}  // namespace ember::io
