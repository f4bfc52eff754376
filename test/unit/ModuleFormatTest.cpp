//===- ModuleFormatTest.cpp - module files: written, verified, rejected ----===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/Executor.h"
#include "runtime/module/Format.h"
#include "runtime/module/Reader.h"
#include "targets/module/Writer.h"

#include "mlir/IR/MLIRContext.h"
#include "mlir/Pass/PassManager.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::simclr;

namespace {

/// The Fashion-MNIST fine-tuning example, compiled and serialised.
std::vector<uint8_t> compiledExample() {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  auto module = frontend::loadModule(SIMCLR_EXAMPLES_DIR "/fashion_mnist/finetune.yaml",
                                     context, sourceMgr);
  EXPECT_TRUE(module);
  EXPECT_TRUE(succeeded(compileTrainingStep(*module)));
  auto bytes = serializeModule(*module);
  EXPECT_TRUE(succeeded(bytes));
  return succeeded(bytes) ? *bytes : std::vector<uint8_t>();
}

std::string rejection(std::vector<uint8_t> bytes) {
  auto loaded = runtime::parseModule(std::move(bytes), "m.sclm");
  if (loaded)
    return "";
  return llvm::toString(loaded.takeError());
}

TEST(ModuleFormat, CompiledStepRoundTrips) {
  std::vector<uint8_t> bytes = compiledExample();
  ASSERT_GT(bytes.size(), runtime::kModuleHeaderBytes);
  auto loaded = runtime::parseModule(bytes, "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded)) << llvm::toString(loaded.takeError());
  const format::Module &m = loaded->root();
  EXPECT_EQ(m.version(), runtime::kModuleVersion);
  EXPECT_EQ(m.name()->str(), "fmnist_finetune");
  ASSERT_EQ(m.entry_points()->size(), 2u);
  const format::EntryPoint *step = m.entry_points()->Get(0);
  EXPECT_EQ(step->name()->str(), "train_step");
  // images, labels, step, warmup steps, total steps -> loss, accuracy, learning rate
  EXPECT_EQ(step->arguments()->size(), 5u);
  EXPECT_EQ(step->results()->size(), 3u);
  EXPECT_GT(step->arena_bytes(), 0);
  // Every kernel of every entry point (train_step, predict) is launched exactly once.
  int kernels = 0;
  for (const format::EntryPoint *entry : *m.entry_points())
    for (const format::Instruction *inst : *entry->instructions())
      if (inst->op()->str() == "simclr.kernel") {
        ASSERT_GE(inst->kernel(), 0);
        EXPECT_NE(m.kernels()->Get(inst->kernel())->ir()->str().find("\"simclr.kernel\""),
                  std::string::npos);
        EXPECT_TRUE(m.kernels()->Get(inst->kernel())->cpu_source());
        ++kernels;
      }
  EXPECT_EQ(kernels, static_cast<int>(m.kernels()->size()));
  bool found = false;
  for (const format::Variable *v : *m.variables())
    if (v->name()->str() == "conv1.weight") {
      found = true;
      EXPECT_EQ(v->kind(), format::VariableKind::Parameter);
      EXPECT_EQ(std::vector<int64_t>(v->shape()->begin(), v->shape()->end()),
                (std::vector<int64_t>{32, 1, 3, 3}));
      EXPECT_EQ(v->init()->str(), "variance_scaling");
    }
  EXPECT_TRUE(found);
}

TEST(ModuleFormat, TruncationsAreRejected) {
  // Every length within the header and the start of the payload, then every 997th byte.
  std::vector<uint8_t> bytes = compiledExample();
  ASSERT_GT(bytes.size(), runtime::kModuleHeaderBytes);
  for (size_t size = 0; size < bytes.size(); size += (size < 64 ? 1 : 997)) {
    std::vector<uint8_t> cut(bytes.begin(), bytes.begin() + size);
    EXPECT_NE(rejection(cut), "") << "truncated to " << size;
  }
  std::vector<uint8_t> longer = bytes;
  longer.push_back(0);
  EXPECT_NE(rejection(longer).find("truncated or has trailing data"), std::string::npos);
}

TEST(ModuleFormat, BitFlipsAreRejected) {
  // Every bit of the first 64 bytes, then every bit of every 211th byte.
  std::vector<uint8_t> bytes = compiledExample();
  ASSERT_GT(bytes.size(), runtime::kModuleHeaderBytes);
  int flips = 0;
  for (size_t byte = 0; byte < bytes.size(); byte += (byte < 64 ? 1 : 211))
    for (int bit = 0; bit < 8; ++bit) {
      std::vector<uint8_t> flipped = bytes;
      flipped[byte] ^= static_cast<uint8_t>(1u << bit);
      std::string message = rejection(flipped);
      EXPECT_EQ(message.rfind("m.sclm: error: ", 0), 0u) << "byte " << byte << " bit " << bit;
      ++flips;
    }
  EXPECT_GT(flips, 1000);
}

TEST(ModuleFormat, HeaderErrorsSayWhatIsWrong) {
  std::vector<uint8_t> bytes = compiledExample();
  ASSERT_GT(bytes.size(), runtime::kModuleHeaderBytes);
  EXPECT_NE(rejection({1, 2, 3}).find("shorter than the header"), std::string::npos);
  std::vector<uint8_t> magic = bytes;
  magic[0] = 'X';
  EXPECT_NE(rejection(magic).find("not a simclr module (bad magic)"), std::string::npos);
  std::vector<uint8_t> version = bytes;
  version[8] = 7;
  EXPECT_NE(rejection(version).find("module format version 7 is not supported"),
            std::string::npos);
  std::vector<uint8_t> payload = bytes;
  payload.back() ^= 1;
  EXPECT_NE(rejection(payload).find("checksum mismatch"), std::string::npos);
}

/// A small module built by hand, so that its meaning can be wrong while its bytes are
/// well-formed and its checksum right.
struct Handmade {
  int kernelIndex = 0;
  int64_t bufferOffset = 0;
  int64_t arena = 64;
  bool duplicateVariable = false;
  uint32_t tableVersion = runtime::kModuleVersion;
  int variableIndex = 0;
  std::string op = "simclr.kernel";
  int numInputs = 1;
  std::vector<int64_t> referenceShape = {4, 4};

  std::vector<uint8_t> bytes() const {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<int64_t> shape = {4, 4};
    std::vector<flatbuffers::Offset<format::Variable>> variables = {format::CreateVariableDirect(
        fbb, "w", format::VariableKind::Parameter, format::DType::F32, &shape, "head", "zeros")};
    if (duplicateVariable)
      variables.push_back(format::CreateVariableDirect(
          fbb, "w", format::VariableKind::State, format::DType::F32, &shape, "", "zeros"));
    std::vector<flatbuffers::Offset<format::Kernel>> kernels = {
        format::CreateKernelDirect(fbb, "k0", "\"simclr.kernel\"() ({}) : () -> ()")};
    std::vector<flatbuffers::Offset<format::ValueRef>> inputs;
    for (int i = 0; i < numInputs; ++i)
      inputs.push_back(format::CreateValueRefDirect(fbb, format::ValueKind::Variable,
                                                    variableIndex, 0, format::DType::F32,
                                                    &referenceShape));
    std::vector<flatbuffers::Offset<format::ValueRef>> outputs = {format::CreateValueRefDirect(
        fbb, format::ValueKind::Buffer, 0, bufferOffset, format::DType::F32, &shape)};
    std::vector<flatbuffers::Offset<format::Instruction>> instructions = {
        format::CreateInstructionDirect(fbb, op.c_str(), kernelIndex, "{}", &inputs,
                                        &outputs)};
    std::vector<flatbuffers::Offset<format::ValueRef>> none, results = {
        format::CreateValueRefDirect(fbb, format::ValueKind::Buffer, 0, bufferOffset,
                                     format::DType::F32, &shape)};
    std::vector<flatbuffers::Offset<format::EntryPoint>> entries = {
        format::CreateEntryPointDirect(fbb, "f", &none, &results, arena, &instructions)};
    auto root = format::CreateModule(fbb, tableVersion, fbb.CreateString("m"), 0,
                                     fbb.CreateVector(variables), 0, fbb.CreateVector(kernels),
                                     fbb.CreateVector(entries));
    format::FinishModuleBuffer(fbb, root);
    return runtime::wrapModulePayload({fbb.GetBufferPointer(), fbb.GetSize()});
  }
};

TEST(ModuleFormat, MeaningIsChecked) {
  EXPECT_EQ(rejection(Handmade{}.bytes()), "");
  Handmade kernel;
  kernel.kernelIndex = 3;
  EXPECT_NE(rejection(kernel.bytes()).find("instruction 0 (simclr.kernel): kernel index 3 out of range"),
            std::string::npos);
  Handmade buffer;
  buffer.bufferOffset = 32; // 64 bytes at 32 overrun the 64-byte arena
  EXPECT_NE(rejection(buffer.bytes()).find("buffer [32, 96) lies outside the arena of 64 bytes"),
            std::string::npos);
  Handmade variable;
  variable.variableIndex = 5;
  EXPECT_NE(rejection(variable.bytes()).find("variable index 5 out of range"), std::string::npos);
  Handmade duplicate;
  duplicate.duplicateVariable = true;
  EXPECT_NE(rejection(duplicate.bytes()).find("variable 'w' is declared twice"), std::string::npos);
  Handmade version;
  version.tableVersion = 9;
  EXPECT_NE(rejection(version.bytes()).find("module table says version 9"), std::string::npos);
}

/// What the CPU executor says about a module the reader accepts, or "" when it accepts it.
std::string executorRejection(const Handmade &m, size_t kernels = 1) {
  auto loaded = runtime::parseModule(m.bytes(), "m.sclm");
  if (!loaded)
    return "reader: " + llvm::toString(loaded.takeError());
  auto executor = cpu::Executor::create(
      *loaded, "f", std::vector<cpu::KernelFn>(kernels, [](const void *const *, void *const *) {}));
  return executor ? "" : llvm::toString(executor.takeError());
}

TEST(ModuleFormat, ReferencesMatchTheirDeclarations) {
  Handmade m;
  m.referenceShape = {2, 8};
  EXPECT_NE(rejection(m.bytes()).find(
                "instruction 0 (simclr.kernel): a reference to variable 0 with another shape or "
                "type than its declaration"),
            std::string::npos);
}

TEST(ModuleFormat, ExecutorChecksInstructions) {
  EXPECT_EQ(executorRejection(Handmade{}), "");
  EXPECT_EQ(executorRejection(Handmade{}, 0),
            "m.sclm: error: entry point 'f', instruction 0 (simclr.kernel): kernel 0 is not built");
  Handmade relu;
  relu.op = "simclr.relu";
  EXPECT_EQ(executorRejection(relu), "m.sclm: error: entry point 'f', instruction 0 "
                                     "(simclr.relu): 'simclr.relu' is not an instruction the CPU "
                                     "runtime runs");
  Handmade conv;
  conv.op = "simclr.conv2d";
  EXPECT_EQ(executorRejection(conv), "m.sclm: error: entry point 'f', instruction 0 "
                                     "(simclr.conv2d): has 1 inputs and 1 outputs");
  conv.numInputs = 2;
  EXPECT_EQ(executorRejection(conv), "m.sclm: error: entry point 'f', instruction 0 "
                                     "(simclr.conv2d): has no valid convolution geometry");
  Handmade matmul;
  matmul.op = "simclr.matmul";
  matmul.numInputs = 2; // [4, 4] x [4, 4] -> [4, 4]: fits
  EXPECT_EQ(executorRejection(matmul), "");
  Handmade store;
  store.op = "simclr.store"; // a store to a buffer, not a variable
  EXPECT_EQ(executorRejection(store), "m.sclm: error: entry point 'f', instruction 0 "
                                      "(simclr.store): a store must write a variable of its "
                                      "value's size");
}

} // namespace
