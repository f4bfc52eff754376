//===- YamlReader.cpp - a YAML document as a tree with locations ----------===//

#include "frontend/YamlReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <limits>
#include <cstdio>

using namespace mlir::simclr::frontend;
using llvm::ArrayRef;
using llvm::SMLoc;
using llvm::StringRef;

YamlReader::YamlReader(StringRef text, StringRef path) : path(path.str()) {
  llvm::MemoryBufferRef buffer(text, path);
  sm.setDiagHandler(
      [](const llvm::SMDiagnostic &diag, void *context) {
        static_cast<YamlReader *>(context)->record(diag);
      },
      this);
  stream = std::make_unique<llvm::yaml::Stream>(buffer, sm, /*ShowColors=*/false);
}

void YamlReader::record(const llvm::SMDiagnostic &diag) {
  if (!error.empty())
    return;
  llvm::raw_string_ostream os(error);
  diag.print(nullptr, os, /*ShowColors=*/false);
}

bool YamlReader::fail(SMLoc loc, const llvm::Twine &message) {
  sm.PrintMessage(loc, llvm::SourceMgr::DK_Error, message);
  return false;
}

SourcePos YamlReader::position(SMLoc loc) {
  auto [line, column] = sm.getLineAndColumn(loc);
  return {line, column};
}

llvm::Error YamlReader::failure() const {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 error.empty() ? path + ": error: invalid description" : error);
}

std::string YamlReader::number(double value) {
  char text[32];
  std::snprintf(text, sizeof(text), "%g", value);
  return text;
}

std::unique_ptr<Node> YamlReader::mappingDocument(StringRef what) {
  auto docs = stream->begin();
  if (docs == stream->end() || !docs->getRoot() || !error.empty()) {
    if (error.empty())
      fail(SMLoc::getFromPointer(sm.getMemoryBuffer(1)->getBufferStart()),
           "empty description");
    return nullptr;
  }
  std::unique_ptr<Node> root = copy(docs->getRoot(), 0);
  if (!root || !error.empty())
    return nullptr;
  if (root->kind == Node::Null) {
    fail(*root, "the description is empty");
    return nullptr;
  }
  if (root->kind != Node::Mapping) {
    fail(*root, "a description must be a mapping with " + what);
    return nullptr;
  }
  if (++docs != stream->end()) {
    fail(docs->getRoot() ? docs->getRoot()->getSourceRange().Start : root->loc,
         "a description file holds a single YAML document");
    return nullptr;
  }
  return root;
}

std::unique_ptr<Node> YamlReader::copy(llvm::yaml::Node *yamlNode, int depth) {
  auto node = std::make_unique<Node>();
  if (!yamlNode)
    return node;
  node->loc = yamlNode->getSourceRange().Start;
  if (depth > 16) {
    fail(node->loc, "description is nested too deeply");
    return nullptr;
  }
  if (llvm::isa<llvm::yaml::AliasNode>(yamlNode)) {
    fail(node->loc, "YAML aliases are not supported in descriptions");
    return nullptr;
  }
  if (auto *scalar = llvm::dyn_cast<llvm::yaml::ScalarNode>(yamlNode)) {
    llvm::SmallString<64> storage;
    node->kind = Node::Scalar;
    node->scalar = scalar->getValue(storage).str();
  } else if (auto *block = llvm::dyn_cast<llvm::yaml::BlockScalarNode>(yamlNode)) {
    node->kind = Node::Scalar;
    node->scalar = block->getValue().str();
  } else if (auto *mapping = llvm::dyn_cast<llvm::yaml::MappingNode>(yamlNode)) {
    node->kind = Node::Mapping;
    for (llvm::yaml::KeyValueNode &kv : *mapping) {
      auto *key = llvm::dyn_cast_or_null<llvm::yaml::ScalarNode>(kv.getKey());
      if (!key) {
        if (error.empty())
          fail(kv.getSourceRange().Start, "expected a plain key");
        return nullptr;
      }
      llvm::SmallString<32> storage;
      std::string name = key->getValue(storage).str();
      SMLoc keyLoc = key->getSourceRange().Start;
      // An alias node's own range is unreliable; name the key it is the value of.
      if (llvm::isa_and_nonnull<llvm::yaml::AliasNode>(kv.getValue())) {
        fail(keyLoc, "'" + name + "': YAML aliases are not supported in descriptions");
        return nullptr;
      }
      for (const Node::Entry &seen : node->entries)
        if (seen.key == name) {
          fail(keyLoc, "duplicate key '" + name + "'");
          return nullptr;
        }
      auto value = copy(kv.getValue(), depth + 1);
      if (!value || !error.empty())
        return nullptr;
      node->entries.push_back({name, keyLoc, std::move(value)});
    }
  } else if (auto *sequence = llvm::dyn_cast<llvm::yaml::SequenceNode>(yamlNode)) {
    node->kind = Node::Sequence;
    for (llvm::yaml::Node &item : *sequence) {
      auto value = copy(&item, depth + 1);
      if (!value || !error.empty())
        return nullptr;
      node->items.push_back(std::move(value));
    }
  }
  if (!error.empty())
    return nullptr;
  return node;
}

