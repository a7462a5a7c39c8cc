// The IDX reader on small files written here, plain and gzip-compressed, and on broken ones.
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include "testing.h"

namespace ember::data {
namespace {

using ::ember::testing::values;
using Bytes = std::vector<unsigned char>;

class DataIdx : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ =
        std::filesystem::temp_directory_path() / ("ember_idx_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const Bytes& bytes) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),
               static_cast<std::streamsize>(bytes.size()));
    return path;
  }

  std::filesystem::path dir_;
};

// An IDX header: magic 0 0 type ndim, then big-endian uint32 sizes.
Bytes header(unsigned char type, std::vector<uint32_t> sizes) {
  Bytes b = {0, 0, type, static_cast<unsigned char>(sizes.size())};
  for (uint32_t s : sizes)
    for (int shift : {24, 16, 8, 0}) b.push_back(static_cast<unsigned char>(s >> shift));
  return b;
}

Bytes concat(Bytes a, const Bytes& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// Images [3, 2, 3] with pixel k = 14 k.
Bytes small_images() {
  Bytes b = header(0x08, {3, 2, 3});
  for (int k = 0; k < 18; ++k) b.push_back(static_cast<unsigned char>(14 * k));
  return b;
}

// small_images() compressed by Python's gzip.compress(data, mtime=0).
const Bytes kSmallImagesGz = {0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
                              0x63, 0x60, 0xe0, 0x60, 0x66, 0x60, 0x60, 0x00, 0x61, 0x26,
                              0x30, 0xcd, 0x27, 0xa3, 0x65, 0xe1, 0x16, 0x92, 0x54, 0x50,
                              0xd7, 0x33, 0x6b, 0xc5, 0xb6, 0x23, 0x97, 0x1e, 0xbc, 0x03,
                              0x00, 0x2b, 0xfb, 0xf2, 0x94, 0x22, 0x00, 0x00, 0x00};

std::vector<double> small_pixels() {
  std::vector<double> v;
  for (int k = 0; k < 18; ++k) v.push_back(14 * k);
  return v;
}

TEST_F(DataIdx, ReadsUnsignedBytesAsInt64) {
  Tensor t = read_idx(write("images", small_images()));
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 2, 3}));
  EXPECT_EQ(values(t), small_pixels());
}

TEST_F(DataIdx, ReadsImagesScaledToUnitRange) {
  Tensor t = read_idx_images(write("images", small_images()));
  EXPECT_EQ(t.dtype(), kFloat32);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 2, 3}));
  // torch.arange(18).mul(14).float().div(255): exact float division.
  Tensor expected = arange(18).mul(14).to(kFloat32).div(255).reshape({3, 2, 3});
  EXPECT_TRUE(t.equal(expected));
  EXPECT_FLOAT_EQ(t[0][0][1].item<float>(), 0.054901961237192154f);
  EXPECT_FLOAT_EQ(t[2][1][2].item<float>(), 238.0f / 255.0f);
}

TEST_F(DataIdx, ReadsLabels) {
  Bytes b = concat(header(0x08, {4}), {7, 0, 255, 3});
  Tensor t = read_idx_labels(write("labels", b));
  EXPECT_EQ(t.dtype(), kInt64);
  EXPECT_EQ(values(t), (std::vector<double>{7, 0, 255, 3}));
}

TEST_F(DataIdx, ReadsGzipTransparently) {
  const std::string path = write("images.gz", kSmallImagesGz);
  Tensor t = read_idx(path);
  EXPECT_EQ(t.sizes().vec(), (std::vector<int64_t>{3, 2, 3}));
  EXPECT_EQ(values(t), small_pixels());
  EXPECT_TRUE(read_idx_images(path).equal(read_idx_images(write("plain", small_images()))));
}

