//===- Plot.cpp - training curves as SVG -----------------------------------===//

#include "runtime/train/Plot.h"
#include "runtime/FileUtils.h"

#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>
#include <cmath>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

std::string runtime::plotCurves(const std::vector<CurvePoint> &points, llvm::StringRef title) {
  const double W = 640, H = 360, left = 60, right = 50, top = 40, bottom = 40;
  double minStep = points.empty() ? 0 : points.front().step, maxStep = minStep + 1;
  double minLoss = INFINITY, maxLoss = -INFINITY;
  for (const CurvePoint &p : points) {
    minStep = std::min(minStep, p.step);
    maxStep = std::max(maxStep, p.step);
    minLoss = std::min(minLoss, p.loss);
    maxLoss = std::max(maxLoss, p.loss);
  }
  if (!(maxLoss > minLoss)) {
    minLoss = std::isfinite(minLoss) ? minLoss - 1 : 0;
    maxLoss = minLoss + 2;
  }
  auto x = [&](double step) { return left + (step - minStep) / (maxStep - minStep) * (W - left - right); };
  auto yLoss = [&](double v) { return top + (maxLoss - v) / (maxLoss - minLoss) * (H - top - bottom); };
  auto yAcc = [&](double v) { return top + (1 - v) * (H - top - bottom); };
  std::string svg;
  llvm::raw_string_ostream os(svg);
  os << llvm::format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                     "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  os << "<title>" << title << "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  os << llvm::format("<text x=\"%.0f\" y=\"24\" font-size=\"14\">", left) << title << "</text>\n";
  os << llvm::format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                     "stroke=\"#888\"/>\n", left, top, W - left - right, H - top - bottom);
  for (int i = 0; i <= 4; ++i) { // axis labels: loss left, accuracy right, steps below
    double f = i / 4.0;
    os << llvm::format("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#1f77b4\">%.3g</text>\n",
                       left - 6, yLoss(minLoss + f * (maxLoss - minLoss)) + 4,
                       minLoss + f * (maxLoss - minLoss));
    os << llvm::format("<text x=\"%.0f\" y=\"%.1f\" fill=\"#d62728\">%.2f</text>\n", W - right + 6,
                       yAcc(f) + 4, f);
    os << llvm::format("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n",
                       x(minStep + f * (maxStep - minStep)), H - bottom + 16,
                       minStep + f * (maxStep - minStep));
  }
  auto polyline = [&](const char *colour, const char *name, auto y, auto value) {
    os << "<polyline class=\"" << name << "\" fill=\"none\" stroke=\"" << colour
       << "\" stroke-width=\"1.5\" points=\"";
    for (const CurvePoint &p : points)
      if (std::isfinite(value(p)))
        os << llvm::format("%.1f,%.1f ", x(p.step), y(value(p)));
    os << "\"/>\n";
  };
  polyline("#1f77b4", "loss", yLoss, [](const CurvePoint &p) { return p.loss; });
  polyline("#d62728", "accuracy", yAcc, [](const CurvePoint &p) { return p.accuracy; });
  os << llvm::format("<text x=\"%.0f\" y=\"%.0f\" fill=\"#1f77b4\">loss</text>\n", left, H - 8);
  os << llvm::format("<text x=\"%.0f\" y=\"%.0f\" fill=\"#d62728\">accuracy</text>\n", left + 50,
                     H - 8);
  os << llvm::format("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">step</text>\n", W - right,
                     H - 8);
  os << "</svg>\n";
  return svg;
}

llvm::Error runtime::plotLog(llvm::StringRef logPath, llvm::StringRef svgPath,
                             llvm::StringRef title) {
  auto buffer = llvm::MemoryBuffer::getFile(logPath);
  if (!buffer)
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   logPath + ": error: " + buffer.getError().message());
  std::vector<CurvePoint> points;
  llvm::SmallVector<llvm::StringRef> lines;
  (*buffer)->getBuffer().split(lines, '\n', -1, false);
  for (llvm::StringRef line : lines) {
    auto value = llvm::json::parse(line);
    if (!value) {
      llvm::consumeError(value.takeError());
      continue;
    }
    const llvm::json::Object *object = value->getAsObject();
    auto step = object ? object->getNumber("step") : std::nullopt;
    auto loss = object ? object->getNumber("loss") : std::nullopt;
    auto accuracy = object ? object->getNumber("accuracy") : std::nullopt;
    if (step && loss && accuracy)
      points.push_back({*step, *loss, *accuracy});
  }
  return writeFileAtomically(svgPath, plotCurves(points, title));
}