bool YamlReader::readMapping(const Node &node, StringRef what, ArrayRef<Field> fields,
                         ArrayRef<StringRef> required) {
  if (node.kind != Node::Mapping)
    return fail(node, "expected a mapping for " + what);
  for (StringRef key : required)
    if (llvm::none_of(node.entries, [&](const Node::Entry &e) { return e.key == key; }))
      return fail(node, "missing required key '" + key + "' in " + what);
  for (const Node::Entry &entry : node.entries) {
    if (llvm::none_of(fields, [&](const Field &f) { return f.key == entry.key; })) {
      std::string known;
      for (const Field &f : fields)
        known += (known.empty() ? "" : ", ") + f.key.str();
      return fail(entry.keyLoc, "unknown key '" + entry.key + "' in " + what +
                                    " (expected one of: " + known + ")");
    }
  }
  // Fields are read in the order of the table, not of the file.
  for (const Field &field : fields)
    for (const Node::Entry &entry : node.entries)
      if (entry.key == field.key && !field.read(*entry.value))
        return false;
  return true;
}

bool YamlReader::readInt(const Node &node, StringRef key, int &out, int64_t min, int64_t max) {
  int64_t value;
  if (node.kind != Node::Scalar || StringRef(node.scalar).getAsInteger(10, value))
    return fail(node, "'" + key + "' must be an integer");
  if (value < min || value > max)
    return fail(node, "'" + key + "' must be in [" + llvm::Twine(min) + ", " +
                          llvm::Twine(max) + "], got " + llvm::Twine(value));
  out = static_cast<int>(value);
  return true;
}

bool YamlReader::readDouble(const Node &node, StringRef key, double &out, double min, double max,
                        bool minExclusive) {
  double value;
  if (node.kind != Node::Scalar || StringRef(node.scalar).getAsDouble(value) ||
      !std::isfinite(value))
    return fail(node, "'" + key + "' must be a number");
  if (value < min || value > max || (minExclusive && value == min)) {
    std::string range =
        (minExclusive ? "(" : "[") + number(min) + ", " + number(max) + "]";
    return fail(node, "'" + key + "' must be in " + range + ", got " + node.scalar);
  }
  // Every number of a description ends up in a 32-bit float attribute or kernel argument,
  // where a smaller magnitude would become 0 (or a denormal): an epsilon or a temperature
  // that reads as positive here would then fail the ops' checks, or divide by zero.
  if (value != 0.0 && std::fabs(value) < std::numeric_limits<float>::min())
    return fail(node, "'" + key + "' must be 0 or at least " +
                          number(std::numeric_limits<float>::min()) +
                          " in magnitude (the smallest normal 32-bit float), got " +
                          node.scalar);
  out = value;
  return true;
}

bool YamlReader::readBool(const Node &node, StringRef key, bool &out) {
  if (node.kind == Node::Scalar && (node.scalar == "true" || node.scalar == "false")) {
    out = node.scalar == "true";
    return true;
  }
  return fail(node, "'" + key + "' must be true or false");
}

bool YamlReader::readChoice(const Node &node, StringRef key, ArrayRef<StringRef> choices,
                        std::string &out) {
  if (node.kind == Node::Scalar && llvm::is_contained(choices, StringRef(node.scalar))) {
    out = node.scalar;
    return true;
  }
  std::string list;
  for (StringRef c : choices)
    list += (list.empty() ? "" : ", ") + c.str();
  return fail(node, "'" + key + "' must be one of: " + list);
}

bool YamlReader::readIntList(const Node &node, StringRef key, std::vector<int> &out, int64_t min,
                         int64_t max, size_t maxItems) {
  if (node.kind != Node::Sequence || node.items.empty() || node.items.size() > maxItems)
    return fail(node, "'" + key + "' must be a list of 1 to " + llvm::Twine(maxItems) +
                          " integers");
  out.clear();
  for (const auto &item : node.items) {
    int value;
    if (!readInt(*item, key, value, min, max))
      return false;
    out.push_back(value);
  }
  return true;
}
