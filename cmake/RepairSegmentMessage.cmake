# Repairs one message in mlir-tblgen's op definitions (MLIR 22, attributes not kept as
# properties): for an op with AttrSizedOperandSegments it writes the operandSegmentSizes
# check's error as `"... op "'operandSegmentSizes' ...` and `emitOpError(""'operand...`,
# a stray quote that does not compile. Where a later MLIR writes it right, neither pattern
# occurs and the file is copied unchanged.
#
#   cmake -DINPUT=raw.cpp.inc -DOUTPUT=fixed.cpp.inc -P RepairSegmentMessage.cmake
file(READ "${INPUT}" text)
string(REPLACE " op \"'operandSegmentSizes'" " op 'operandSegmentSizes'" text "${text}")
string(REPLACE "(\"\"'operandSegmentSizes'" "(\"'operandSegmentSizes'" text "${text}")
file(WRITE "${OUTPUT}.tmp" "${text}")
file(RENAME "${OUTPUT}.tmp" "${OUTPUT}")
