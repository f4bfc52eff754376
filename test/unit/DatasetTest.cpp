//===- DatasetTest.cpp - data sets and the batch loader --------------------===//
//
// IDX, CIFAR-10 and ImageFolder readers, good files and corrupt ones; JPEG decoding against
// the images encoded; evaluation views; label lists by name; the loader's batches against
// ones made in order without threads.
//
//===----------------------------------------------------------------------===//

#include "runtime/data/Dataset.h"
#include "runtime/data/Idx.h"
#include "runtime/data/Loader.h"
#include "runtime/data/Subsets.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdio>
#include <jpeglib.h>

#include <fstream>
#include <iterator>

using namespace mlir::simclr::data;

namespace {

class DatasetTest : public ::testing::Test {
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
    return array ? "" : array.errorMessage();
  }
  llvm::SmallString<128> dir;
};

TEST_F(DatasetTest, ReadsCompressedAndPlainFiles) {
  for (bool gzip : {true, false}) {
    auto array = readIdx(write("a.idx", idx({3, 2, 2}, 12), gzip));
    ASSERT_TRUE(static_cast<bool>(array)) << array.errorMessage();
    EXPECT_EQ(array->dims, (std::vector<int64_t>{3, 2, 2}));
    ASSERT_EQ(array->values.size(), 12u);
    EXPECT_EQ(array->values[11], 11);
  }
}

TEST_F(DatasetTest, RejectsMalformedFilesNamingThem) {
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
  // Dimensions whose product wrapped in 64 bits (2^32 - 1 four times), and a dimension of
  // 0 (an image of no pixels, which crashed the crop): fuzzing found both.
  EXPECT_NE(error(write("huge.idx", idx({0xffffffffu, 0xffffffffu, 0xffffffffu, 0xffffffffu}, 16),
                        false))
                .find("huge.idx: error: holds 16 bytes of data but its dimensions need more "
                      "than 2^63"),
            std::string::npos);
  EXPECT_NE(error(write("empty.idx", idx({3, 0, 2}, 0), false))
                .find("empty.idx: error: IDX dimension 1 is 0"),
            std::string::npos);
  // A gzip file stops being read at the limit of what it may decompress to.
  auto bomb = readIdx(write("bomb.idx.gz", idx({1000, 10, 10}, 100000), true), 65536);
  ASSERT_FALSE(static_cast<bool>(bomb));
  EXPECT_NE(bomb.errorMessage().find("bomb.idx.gz: error: holds more than 65536 bytes "
                                     "(decompressed), the limit for an IDX file"),
            std::string::npos)
      << bomb.errorMessage();
  std::string whole = write("whole.idx.gz", idx({100, 10, 10}, 10000), true);
  std::ifstream in(whole, std::ios::binary);
  std::string compressed((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::string truncated = write("cut.idx.gz", compressed.substr(0, 40), false);
  EXPECT_NE(error(truncated).find("cut.idx.gz: error: corrupt compressed data"), std::string::npos);
  EXPECT_NE(error((dir + "/missing.gz").str()).find("missing.gz: error: cannot open file"),
            std::string::npos);
}

TEST_F(DatasetTest, ImagesAndLabelsMustAgree) {
  write("train-images-idx3-ubyte.gz", idx({5, 4, 4}, 80), true);
  write("train-labels-idx1-ubyte.gz", idx({4}, 4), true);
  auto set = openDataset(dir.str().str(), Split::Train, 1);
  ASSERT_FALSE(static_cast<bool>(set));
  EXPECT_NE(set.errorMessage().find("expected one label per image (5)"),
            std::string::npos);
  write("train-labels-idx1-ubyte.gz", idx({5}, 5), true);
  auto good = openDataset(dir.str().str(), Split::Train, 1);
  ASSERT_TRUE(static_cast<bool>(good)) << good.errorMessage();
  EXPECT_EQ((*good)->size(), 5);
  EXPECT_EQ((*good)->imageHeight(), 4);
  auto image = (*good)->image(0);
  ASSERT_TRUE(static_cast<bool>(image));
  EXPECT_FLOAT_EQ(image->pixels[1], 1.0f / 255.0f);
  EXPECT_EQ((*good)->labels()[4], 4);
  // Plain (not gzip) files are read too; the test split is t10k-.
  write("t10k-images-idx3-ubyte", idx({2, 4, 4}, 32), false);
  write("t10k-labels-idx1-ubyte", idx({2}, 2), false);
  auto test = openDataset(dir.str().str(), Split::Test, 1);
  ASSERT_TRUE(static_cast<bool>(test)) << test.errorMessage();
  EXPECT_EQ((*test)->size(), 2);
  auto rgb = openDataset(dir.str().str(), Split::Train, 3);
  ASSERT_FALSE(static_cast<bool>(rgb));
  EXPECT_NE(rgb.errorMessage().find("the images have 1 channel(s), the network takes 3"),
            std::string::npos);
}

std::string errorOf(const mlir::simclr::runtime::Expected<std::unique_ptr<Dataset>> &set) {
  return set ? "" : set.errorMessage();
}

TEST_F(DatasetTest, RecognisesNoLayoutNamingTheDirectory) {
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 1)).find("error: not a data set"),
            std::string::npos);
  EXPECT_NE(errorOf(openDataset((dir + "/nowhere").str(), Split::Train, 1))
                .find("nowhere: error: no such directory"),
            std::string::npos);
}

