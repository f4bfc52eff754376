//===- Plot.h - training curves as SVG --------------------------*- C++ -*-===//
#ifndef SIMCLR_RUNTIME_TRAIN_PLOT_H
#define SIMCLR_RUNTIME_TRAIN_PLOT_H

#include "runtime/support/Error.h"

#include <string>
#include <vector>

namespace mlir::simclr::runtime {

struct CurvePoint {
  double step, loss, accuracy;
};

/// An SVG image of the loss (left axis) and the accuracy (right axis, 0 to 1) against the
/// step, titled `title`.
std::string plotCurves(const std::vector<CurvePoint> &points, const std::string &title);

/// Reads the step lines of a JSONL log (runtime/train/Trainer.h) and writes their curves
/// to `svgPath`, atomically.
Error plotLog(const std::string &logPath, const std::string &svgPath, const std::string &title);

} // namespace mlir::simclr::runtime

#endif // SIMCLR_RUNTIME_TRAIN_PLOT_H
