//===- VariableTable.cpp - parameters and state on a device ----------------===//

#include "runtime/exec/VariableTable.h"
#include "runtime/Initializers.h"
#include "runtime/support/Strings.h"

#include <algorithm>
#include <cstring>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

Expected<std::unique_ptr<VariableTable>> VariableTable::create(const LoadedModule &module,
                                                               Device &device) {
  std::unique_ptr<VariableTable> made(new VariableTable(device));
  for (const format::Variable *v : *module.root().variables()) {
    Variable variable;
    variable.name = v->name()->str();
    if (v->dtype() != format::DType::F32)
      return makeError(module.path() + ": error: variable '" + variable.name +
                       "' is not float32, which the runtime needs");
    variable.shape.assign(v->shape()->begin(), v->shape()->end());
    variable.count = 1;
    for (int64_t d : variable.shape)
      variable.count *= d;
    variable.role = v->role();
    variable.group = v->group() ? v->group()->str() : "";
    variable.key = variable.name;
    if (variable.role == format::VariableRole::Teacher && startsWith(variable.key, "teacher."))
      variable.key.erase(0, std::strlen("teacher."));
    variable.init = v->init()->str();
    variable.initStd = v->init_std();
    auto memory = device.allocate(size_t(variable.count) * sizeof(float));
    if (!memory)
      return makeError(module.path() + ": error: no room on the " + device.name() +
                       " device for variable '" + variable.name + "': " +
                       memory.errorMessage());
    variable.memory = *memory;
    made->table.push_back(std::move(variable));
  }
  return made;
}

VariableTable::~VariableTable() {
  for (Variable &v : table)
    device.release(v.memory);
}

const VariableTable::Variable *VariableTable::find(const std::string &name) const {
  for (const Variable &v : table)
    if (v.name == name)
      return &v;
  return nullptr;
}

bool VariableTable::has(format::VariableRole role) const {
  return std::any_of(table.begin(), table.end(), [&](const Variable &v) { return v.role == role; });
}

namespace {
constexpr const char *kCopyPrefix = "copy:";
} // namespace

Error VariableTable::initialize(uint64_t seed) {
  std::vector<std::string> copies;
  for (const Variable &v : table) {
    if (startsWith(v.init, kCopyPrefix)) {
      copies.push_back(v.name);
      continue;
    }
    auto values = initialValues(v.name, v.init, v.shape, v.initStd, seed);
    if (!values)
      return values.takeError();
    std::vector<float> floats(values->begin(), values->end());
    device.upload(v.memory, floats.data(), floats.size() * sizeof(float));
  }
  return copyFromSources(copies);
}

Error VariableTable::copyFromSources(const std::vector<std::string> &names) {
  for (const std::string &name : names) {
    const Variable *v = find(name);
    if (!v || !startsWith(v->init, kCopyPrefix))
      continue;
    std::string sourceName = v->init.substr(std::strlen(kCopyPrefix));
    const Variable *source = find(sourceName);
    if (!source)
      return makeError("error: variable '" + v->name + "' copies '" + sourceName +
                       "', which the module does not have");
    if (source->shape != v->shape)
      return makeError("error: variable '" + v->name + "' is " + shapeText(v->shape) +
                       " but copies '" + sourceName + "', " + shapeText(source->shape));
    std::vector<float> values = this->values(sourceName);
    device.upload(v->memory, values.data(), values.size() * sizeof(float));
  }
  return Error::success();
}

TensorMap VariableTable::save() const {
  TensorMap tensors;
  for (const Variable &v : table) {
    Tensor t;
    t.dtype = DType::F32;
    t.shape = v.shape;
    t.data.resize(size_t(v.count) * sizeof(float));
    device.download(t.data.data(), v.memory, t.data.size());
    tensors[v.name] = std::move(t);
  }
  return tensors;
}

std::vector<float> VariableTable::values(const std::string &name) const {
  const Variable *v = find(name);
  if (!v)
    return {};
  std::vector<float> out(size_t(v->count));
  device.download(out.data(), v->memory, out.size() * sizeof(float));
  return out;
}

Error VariableTable::setValues(const std::string &name, const std::vector<float> &values) {
  const Variable *v = find(name);
  if (!v)
    return makeError("error: no variable '" + name + "'");
  if (int64_t(values.size()) != v->count)
    return makeError("error: variable '" + name + "' has " + std::to_string(v->count) +
                     " elements, not " + std::to_string(values.size()));
  device.upload(v->memory, values.data(), values.size() * sizeof(float));
  return Error::success();
}

Expected<std::vector<std::string>>
VariableTable::load(const TensorMap &checkpoint, const std::string &path,
                    std::initializer_list<format::VariableRole> roles, Naming naming) {
  std::vector<std::string> missing;
  for (const Variable &v : table) {
    if (std::find(roles.begin(), roles.end(), v.role) == roles.end())
      continue;
    const std::string &key = naming == Naming::Saved ? v.name : v.key;
    auto it = checkpoint.find(key);
    if (it == checkpoint.end()) {
      missing.push_back(v.name);
      continue;
    }
    if (it->second.shape != v.shape)
      return makeError(path + ": error: tensor '" + key + "' is " +
                       shapeText(it->second.shape) + ", the network's '" + v.name + "' is " +
                       shapeText(v.shape) + " (a checkpoint of a different network?)");
    std::vector<double> doubles = it->second.toDoubles();
    std::vector<float> floats(doubles.begin(), doubles.end());
    device.upload(v.memory, floats.data(), floats.size() * sizeof(float));
  }
  return missing;
}
