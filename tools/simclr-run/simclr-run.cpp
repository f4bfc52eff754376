//===- simclr-run.cpp - run a function with the reference evaluator --------===//
//
//   simclr-run model.mlir --function=f --inputs=in.safetensors --outputs=out.safetensors
//              [--variables=vars.safetensors] [--init-seed=N]
//              [--variables-out=vars2.safetensors]
//
// Inputs are the tensors named arg0, arg1, ... of --inputs; parameters and state come
// from --variables by their symbol names. Results are written as result0, result1, ... in
// float64, and with --variables-out every variable after the run (stores applied). The
// evaluation is the float64 reference (reference/), so external tools such as the
// PyTorch comparisons can check the compiler op by op and step by step.
//
//===----------------------------------------------------------------------===//

#include "frontend/LoadModule.h"
#include "reference/ModelInitializers.h"
#include "runtime/Safetensors.h"
#include "reference/Evaluator.h"

#include "mlir/IR/AsmState.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"

#include "llvm/Support/CommandLine.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/raw_ostream.h"

namespace cl = llvm::cl;
using namespace mlir::simclr;

static cl::OptionCategory category("simclr-run options");
static cl::opt<std::string> modulePath(cl::Positional, cl::desc("<model.mlir | description.yaml>"),
                                       cl::Required, cl::cat(category));
static cl::opt<std::string> functionName("function", cl::desc("Function to run"),
                                         cl::init("train_step"), cl::cat(category));
static cl::opt<std::string> inputsPath("inputs", cl::desc("Arguments arg0, arg1, ..."),
                                       cl::Required, cl::cat(category));
static cl::opt<std::string> variablesPath("variables",
                                          cl::desc("Parameters and state, by symbol name"),
                                          cl::cat(category));
static cl::opt<std::string> outputsPath("outputs", cl::desc("Results result0, result1, ..."),
                                        cl::Required, cl::cat(category));
static cl::opt<uint64_t> initSeed(
    "init-seed",
    cl::desc("Initialise every parameter and state the --variables file does not give, as "
             "its declaration says, from this seed"),
    cl::cat(category));
static cl::opt<std::string> variablesOutPath(
    "variables-out", cl::desc("Every variable after the run"), cl::cat(category));

static int fail(llvm::Error error) {
  llvm::errs() << llvm::toString(std::move(error)) << "\n";
  return 1;
}

static int fail(const runtime::Error &error) {
  llvm::errs() << error.message() << "\n";
  return 1;
}

static reference::Array toArray(const runtime::Tensor &tensor) {
  return reference::Array(tensor.shape, tensor.toDoubles());
}

static runtime::TensorMap toTensors(const std::map<std::string, reference::Array> &arrays) {
  runtime::TensorMap tensors;
  for (const auto &[name, array] : arrays)
    tensors[name] = runtime::Tensor::fromDoubles(runtime::DType::F64, array.shape, array.data);
  return tensors;
}

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  cl::HideUnrelatedOptions({&category});
  cl::ParseCommandLineOptions(argc, argv, "Runs a function with the float64 reference evaluator\n");

  mlir::MLIRContext context;
  llvm::SourceMgr sourceMgr;
  mlir::SourceMgrDiagnosticHandler diagnostics(sourceMgr, &context);
  auto module = frontend::loadModule(modulePath, context, sourceMgr);
  if (!module)
    return 1;

  reference::Evaluator evaluator(*module);
  auto inputs = runtime::readSafetensors(inputsPath.getValue());
  if (!inputs)
    return fail(inputs.takeError());
  std::vector<reference::Array> args;
  for (size_t i = 0; i < inputs->size(); ++i) {
    auto it = inputs->find("arg" + std::to_string(i));
    if (it == inputs->end())
      return fail(runtime::makeError(inputsPath + ": error: arguments must be named arg0, "
                                                  "arg1, ...; 'arg" +
                                     std::to_string(i) + "' is missing"));
    args.push_back(toArray(it->second));
  }
  if (!variablesPath.empty()) {
    auto variables = runtime::readSafetensors(variablesPath.getValue());
    if (!variables)
      return fail(variables.takeError());
    for (const auto &[name, tensor] : *variables)
      evaluator.variables[name] = toArray(tensor);
  }

  if (initSeed.getNumOccurrences())
    if (llvm::Error e = reference::initializeVariables(
            *module, initSeed,
            [&](llvm::StringRef name) { return !evaluator.variables.count(name.str()); },
            [&](llvm::StringRef name, llvm::ArrayRef<int64_t> shape, std::vector<double> values) {
              evaluator.variables[name.str()] = reference::Array(shape.vec(), std::move(values));
            },
            [&](llvm::StringRef name) -> const std::vector<double> * {
              auto it = evaluator.variables.find(name.str());
              return it == evaluator.variables.end() ? nullptr : &it->second.data;
            }))
      return fail(std::move(e));

  auto results = evaluator.run(functionName, args);
  if (!results)
    return fail(results.takeError());
  std::map<std::string, reference::Array> named;
  for (size_t i = 0; i < results->size(); ++i)
    named["result" + std::to_string(i)] = (*results)[i];
  if (auto error = runtime::writeSafetensors(outputsPath.getValue(), toTensors(named)))
    return fail(error);
  if (!variablesOutPath.empty())
    if (auto error =
            runtime::writeSafetensors(variablesOutPath.getValue(), toTensors(evaluator.variables)))
      return fail(error);
  return 0;
}
