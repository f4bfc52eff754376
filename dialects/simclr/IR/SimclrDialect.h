//===- SimclrDialect.h - simclr dialect declaration -------------*- C++ -*-===//
#ifndef SIMCLR_DIALECT_SIMCLRDIALECT_H
#define SIMCLR_DIALECT_SIMCLRDIALECT_H

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/Operation.h"

#include "dialects/simclr/IR/SimclrDialect.h.inc"

#endif // SIMCLR_DIALECT_SIMCLRDIALECT_H