TEST_F(DataIdx, ReadsWiderTypesBigEndian) {
  // int32 [2]: -2 and 65536 + 2; float32 [1]: 1.5 (0x3fc00000); int16 [1]: -300 (0xfed4).
  Bytes i32 = concat(header(0x0C, {2}), {0xff, 0xff, 0xff, 0xfe, 0x00, 0x01, 0x00, 0x02});
  EXPECT_EQ(values(read_idx(write("i32", i32))), (std::vector<double>{-2, 65538}));
  Bytes f32 = concat(header(0x0D, {1, 1}), {0x3f, 0xc0, 0x00, 0x00});
  Tensor f = read_idx(write("f32", f32));
  EXPECT_EQ(f.dtype(), kFloat32);
  EXPECT_EQ(f.sizes().vec(), (std::vector<int64_t>{1, 1}));
  EXPECT_EQ(values(f), (std::vector<double>{1.5}));
  Bytes i16 = concat(header(0x0B, {1}), {0xfe, 0xd4});
  EXPECT_EQ(values(read_idx(write("i16", i16))), (std::vector<double>{-300}));
  Bytes i8 = concat(header(0x09, {2}), {0x80, 0x7f});
  EXPECT_EQ(values(read_idx(write("i8", i8))), (std::vector<double>{-128, 127}));
  Bytes f64 = concat(header(0x0E, {1}), {0xc0, 0x04, 0, 0, 0, 0, 0, 0});
  Tensor d = read_idx(write("f64", f64));
  EXPECT_EQ(d.dtype(), kFloat64);
  EXPECT_EQ(values(d), (std::vector<double>{-2.5}));
}

TEST_F(DataIdx, MissingFile) {
  const std::string path = (dir_ / "nope").string();
  EXPECT_EMBER_ERROR(read_idx(path), path + ": No such file or directory");
}

TEST_F(DataIdx, TruncatedData) {
  Bytes b = small_images();
  b.resize(b.size() - 5);
  const std::string path = write("short", b);
  EXPECT_EMBER_ERROR(read_idx(path),
                     path +
                         ": file is truncated: expected 18 bytes of data for shape [3, 2, 3] "
                         "but found only 13");
  EXPECT_EMBER_ERROR(read_idx(write("tiny", {0, 0})), "file is truncated");
  EXPECT_EMBER_ERROR(read_idx(write("dims", {0, 0, 8, 3, 0, 0})), "bytes of header");
}

TEST_F(DataIdx, ExtraData) {
  const std::string path = write("long", concat(small_images(), {1}));
  EXPECT_EMBER_ERROR(read_idx(path), "more data than its header describes");
}

TEST_F(DataIdx, BadMagic) {
  Bytes b = small_images();
  b[0] = 0x1f;
  const std::string path = write("magic", b);
  EXPECT_EMBER_ERROR(read_idx(path), path + ": bad magic number 0x1f000803");
}

TEST_F(DataIdx, UnsupportedType) {
  Bytes b = small_images();
  b[2] = 0x0A;
  const std::string path = write("type", b);
  EXPECT_EMBER_ERROR(read_idx(path), path + ": unsupported IDX data type 0x0a");
  // The image and label readers want unsigned bytes of the right rank.
  Bytes f32 = concat(header(0x0D, {1, 1, 1}), {0x3f, 0xc0, 0x00, 0x00});
  EXPECT_EMBER_ERROR(read_idx_images(write("f32", f32)), "expected unsigned byte data");
  EXPECT_EMBER_ERROR(read_idx_labels(write("img", small_images())), "expected 1 dims, got 3");
}

TEST_F(DataIdx, CorruptGzip) {
  // A flipped checksum byte in the gzip trailer.
  Bytes crc = kSmallImagesGz;
  crc[crc.size() - 8] ^= 0xff;
  const std::string crc_path = write("crc.gz", crc);
  EXPECT_EMBER_ERROR(read_idx(crc_path), crc_path + ": corrupt gzip data (incorrect data check)");
  // Garbage in the deflate stream.
  Bytes garbage = kSmallImagesGz;
  for (size_t i = 10; i < 20; ++i) garbage[i] = 0xff;
  const std::string garbage_path = write("garbage.gz", garbage);
  EXPECT_EMBER_ERROR(read_idx(garbage_path), garbage_path + ": corrupt gzip data");
  // A stream cut short.
  Bytes cut(kSmallImagesGz.begin(), kSmallImagesGz.end() - 12);
  const std::string cut_path = write("cut.gz", cut);
  EXPECT_EMBER_ERROR(read_idx(cut_path), cut_path + ": gzip stream is truncated");
}

}  // namespace
}  // namespace ember::data
