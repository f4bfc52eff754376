//===- ModuleFormatTest.cpp - module files: written, verified, rejected ----===//

#include "frontend/LoadModule.h"
#include "passes/Passes.h"
#include "runtime/cpu/CpuDevice.h"
#include "runtime/exec/Schedule.h"
#include "runtime/module/Format.h"
#include "runtime/module/Reader.h"
#include "targets/module/Writer.h"

#include "mlir/IR/MLIRContext.h"

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
  return loaded.errorMessage();
}

TEST(ModuleFormat, CompiledStepRoundTrips) {
  std::vector<uint8_t> bytes = compiledExample();
  ASSERT_GT(bytes.size(), runtime::kModuleHeaderBytes);
  auto loaded = runtime::parseModule(bytes, "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
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
      if (inst->op() == format::Op::Kernel) {
        ASSERT_GE(inst->kernel(), 0);
        const format::Kernel *kernel = m.kernels()->Get(inst->kernel());
        EXPECT_NE(kernel->ir()->str().find("\"simclr.kernel\""), std::string::npos);
        // The CPU target's code, a function named like the kernel.
        ASSERT_TRUE(kernel->sources() && kernel->sources()->size() == 1);
        EXPECT_EQ(kernel->sources()->Get(0)->target(), format::Target::Cpu);
        EXPECT_NE(kernel->sources()->Get(0)->code()->str().find(
                      "extern \"C\" void " + kernel->name()->str() + "("),
                  std::string::npos);
        ++kernels;
      }
  EXPECT_EQ(kernels, static_cast<int>(m.kernels()->size()));
  EXPECT_FALSE(m.kernel_binaries()); // machine code: none for the CPU target
  // Roles follow the groups: the model's own, the optimizer's velocities.
  std::map<std::string, const format::Variable *> byName;
  for (const format::Variable *v : *m.variables())
    byName[v->name()->str()] = v;
  ASSERT_TRUE(byName.count("conv1.weight") && byName.count("velocity.conv1.weight") &&
              byName.count("bn1.running_mean") && byName.count("fc.weight"));
  const format::Variable *w = byName["conv1.weight"];
  EXPECT_EQ(w->kind(), format::VariableKind::Parameter);
  EXPECT_EQ(w->role(), format::VariableRole::Model);
  EXPECT_EQ(std::vector<int64_t>(w->shape()->begin(), w->shape()->end()),
            (std::vector<int64_t>{32, 1, 3, 3}));
  EXPECT_EQ(w->init()->str(), "variance_scaling");
  EXPECT_EQ(byName["velocity.conv1.weight"]->role(), format::VariableRole::Optimizer);
  EXPECT_EQ(byName["velocity.conv1.weight"]->group()->str(), "optimizer");
  EXPECT_EQ(byName["bn1.running_mean"]->kind(), format::VariableKind::State);
  EXPECT_EQ(byName["bn1.running_mean"]->role(), format::VariableRole::Model);
  EXPECT_EQ(byName["bn1.running_mean"]->group()->str(), "backbone");
  EXPECT_EQ(byName["fc.weight"]->group()->str(), "classifier");
}

// A distillation module marks the teacher's variables, parameters and statistics alike.
TEST(ModuleFormat, TeacherVariablesHaveTheirRole) {
  MLIRContext context;
  llvm::SourceMgr sourceMgr;
  auto module = frontend::loadModule(SIMCLR_EXAMPLES_DIR "/fashion_mnist/distill.yaml", context,
                                     sourceMgr);
  ASSERT_TRUE(module);
  ASSERT_TRUE(succeeded(compileTrainingStep(*module)));
  auto bytes = serializeModule(*module);
  ASSERT_TRUE(succeeded(bytes));
  auto loaded = runtime::parseModule(*bytes, "d.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  int teacher = 0;
  for (const format::Variable *v : *loaded->root().variables()) {
    bool named = llvm::StringRef(v->name()->str()).starts_with("teacher.");
    EXPECT_EQ(v->role() == format::VariableRole::Teacher, named) << v->name()->str();
    teacher += named;
  }
  EXPECT_GT(teacher, 20);
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
  // A module of the previous format (string ops, one CPU source per kernel) is refused
  // with what to do about it.
  std::vector<uint8_t> old = bytes;
  old[8] = 2;
  EXPECT_EQ(rejection(old), "m.sclm: error: module format version 2 is not supported (this "
                            "runtime reads version 3); compile the description again with "
                            "this simclrc");
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
  format::Op op = format::Op::Kernel;
  format::VariableRole role = format::VariableRole::Model;
  int numInputs = 1;
  std::vector<int64_t> referenceShape = {4, 4};
  std::string replicas; ///< the `replicas` metadata ("": none)
  std::vector<int64_t> outputShape = {4, 4};
  std::vector<int64_t> argumentShape; ///< the entry point's one argument ({}: none)
  int argumentIndex = 0;              ///< the index that argument's reference holds

  std::vector<uint8_t> bytes() const {
    flatbuffers::FlatBufferBuilder fbb;
    std::vector<int64_t> shape = {4, 4};
    std::vector<flatbuffers::Offset<format::Variable>> variables = {
        format::CreateVariableDirect(fbb, "w", format::VariableKind::Parameter, role,
                                     format::DType::F32, &shape, "head", "zeros")};
    if (duplicateVariable)
      variables.push_back(format::CreateVariableDirect(fbb, "w", format::VariableKind::State,
                                                       format::VariableRole::Model,
                                                       format::DType::F32, &shape, "", "zeros"));
    std::vector<flatbuffers::Offset<format::Kernel>> kernels = {
        format::CreateKernelDirect(fbb, "k0", "\"simclr.kernel\"() ({}) : () -> ()")};
    std::vector<flatbuffers::Offset<format::ValueRef>> inputs;
    for (int i = 0; i < numInputs; ++i)
      inputs.push_back(format::CreateValueRefDirect(fbb, format::ValueKind::Variable,
                                                    variableIndex, 0, format::DType::F32,
                                                    &referenceShape));
    std::vector<flatbuffers::Offset<format::ValueRef>> outputs = {format::CreateValueRefDirect(
        fbb, format::ValueKind::Buffer, 0, bufferOffset, format::DType::F32, &outputShape)};
    std::vector<flatbuffers::Offset<format::Instruction>> instructions = {
        format::CreateInstructionDirect(fbb, op, kernelIndex, "{}", &inputs, &outputs)};
    std::vector<flatbuffers::Offset<format::ValueRef>> arguments;
    if (!argumentShape.empty())
      arguments.push_back(format::CreateValueRefDirect(fbb, format::ValueKind::Argument,
                                                       argumentIndex, 0, format::DType::F32,
                                                       &argumentShape));
    std::vector<flatbuffers::Offset<format::ValueRef>> results = {
        format::CreateValueRefDirect(fbb, format::ValueKind::Buffer, 0, bufferOffset,
                                     format::DType::F32, &shape)};
    std::vector<flatbuffers::Offset<format::EntryPoint>> entries = {
        format::CreateEntryPointDirect(fbb, "f", &arguments, &results, arena, &instructions)};
    std::vector<flatbuffers::Offset<format::KeyValue>> metadata;
    if (!replicas.empty())
      metadata.push_back(format::CreateKeyValueDirect(fbb, "replicas", replicas.c_str()));
    auto root = format::CreateModule(
        fbb, tableVersion, fbb.CreateString("m"),
        metadata.empty() ? 0 : fbb.CreateVectorOfSortedTables(&metadata),
        fbb.CreateVector(variables), 0, fbb.CreateVector(kernels), 0,
        fbb.CreateVector(entries));
    format::FinishModuleBuffer(fbb, root);
    return runtime::wrapModulePayload(fbb.GetBufferPointer(), fbb.GetSize());
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
  // Enums the FlatBuffers verifier lets through.
  Handmade op;
  op.op = static_cast<format::Op>(42);
  EXPECT_NE(rejection(op.bytes()).find("entry point 'f', instruction 0: unknown op 42"),
            std::string::npos);
  Handmade role;
  role.role = static_cast<format::VariableRole>(9);
  EXPECT_NE(rejection(role.bytes()).find("variable 'w' has an unknown kind, role or element type"),
            std::string::npos);
}

/// What the schedule's checks say about a module the reader accepts, or "" when they
/// accept it.
std::string scheduleRejection(const Handmade &m) {
  auto loaded = runtime::parseModule(m.bytes(), "m.sclm");
  if (!loaded)
    return "reader: " + loaded.errorMessage();
  auto schedule = runtime::Schedule::create(*loaded, "f");
  return schedule ? "" : schedule.errorMessage();
}

TEST(ModuleFormat, ReferencesMatchTheirDeclarations) {
  Handmade m;
  m.referenceShape = {2, 8};
  EXPECT_NE(rejection(m.bytes()).find(
                "instruction 0 (simclr.kernel): a reference to variable 0 with another shape or "
                "type than its declaration"),
            std::string::npos);
}

TEST(ModuleFormat, ScheduleChecksInstructions) {
  EXPECT_EQ(scheduleRejection(Handmade{}), "");
  Handmade conv;
  conv.op = format::Op::Conv2D;
  EXPECT_EQ(scheduleRejection(conv), "m.sclm: error: entry point 'f', instruction 0 "
                                     "(simclr.conv2d): has 1 inputs and 1 outputs");
  conv.numInputs = 2;
  EXPECT_EQ(scheduleRejection(conv), "m.sclm: error: entry point 'f', instruction 0 "
                                     "(simclr.conv2d): has no valid convolution geometry");
  Handmade matmul;
  matmul.op = format::Op::Matmul;
  matmul.numInputs = 2; // [4, 4] x [4, 4] -> [4, 4]: fits
  EXPECT_EQ(scheduleRejection(matmul), "");
  Handmade dense;
  dense.op = format::Op::Dense;
  dense.numInputs = 2;
  dense.referenceShape = {4, 4};
  EXPECT_EQ(scheduleRejection(dense), ""); // [4, 4] x [4, 4]^T -> [4, 4]
  Handmade store;
  store.op = format::Op::Store; // a store to a buffer, not a variable
  EXPECT_EQ(scheduleRejection(store), "m.sclm: error: entry point 'f', instruction 0 "
                                      "(simclr.store): a store must write a variable of its "
                                      "value's size");
  auto loaded = runtime::parseModule(Handmade{}.bytes(), "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
  EXPECT_EQ(runtime::Schedule::create(*loaded, "g").errorMessage(),
            "m.sclm: error: no entry point 'g'");
}

// Sizes that overflowed once (fuzzing found them): a value whose extents multiply past
// 64 bits, a buffer whose offset plus size wrapped past the arena's end.
TEST(ModuleFormat, SizesThatWouldOverflowAreRefused) {
  Handmade huge;
  huge.outputShape = {int64_t(1) << 40, int64_t(1) << 40, int64_t(1) << 40};
  EXPECT_NE(rejection(huge.bytes()).find("extents whose product is too large"),
            std::string::npos)
      << rejection(huge.bytes());
  Handmade big; // 2^38 floats of 8 bytes each would be 2 TiB: over the limit too
  big.outputShape = {int64_t(1) << 38};
  EXPECT_NE(rejection(big.bytes()).find("extents whose product is too large"),
            std::string::npos);
  // An entry point's argument, which no instruction need reference: its shape is
  // checked as every other value's (the module target found 16 x 3539893303031889928
  // wrapping in the schedule, 2026-12-02).
  Handmade argument;
  argument.argumentShape = {16, 3539893303031889928};
  EXPECT_EQ(rejection(argument.bytes()),
            "m.sclm: error: entry point 'f': argument 0 has 2 extents whose product is too "
            "large (more than 1099511627776 bytes)");
  argument.argumentShape = {16, -3};
  EXPECT_EQ(rejection(argument.bytes()),
            "m.sclm: error: entry point 'f': argument 0 has an invalid extent -3");
  argument.argumentShape = {2, 3};
  EXPECT_EQ(rejection(argument.bytes()), "");
  argument.argumentIndex = 1;
  EXPECT_EQ(rejection(argument.bytes()),
            "m.sclm: error: entry point 'f': argument 0 is not an Argument reference to itself");
  Handmade far;
  far.bufferOffset = std::numeric_limits<int64_t>::max() - 8;
  EXPECT_NE(rejection(far.bytes()).find("lies outside the arena of 64 bytes"), std::string::npos)
      << rejection(far.bytes());
}

// A module's replica count is read and checked; each collective's sizes must make it over
// that count (a module written by another tool or damaged is refused, not run).
TEST(ModuleFormat, CollectivesAndTheReplicaCountAreChecked) {
  auto loaded = runtime::parseModule(Handmade{}.bytes(), "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
  EXPECT_EQ(loaded->replicas(), 1); // no metadata: one replica
  Handmade two;
  two.replicas = "2";
  loaded = runtime::parseModule(two.bytes(), "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded)) << loaded.errorMessage();
  EXPECT_EQ(loaded->replicas(), 2);
  for (const char *bad : {"0", "-3", "4097", "two", " "}) {
    Handmade m;
    m.replicas = bad;
    EXPECT_NE(rejection(m.bytes()).find("metadata 'replicas' is '"), std::string::npos) << bad;
  }
  Handmade reduce = two;
  reduce.op = format::Op::AllReduce; // [4, 4] -> [4, 4]: fits
  EXPECT_EQ(scheduleRejection(reduce), "");
  Handmade gather = two;
  gather.op = format::Op::AllGather; // [4, 4] -> [4, 4]: should be [8, 4]
  EXPECT_EQ(scheduleRejection(gather),
            "m.sclm: error: entry point 'f', instruction 0 (simclr.all_gather): operand sizes "
            "do not match a collective over 2 replicas");
  gather.outputShape = {8, 4};
  gather.arena = 128;
  EXPECT_EQ(scheduleRejection(gather), "");
  Handmade scatter = two;
  scatter.op = format::Op::ReduceScatter;
  scatter.outputShape = {2, 4};
  EXPECT_EQ(scheduleRejection(scatter), "");
  scatter.numInputs = 2;
  EXPECT_EQ(scheduleRejection(scatter), "m.sclm: error: entry point 'f', instruction 0 "
                                        "(simclr.reduce_scatter): has 2 inputs and 1 outputs");
  // The replica index takes nothing and writes one int32.
  Handmade id = two;
  id.op = format::Op::ReplicaId;
  EXPECT_EQ(scheduleRejection(id), "m.sclm: error: entry point 'f', instruction 0 "
                                   "(simclr.replica_id): has 1 inputs and 1 outputs");
  id.numInputs = 0;
  EXPECT_EQ(scheduleRejection(id), "m.sclm: error: entry point 'f', instruction 0 "
                                   "(simclr.replica_id): a replica index must be one int32");
}

// The CPU device runs the module's kernels: as many as the module has, every one there.
TEST(ModuleFormat, CpuDeviceNeedsEveryKernel) {
  auto loaded = runtime::parseModule(Handmade{}.bytes(), "m.sclm");
  ASSERT_TRUE(static_cast<bool>(loaded));
  cpu::KernelFn noop = [](const void *const *, void *const *) {};
  EXPECT_TRUE(static_cast<bool>(cpu::CpuDevice::create(*loaded, {noop})));
  EXPECT_EQ(cpu::CpuDevice::create(*loaded, {}).errorMessage(),
            "m.sclm: error: 0 kernels are linked, the module has 1");
  EXPECT_EQ(cpu::CpuDevice::create(*loaded, {nullptr}).errorMessage(),
            "m.sclm: error: kernel 0 is not built");
}

} // namespace