/// A CIFAR-10 record: label, then 3 x 32 x 32 bytes (channel planes).
std::string cifarRecords(int count, int firstLabel) {
  std::string bytes;
  for (int r = 0; r < count; ++r) {
    bytes.push_back(char((firstLabel + r) % 10));
    for (int p = 0; p < 3 * 32 * 32; ++p)
      bytes.push_back(char((r * 7 + p) % 256));
  }
  return bytes;
}

TEST_F(DatasetTest, ReadsCifar10Batches) {
  std::string batches = (dir + "/cifar-10-batches-bin").str();
  ASSERT_FALSE(llvm::sys::fs::create_directory(batches));
  for (int b = 1; b <= 5; ++b)
    write("cifar-10-batches-bin/data_batch_" + std::to_string(b) + ".bin",
          cifarRecords(3, b), false);
  write("cifar-10-batches-bin/test_batch.bin", cifarRecords(4, 0), false);
  auto train = openDataset(dir.str().str(), Split::Train, 3);
  ASSERT_TRUE(static_cast<bool>(train)) << train.errorMessage();
  EXPECT_EQ((*train)->size(), 15);
  EXPECT_EQ((*train)->channels(), 3);
  EXPECT_EQ((*train)->imageWidth(), 32);
  EXPECT_EQ((*train)->labels()[3], 2); // batch 2, record 0
  EXPECT_EQ((*train)->classNames()[9], "truck");
  auto image = (*train)->image(4); // batch 2, record 1
  ASSERT_TRUE(static_cast<bool>(image));
  // Record 1: byte p is (7 + p) % 256; green plane starts at p = 1024.
  EXPECT_FLOAT_EQ(image->at(1, 0, 0), float((7 + 1024) % 256) / 255.0f);
  EXPECT_FLOAT_EQ(image->at(2, 31, 31), float((7 + 3071) % 256) / 255.0f);
  auto test = openDataset(dir.str().str(), Split::Test, 3);
  ASSERT_TRUE(static_cast<bool>(test));
  EXPECT_EQ((*test)->size(), 4);
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 1))
                .find("the images have 3 channel(s), the network takes 1"),
            std::string::npos);
  // A torn batch and a label outside 0-9 name the file.
  write("cifar-10-batches-bin/data_batch_3.bin", cifarRecords(3, 0).substr(0, 5000), false);
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 3))
                .find("data_batch_3.bin: error: holds 5000 bytes, not a whole number of "
                      "CIFAR-10 records"),
            std::string::npos);
  std::string badLabel = cifarRecords(3, 0);
  badLabel[3073] = 12;
  write("cifar-10-batches-bin/data_batch_3.bin", badLabel, false);
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 3))
                .find("data_batch_3.bin: error: record 1 has label 12"),
            std::string::npos);
  write("cifar-10-batches-bin/data_batch_3.bin", cifarRecords(3, 0), false);
  llvm::sys::fs::remove(batches + "/data_batch_5.bin");
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 3)).find("data_batch_5.bin: error:"),
            std::string::npos);
}

