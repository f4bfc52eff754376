//===- SafetensorsTest.cpp - safetensors files: round trip and validation -===//

#include "runtime/Safetensors.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <gtest/gtest.h>

#include <cstring>

using namespace mlir::simclr::runtime;

namespace {

TensorMap sample() {
  TensorMap tensors;
  tensors["conv1.weight"] = Tensor::fromDoubles(DType::F32, {2, 3}, {1, -2, 3.5, 0, 7, -0.25});
  tensors["bn1.running_var"] = Tensor::fromDoubles(DType::F64, {3}, {0.1, 0.2, 0.3});
  tensors["labels"] = Tensor::fromDoubles(DType::I32, {4}, {0, 9, 3, 1});
  tensors["half"] = Tensor::fromDoubles(DType::F16, {3}, {1.5, -2.0, 65504.0});
  tensors["brain"] = Tensor::fromDoubles(DType::BF16, {2}, {1.5, -256.0});
  tensors["empty"] = Tensor::fromDoubles(DType::F32, {0, 4}, {});
  return tensors;
}

std::string errorOf(const std::string &bytes) {
  auto parsed = parseSafetensors(bytes, "x.safetensors");
  if (parsed)
    return "";
  return parsed.errorMessage();
}

/// A file with one F32 tensor "t" of shape [2] and the given header text.
std::string withHeader(const std::string &header, size_t dataBytes = 8) {
  std::string out(8, '\0');
  uint64_t length = header.size();
  std::memcpy(out.data(), &length, 8);
  return out + header + std::string(dataBytes, '\x01');
}

TEST(Safetensors, RoundTripsEveryDTypeAndMetadata) {
  std::string bytes = serializeSafetensors(sample(), {{"format", "pt"}});
  uint64_t headerBytes;
  std::memcpy(&headerBytes, bytes.data(), 8);
  EXPECT_EQ((8 + headerBytes) % 8, 0u) << "data is 8-byte aligned";
  std::map<std::string, std::string> metadata;
  auto parsed = parseSafetensors(bytes, "mem", &metadata);
  ASSERT_TRUE(static_cast<bool>(parsed)) << parsed.errorMessage();
  EXPECT_EQ(metadata["format"], "pt");
  TensorMap expected = sample();
  ASSERT_EQ(parsed->size(), expected.size());
  for (const auto &[name, tensor] : expected) {
    const Tensor &got = parsed->at(name);
    EXPECT_EQ(got.dtype, tensor.dtype) << name;
    EXPECT_EQ(got.shape, tensor.shape) << name;
    EXPECT_EQ(got.data, tensor.data) << name;
  }
  EXPECT_EQ(parsed->at("half").toDoubles(), (std::vector<double>{1.5, -2.0, 65504.0}));
  EXPECT_EQ(parsed->at("brain").toDoubles(), (std::vector<double>{1.5, -256.0}));
  EXPECT_EQ(parsed->at("labels").toDoubles(), (std::vector<double>{0, 9, 3, 1}));
}

TEST(Safetensors, WritesAtomicallyAndLeavesNoTemporaryFiles) {
  llvm::SmallString<128> dir;
  ASSERT_FALSE(llvm::sys::fs::createUniqueDirectory("safetensors-test", dir));
  llvm::SmallString<128> path(dir);
  llvm::sys::path::append(path, "model.safetensors");
  ASSERT_FALSE(static_cast<bool>(writeSafetensors(path.str().str(), sample())));
  TensorMap smaller;
  smaller["x"] = Tensor::fromDoubles(DType::F64, {1}, {42});
  ASSERT_FALSE(static_cast<bool>(writeSafetensors(path.str().str(), smaller))); // replaces the file
  auto read = readSafetensors(path.str().str());
  ASSERT_TRUE(static_cast<bool>(read)) << read.errorMessage();
  EXPECT_EQ(read->size(), 1u);
  EXPECT_EQ(read->at("x").toDoubles(), std::vector<double>{42});
  int files = 0;
  std::error_code ec;
  for (llvm::sys::fs::directory_iterator it(dir, ec), end; it != end && !ec; it.increment(ec))
    ++files;
  EXPECT_EQ(files, 1);
  llvm::sys::fs::remove_directories(dir);
}

TEST(Safetensors, WriteIntoMissingDirectoryFailsCleanly) {
  auto error = writeSafetensors("/nonexistent-dir/model.safetensors", sample());
  ASSERT_TRUE(static_cast<bool>(error));
  EXPECT_NE(error.message().find("/nonexistent-dir/model.safetensors: error:"),
            std::string::npos);
}

TEST(Safetensors, RejectsMalformedFilesWithTheFileName) {
  const std::string t = R"("t":{"dtype":"F32","shape":[2],"data_offsets":[0,8]})";
  struct Case {
    const char *what;
    std::string bytes;
    const char *message;
  } cases[] = {
      {"too short", "abc", "not a safetensors file: 3 bytes, shorter than the 8-byte header length"},
      {"header beyond file", withHeader("{" + t + "}").substr(0, 30),
       "exceeds the file (30 bytes): truncated or not a safetensors file"},
      {"not JSON", withHeader("{" + t), "header is not valid JSON"},
      {"not an object", withHeader("[1,2]", 0), "header is not a JSON object"},
      {"unknown dtype", withHeader(R"({"t":{"dtype":"F8","shape":[2],"data_offsets":[0,8]}})"),
       "tensor 't': unsupported dtype 'F8'"},
      {"negative shape",
       withHeader(R"({"t":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}})"),
       "tensor 't': shape entries must be non-negative integers"},
      {"missing offsets", withHeader(R"({"t":{"dtype":"F32","shape":[2]}})"),
       "tensor 't': 'data_offsets' must be [begin, end]"},
      {"reversed offsets",
       withHeader(R"({"t":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}})"),
       "'data_offsets' must be non-negative with begin <= end"},
      {"truncated data", withHeader("{" + t + "}", 5),
       "tensor 't': data [0, 8) lies beyond the 5 data bytes: the file is truncated"},
      {"size mismatch",
       withHeader(R"({"t":{"dtype":"F64","shape":[2],"data_offsets":[0,8]}})"),
       "tensor 't': holds 8 bytes but its dtype and shape need 16"},
      {"overlap",
       withHeader(R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},)"
                  R"("b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"),
       "tensor data overlap"},
      {"gap", withHeader(R"({"t":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})"),
       "gap in tensor data"},
      {"trailing bytes", withHeader("{" + t + "}", 12), "4 bytes after the last tensor's data"},
      {"bad metadata", withHeader(R"({"__metadata__":{"k":1},)" + t + "}"),
       "'__metadata__.k' is not a string"},
      // Byte counts that wrapped in 64 bits once passed the size check (fuzzing found
      // them: 2^62 elements x 4 bytes; 2^31 x 2^31 x 4 wraps to 0, "matching" no data).
      {"huge shape",
       withHeader(R"({"t":{"dtype":"F32","shape":[4611686018427387904],"data_offsets":[0,0]}})",
                  0),
       "tensor 't': shape is too large: its byte count does not fit in 64 bits"},
      {"wrapping shape",
       withHeader(R"({"t":{"dtype":"F32","shape":[2147483648,2147483648],"data_offsets":[0,0]}})",
                  0),
       "tensor 't': shape is too large"},
  };
  for (const Case &c : cases) {
    std::string message = errorOf(c.bytes);
    EXPECT_EQ(message.rfind("x.safetensors: error: ", 0), 0u) << c.what << ": " << message;
    EXPECT_NE(message.find(c.message), std::string::npos) << c.what << ": " << message;
  }
}

