//===- IdxTest.cpp - IDX files: reading and rejecting ----------------------===//

#include "runtime/data/Idx.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <fstream>
#include <iterator>

using namespace mlir::simclr::data;

namespace {

class IdxTest : public ::testing::Test {
protected:
  void SetUp() override { ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("idx-test", dir)); }
  void TearDown() override { llvm::sys::fs::remove_directories(dir); }

  std::string write(const std::string &name, const std::string &bytes, bool gzip) {
    std::string path = (dir + "/" + name).str();
    if (gzip) {
      gzFile f = gzopen(path.c_str(), "wb");
      gzwrite(f, bytes.data(), bytes.size());
      gzclose(f);
    } else {
      std::ofstream(path, std::ios::binary) << bytes;
    }
    return path;
  }
  static std::string idx(std::vector<uint32_t> dims, size_t dataBytes, uint8_t type = 8) {
    std::string s = {0, 0, static_cast<char>(type), static_cast<char>(dims.size())};
    for (uint32_t d : dims)
      for (int shift = 24; shift >= 0; shift -= 8)
        s.push_back(static_cast<char>((d >> shift) & 0xff));
    for (size_t i = 0; i < dataBytes; ++i)
      s.push_back(static_cast<char>(i % 251));
    return s;
  }
  std::string error(const std::string &path) {
    auto array = readIdx(path);
    return array ? "" : llvm::toString(array.takeError());
  }
  llvm::SmallString<128> dir;
};

TEST_F(IdxTest, ReadsCompressedAndPlainFiles) {
  for (bool gzip : {true, false}) {
    auto array = readIdx(write("a.idx", idx({3, 2, 2}, 12), gzip));
    ASSERT_TRUE(static_cast<bool>(array)) << llvm::toString(array.takeError());
    EXPECT_EQ(array->dims, (std::vector<int64_t>{3, 2, 2}));
    ASSERT_EQ(array->values.size(), 12u);
    EXPECT_EQ(array->values[11], 11);
  }
}

TEST_F(IdxTest, RejectsMalformedFilesNamingThem) {
  std::string bad = write("magic.idx", "\x01\x02\x08\x01", true);
  EXPECT_NE(error(bad).find("magic.idx: error: not an IDX file (bad magic)"), std::string::npos);
  EXPECT_NE(error(write("float.idx", idx({4}, 16, 0x0d), true))
                .find("IDX element type 13 is not supported"),
            std::string::npos);
  EXPECT_NE(error(write("short.idx", idx({3, 2, 2}, 11), true))
                .find("holds 11 bytes of data but its dimensions need 12"),
            std::string::npos);
  EXPECT_NE(error(write("header.idx", std::string("\0\0\x08\x03\0\0", 6), true))
                .find("IDX header is truncated"),
            std::string::npos);
  std::string whole = write("whole.idx.gz", idx({100, 10, 10}, 10000), true);
  std::ifstream in(whole, std::ios::binary);
  std::string compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string truncated = write("cut.idx.gz", compressed.substr(0, 40), false);
  EXPECT_NE(error(truncated).find("cut.idx.gz: error: corrupt compressed data"), std::string::npos);
  EXPECT_NE(error((dir + "/missing.gz").str()).find("missing.gz: error: cannot open file"),
            std::string::npos);
}

TEST_F(IdxTest, ImagesAndLabelsMustAgree) {
  write("train-images-idx3-ubyte.gz", idx({5, 4, 4}, 80), true);
  write("train-labels-idx1-ubyte.gz", idx({4}, 4), true);
  auto set = readMnistStyle(dir, "train");
  ASSERT_FALSE(static_cast<bool>(set));
  EXPECT_NE(llvm::toString(set.takeError()).find("expected one label per image (5)"),
            std::string::npos);
  write("train-labels-idx1-ubyte.gz", idx({5}, 5), true);
  auto good = readMnistStyle(dir, "train");
  ASSERT_TRUE(static_cast<bool>(good)) << llvm::toString(good.takeError());
  EXPECT_EQ(good->count, 5);
  EXPECT_FLOAT_EQ(good->images[1], 1.0f / 255.0f);
}

} // namespace