/// Writes `pixels` (H x W x C bytes) as a JPEG of the given quality.
void writeJpeg(const std::string &path, const std::vector<uint8_t> &pixels, int height, int width,
               int channels, int quality) {
  jpeg_compress_struct info;
  jpeg_error_mgr errors;
  info.err = jpeg_std_error(&errors);
  jpeg_create_compress(&info);
  FILE *file = std::fopen(path.c_str(), "wb");
  ASSERT_NE(file, nullptr);
  jpeg_stdio_dest(&info, file);
  info.image_width = width;
  info.image_height = height;
  info.input_components = channels;
  info.in_color_space = channels == 1 ? JCS_GRAYSCALE : channels == 4 ? JCS_CMYK : JCS_RGB;
  jpeg_set_defaults(&info); // CMYK: stored as CMYK, with an Adobe marker
  jpeg_set_quality(&info, quality, TRUE);
  if (quality == 100) { // no chroma subsampling: every pixel comes back close
    for (int c = 0; c < info.num_components; ++c)
      info.comp_info[c].h_samp_factor = info.comp_info[c].v_samp_factor = 1;
  }
  jpeg_start_compress(&info, TRUE);
  for (int y = 0; y < height; ++y) {
    JSAMPROW row = const_cast<uint8_t *>(pixels.data()) + size_t(y) * width * channels;
    jpeg_write_scanlines(&info, &row, 1);
  }
  jpeg_finish_compress(&info);
  jpeg_destroy_compress(&info);
  std::fclose(file);
}

/// A smooth RGB test picture: red rises left to right, green top to bottom, blue constant.
std::vector<uint8_t> gradient(int height, int width, uint8_t blue) {
  std::vector<uint8_t> pixels;
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      pixels.insert(pixels.end(), {uint8_t(x * 255 / (width - 1)),
                                   uint8_t(y * 255 / (height - 1)), blue});
  return pixels;
}

TEST_F(DatasetTest, DecodesJpegsToTheChannelsAsked) {
  std::string path = (dir + "/g.jpg").str();
  writeJpeg(path, gradient(24, 40, 60), 24, 40, 3, 100);
  auto rgb = decodeJpeg(path, 3);
  ASSERT_TRUE(static_cast<bool>(rgb)) << rgb.errorMessage();
  ASSERT_EQ(rgb->height, 24);
  ASSERT_EQ(rgb->width, 40);
  double worst = 0;
  for (int y = 0; y < 24; ++y)
    for (int x = 0; x < 40; ++x) {
      worst = std::max(worst, std::abs(rgb->at(0, y, x) - (x * 255 / 39) / 255.0));
      worst = std::max(worst, std::abs(rgb->at(1, y, x) - (y * 255 / 23) / 255.0));
      worst = std::max(worst, std::abs(rgb->at(2, y, x) - 60 / 255.0));
    }
  EXPECT_LT(worst, 4 / 255.0); // quality 100, no subsampling: within a few levels
  auto gray = decodeJpeg(path, 1);
  ASSERT_TRUE(static_cast<bool>(gray));
  ASSERT_EQ(gray->channels, 1);
  // libjpeg's gray is the luma (0.299 R + 0.587 G + 0.114 B).
  EXPECT_NEAR(gray->at(0, 12, 20), 0.299 * rgb->at(0, 12, 20) + 0.587 * rgb->at(1, 12, 20) +
                                       0.114 * rgb->at(2, 12, 20),
              2 / 255.0);
}