TEST(Safetensors, EveryTruncationOfAValidFileIsRejected) {
  std::string bytes = serializeSafetensors(sample());
  for (size_t size = 0; size < bytes.size(); ++size)
    EXPECT_NE(errorOf(bytes.substr(0, size)), "") << "truncated to " << size << " bytes";
}

TEST(Safetensors, BitFlipsInTheHeaderAreRejectedOrHarmless) {
  // A flipped bit in the header either makes the file invalid or still describes tensors
  // that lie inside the data with consistent sizes; it never crashes or reads out of bounds.
  std::string bytes = serializeSafetensors(sample());
  uint64_t headerBytes;
  std::memcpy(&headerBytes, bytes.data(), 8);
  int rejected = 0;
  for (size_t byte = 0; byte < 8 + headerBytes; ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      std::string flipped = bytes;
      flipped[byte] ^= static_cast<char>(1 << bit);
      auto parsed = parseSafetensors(flipped, "x");
      if (!parsed) {
        ++rejected;
        continue;
      }
      for (const auto &[name, tensor] : *parsed)
        EXPECT_EQ(static_cast<int64_t>(tensor.data.size()),
                  tensor.numElements() * static_cast<int64_t>(dtypeSize(tensor.dtype)));
    }
  EXPECT_GT(rejected, 0);
}

TEST(Safetensors, MissingFileNamesThePath) {
  auto read = readSafetensors("/nonexistent/weights.safetensors");
  ASSERT_FALSE(static_cast<bool>(read));
  EXPECT_NE(read.errorMessage()
                .find("/nonexistent/weights.safetensors: error: cannot read file"),
            std::string::npos);
}

} // namespace
