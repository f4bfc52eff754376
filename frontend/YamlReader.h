//===- YamlReader.h - a YAML document as a tree with locations --*- C++ -*-===//
//
// The single-pass LLVM YAML stream copied into a small tree that keeps every node's
// location (rejecting duplicate keys and aliases), and typed readers of its fields that
// report every error at path:line:col with the offending line. The description parser
// (DescriptionParser.cpp) reads its sections with them.
//
//===----------------------------------------------------------------------===//
#ifndef SIMCLR_FRONTEND_YAMLREADER_H
#define SIMCLR_FRONTEND_YAMLREADER_H

#include "frontend/Description.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/SourceMgr.h"
#include "llvm/Support/YAMLParser.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mlir::simclr::frontend {

/// A YAML node copied out of the stream, with its location.
struct Node {
  enum Kind { Scalar, Mapping, Sequence, Null } kind = Null;
  llvm::SMLoc loc;
  std::string scalar;
  struct Entry {
    std::string key;
    llvm::SMLoc keyLoc;
    std::unique_ptr<Node> value;
  };
  std::vector<Entry> entries;                // Mapping, in document order
  std::vector<std::unique_ptr<Node>> items;  // Sequence
};

/// A key of a mapping and the reader of its value.
struct Field {
  llvm::StringRef key;
  std::function<bool(const Node &)> read;
};

class YamlReader {
public:
  YamlReader(llvm::StringRef text, llvm::StringRef path);

  /// The document's root, a mapping; null after an error (empty text, not a mapping,
  /// several documents, a syntax error), which `failure()` then holds.
  std::unique_ptr<Node> mappingDocument(llvm::StringRef what);
  /// The first error, as an llvm::Error ("path: error: invalid description" if none).
  llvm::Error failure() const;

  /// Reports an error at `loc` (only the first is kept); returns false.
  bool fail(llvm::SMLoc loc, const llvm::Twine &message);
  bool fail(const Node &node, const llvm::Twine &message) { return fail(node.loc, message); }
  SourcePos position(llvm::SMLoc loc);

  // --- typed reads ---------------------------------------------------------------------
  /// Reads every entry of `node` with the field of its key, in the order of `fields`;
  /// an unknown or missing key is an error listing the known ones.
  bool readMapping(const Node &node, llvm::StringRef what, llvm::ArrayRef<Field> fields,
                   llvm::ArrayRef<llvm::StringRef> required = {});
  bool readInt(const Node &node, llvm::StringRef key, int &out, int64_t min, int64_t max);
  bool readDouble(const Node &node, llvm::StringRef key, double &out, double min, double max,
                  bool minExclusive = false);
  bool readBool(const Node &node, llvm::StringRef key, bool &out);
  bool readChoice(const Node &node, llvm::StringRef key, llvm::ArrayRef<llvm::StringRef> choices,
                  std::string &out);
  bool readIntList(const Node &node, llvm::StringRef key, std::vector<int> &out, int64_t min,
                   int64_t max, size_t maxItems);

  // --- fields: a key and its typed reader; `seen` records where the key was ------------
  Field intField(llvm::StringRef key, int &out, int64_t min, int64_t max) {
    return {key, [=, &out](const Node &n) { return readInt(n, key, out, min, max); }};
  }
  Field numberField(llvm::StringRef key, double &out, double min, double max,
                    bool minExclusive = false, llvm::SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readDouble(n, key, out, min, max, minExclusive);
            }};
  }
  Field boolField(llvm::StringRef key, bool &out, llvm::SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readBool(n, key, out);
            }};
  }
  Field choiceField(llvm::StringRef key, std::vector<llvm::StringRef> choices, std::string &out,
                    llvm::SMLoc *seen = nullptr) {
    return {key, [=, &out](const Node &n) {
              if (seen)
                *seen = n.loc;
              return readChoice(n, key, choices, out);
            }};
  }

  /// Shortest readable form of a number for messages (0.001, 1e-06, 20).
  static std::string number(double value);

protected:
  std::string path;

private:
  void record(const llvm::SMDiagnostic &diag);
  std::unique_ptr<Node> copy(llvm::yaml::Node *node, int depth);

  llvm::SourceMgr sm;
  std::unique_ptr<llvm::yaml::Stream> stream;
  std::string error;
};

} // namespace mlir::simclr::frontend

#endif // SIMCLR_FRONTEND_YAMLREADER_H