TEST_F(DatasetTest, DecodesCmykJpegsAsPilDoes) {
  // Adobe's CMYK, as photo tools write it: 255 is no ink. Cyan 20%, magenta 60%, yellow
  // 0%, black 50%: RGB (1 - C)(1 - K) = (0.4, 0.2, 0.5); gray 0.299 R + 0.587 G + 0.114 B.
  std::string path = (dir + "/cmyk.jpg").str();
  std::vector<uint8_t> ink = {uint8_t(255 - 51), uint8_t(255 - 153), 255, uint8_t(255 - 128)};
  std::vector<uint8_t> pixels;
  for (int i = 0; i < 8 * 8; ++i)
    pixels.insert(pixels.end(), ink.begin(), ink.end());
  writeJpeg(path, pixels, 8, 8, 4, 100);
  auto rgb = decodeJpeg(path, 3);
  ASSERT_TRUE(static_cast<bool>(rgb)) << rgb.errorMessage();
  ASSERT_EQ(rgb->channels, 3);
  double k = 127.0 / 255, expected[3] = {204.0 / 255 * k, 102.0 / 255 * k, 1.0 * k};
  for (int c = 0; c < 3; ++c)
    EXPECT_NEAR(rgb->at(c, 4, 4), expected[c], 3.0 / 255) << "channel " << c;
  auto gray = decodeJpeg(path, 1);
  ASSERT_TRUE(static_cast<bool>(gray)) << gray.errorMessage();
  EXPECT_NEAR(gray->at(0, 4, 4), 0.299 * expected[0] + 0.587 * expected[1] + 0.114 * expected[2],
              3.0 / 255);
}

TEST_F(DatasetTest, CorruptJpegsAreErrorsNamingTheFile) {
  std::string path = (dir + "/whole.jpg").str();
  writeJpeg(path, gradient(32, 32, 0), 32, 32, 3, 90);
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  auto errorOfJpeg = [](const std::string &file) {
    auto image = decodeJpeg(file, 3);
    return image ? "" : image.errorMessage();
  };
  // Cut short: libjpeg only warns (and would fill gray); it is an error here.
  std::string cut = write("cut.jpg", bytes.substr(0, bytes.size() / 2), false);
  EXPECT_NE(errorOfJpeg(cut).find("cut.jpg: error: not a valid JPEG"), std::string::npos)
      << errorOfJpeg(cut);
  std::string text = write("text.jpg", "not a picture at all", false);
  EXPECT_NE(errorOfJpeg(text).find("text.jpg: error: not a valid JPEG"), std::string::npos);
  EXPECT_NE(errorOfJpeg((dir + "/none.jpg").str()).find("none.jpg: error:"), std::string::npos);
  // A small file whose header claims 32769 x 65284 pixels (its frame header patched) is
  // refused before anything is allocated for it, unless the limit allows it.
  std::string claimed = (dir + "/claims.jpg").str();
  {
    std::ifstream in(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    size_t frame = bytes.find("\xff\xc0");
    ASSERT_NE(frame, std::string::npos);
    bytes[frame + 5] = char(0x80), bytes[frame + 6] = char(0x01); // height 32769
    bytes[frame + 7] = char(0xff), bytes[frame + 8] = char(0x04); // width 65284
    std::ofstream(claimed, std::ios::binary) << bytes;
  }
  EXPECT_NE(errorOfJpeg(claimed).find("claims.jpg: error: the JPEG claims 65284 x 32769 pixels, "
                                      "more than the limit of 100000000 (--max-image-pixels "
                                      "raises it)"),
            std::string::npos)
      << errorOfJpeg(claimed);
  auto small = decodeJpeg(path, 3, 32 * 32 - 1);
  ASSERT_FALSE(static_cast<bool>(small));
  EXPECT_NE(small.errorMessage().find("32 x 32 pixels, more than the limit of 1023"),
            std::string::npos);
  EXPECT_TRUE(static_cast<bool>(decodeJpeg(path, 3, 32 * 32)));
}

TEST_F(DatasetTest, ReadsImageFolderTrees) {
  auto mkdir = [&](const std::string &sub) {
    ASSERT_FALSE(llvm::sys::fs::create_directories((dir + "/" + sub).str()));
  };
  for (const char *sub : {"train/cat", "train/dog/more", "val/dog"})
    mkdir(sub);
  writeJpeg((dir + "/train/dog/b.jpg").str(), gradient(20, 30, 200), 20, 30, 3, 95);
  writeJpeg((dir + "/train/dog/more/a.JPEG").str(), gradient(16, 16, 100), 16, 16, 3, 95);
  writeJpeg((dir + "/train/cat/c.jpeg").str(), gradient(40, 20, 0), 40, 20, 3, 95);
  writeJpeg((dir + "/val/dog/v.jpg").str(), gradient(64, 64, 0), 64, 64, 3, 95);
  write("train/cat/notes.txt", "skipped", false);
  auto train = openDataset(dir.str().str(), Split::Train, 3);
  ASSERT_TRUE(static_cast<bool>(train)) << train.errorMessage();
  // Classes sorted (cat 0, dog 1); images sorted by path within a class.
  EXPECT_EQ((*train)->classNames(), (std::vector<std::string>{"cat", "dog"}));
  EXPECT_EQ((*train)->names(), (std::vector<std::string>{"cat/c.jpeg", "dog/b.jpg",
                                                         "dog/more/a.JPEG"}));
  EXPECT_EQ((*train)->labels(), (std::vector<int32_t>{0, 1, 1}));
  EXPECT_EQ((*train)->imageHeight(), 0); // each image its own size
  EXPECT_NE((*train)->location().find("1 files that are not JPEG skipped"), std::string::npos);
  auto image = (*train)->image(1);
  ASSERT_TRUE(static_cast<bool>(image));
  EXPECT_EQ(image->height, 20);
  EXPECT_EQ(image->width, 30);
  auto test = openDataset(dir.str().str(), Split::Test, 1);
  ASSERT_TRUE(static_cast<bool>(test)) << test.errorMessage();
  EXPECT_EQ((*test)->labels(), (std::vector<int32_t>{1}));
  auto gray = (*test)->image(0);
  ASSERT_TRUE(static_cast<bool>(gray));
  EXPECT_EQ(gray->channels, 1);
  // Labels by name: the path under train/, or the file name alone.
  std::string list = write("labels.txt", "# two images\ndog/b.jpg\nc.jpeg\n", false);
  auto subset = subsetFromFile(list, (*train)->size(), (*train)->names());
  ASSERT_TRUE(static_cast<bool>(subset)) << subset.errorMessage();
  EXPECT_EQ(*subset, (std::vector<int64_t>{0, 1}));
  std::string unknown = write("unknown.txt", "dog/b.jpg\nhorse/h.jpg\n", false);
  auto bad = subsetFromFile(unknown, (*train)->size(), (*train)->names());
  ASSERT_FALSE(static_cast<bool>(bad));
  EXPECT_NE(bad.errorMessage().find("unknown.txt:2: error: no image is named "
                                                 "'horse/h.jpg'"),
            std::string::npos);
  // A test class the training split lacks, a class with no images, a corrupt image.
  mkdir("val/horse");
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Test, 3))
                .find("val/horse: error: class 'horse' is not one of the training classes"),
            std::string::npos);
  mkdir("train/emu");
  EXPECT_NE(errorOf(openDataset(dir.str().str(), Split::Train, 3))
                .find("train/emu: error: no JPEG images in class 'emu'"),
            std::string::npos);
  llvm::sys::fs::remove((dir + "/train/emu").str());
  write("train/cat/c.jpeg", "garbage", false);
  auto again = openDataset(dir.str().str(), Split::Train, 3);
  ASSERT_TRUE(static_cast<bool>(again));
  auto corrupt = (*again)->image(0);
  ASSERT_FALSE(static_cast<bool>(corrupt));
  EXPECT_NE(corrupt.errorMessage().find("train/cat/c.jpeg: error: not a valid JPEG"),
            std::string::npos);
}

TEST_F(DatasetTest, FollowsEachFolderOnceThroughLinks) {
  // Links back up the tree, twice in one class: followed blindly, the listing would be
  // 2^40 paths long (until the kernel's limit on links in a path).
  for (const char *sub : {"train/cat/sub", "train/dog"})
    ASSERT_FALSE(llvm::sys::fs::create_directories((dir + "/" + sub).str()));
  writeJpeg((dir + "/train/cat/a.jpg").str(), gradient(8, 8, 0), 8, 8, 3, 95);
  writeJpeg((dir + "/train/dog/b.jpg").str(), gradient(8, 8, 50), 8, 8, 3, 95);
  ASSERT_FALSE(llvm::sys::fs::create_link(".", (dir + "/train/cat/self").str()));
  ASSERT_FALSE(llvm::sys::fs::create_link("..", (dir + "/train/cat/sub/up").str()));
  // A second class that is a link to the first: its images are listed once, under cat.
  ASSERT_FALSE(llvm::sys::fs::create_link("cat", (dir + "/train/kitten").str()));
  auto train = openDataset(dir.str().str(), Split::Train, 3);
  ASSERT_TRUE(static_cast<bool>(train)) << train.errorMessage();
  EXPECT_EQ((*train)->names(), (std::vector<std::string>{"cat/a.jpg", "dog/b.jpg"}));
  EXPECT_EQ((*train)->labels(), (std::vector<int32_t>{0, 1}));
}

TEST(EvaluationView, CentreCropsOtherSizes) {
  Image same{1, 8, 8, std::vector<float>(64, 0.5f)};
  EXPECT_EQ(evaluationView(same, 8, 8).pixels, same.pixels);
  // 16 x 32, value = column: the centre crop for 8 x 8 spans 0.875 * 16 = 14 columns
  // around the middle, so the view's mean is the middle column's value.
  Image wide{1, 16, 32, std::vector<float>(16 * 32)};
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 32; ++x)
      wide.at(0, y, x) = float(x);
  Image view = evaluationView(wide, 8, 8);
  ASSERT_EQ(view.height, 8);
  double mean = 0;
  for (float v : view.pixels)
    mean += v / 64;
  EXPECT_NEAR(mean, 15.5, 1e-4);
  EXPECT_GT(view.at(0, 0, 0), 9.0f); // the crop starts at column 9
  EXPECT_LT(view.at(0, 0, 7), 23.0f);
}

/// The loader's batches, with any number of threads, are those made one by one in order.
TEST(BatchLoader, BatchesDoNotDependOnThreads) {
  std::vector<int64_t> images(37);
  for (int64_t i = 0; i < 37; ++i)
    images[i] = i;
  auto make = [](Batch &batch) {
    for (int64_t index : batch.indices)
      batch.images.push_back(float(index * 1000 + batch.step));
    if (batch.step == 11)
      batch.error = "step 11 failed";
  };
  auto collect = [&](unsigned workers, int64_t first, int64_t end) {
    EpochSampler sampler(images, 5);
    std::vector<std::vector<float>> out;
    std::vector<std::pair<uint64_t, uint64_t>> positions;
    BatchLoader loader(sampler, 8, first, end, workers, make);
    for (int64_t s = first; s < end; ++s) {
      auto batch = loader.next();
      if (!batch) {
        out.push_back({-1.0f});
        continue;
      }
      EXPECT_EQ(batch->step, s);
      out.push_back(batch->images);
      positions.push_back({batch->samplerEpoch, batch->samplerOffset});
    }
    return std::make_pair(out, positions);
  };
  auto serial = collect(0, 0, 10);
  for (unsigned workers : {1u, 3u})
    EXPECT_EQ(collect(workers, 0, 10), serial);
  // After 10 batches of 8 from 37 images: epoch 2, offset 80 - 74 = 6.
  EXPECT_EQ(serial.second.back(), (std::pair<uint64_t, uint64_t>{2, 6}));
  // A worker's failure is that step's error, and the loader goes on.
  auto failing = collect(2, 10, 13);
  EXPECT_EQ(failing.first[1], std::vector<float>{-1.0f});
  EXPECT_EQ(failing.first[2].size(), 8u);
}

} // namespace
