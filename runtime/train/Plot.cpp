//===- Plot.cpp - training curves as SVG -----------------------------------===//

#include "runtime/train/Plot.h"
#include "runtime/support/Files.h"
#include "runtime/support/Json.h"
#include "runtime/support/Strings.h"

#include <algorithm>
#include <cmath>

using namespace mlir::simclr;
using namespace mlir::simclr::runtime;

namespace {
/// `text` with the characters XML gives a meaning escaped.
std::string escapeXml(const std::string &text) {
  std::string out;
  for (char c : text)
    out += c == '<' ? "&lt;" : c == '>' ? "&gt;" : c == '&' ? "&amp;" : std::string(1, c);
  return out;
}
} // namespace

std::string runtime::plotCurves(const std::vector<CurvePoint> &points, const std::string &title) {
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
  svg += format("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
                     "font-family=\"sans-serif\" font-size=\"12\">\n", W, H);
  svg += "<title>" + escapeXml(title) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += format("<text x=\"%.0f\" y=\"24\" font-size=\"14\">", left) + escapeXml(title) + "</text>\n";
  svg += format("<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"none\" "
                     "stroke=\"#888\"/>\n", left, top, W - left - right, H - top - bottom);
  for (int i = 0; i <= 4; ++i) { // axis labels: loss left, accuracy right, steps below
    double f = i / 4.0;
    svg += format("<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#1f77b4\">%.3g</text>\n",
                       left - 6, yLoss(minLoss + f * (maxLoss - minLoss)) + 4,
                       minLoss + f * (maxLoss - minLoss));
    svg += format("<text x=\"%.0f\" y=\"%.1f\" fill=\"#d62728\">%.2f</text>\n", W - right + 6,
                       yAcc(f) + 4, f);
    svg += format("<text x=\"%.1f\" y=\"%.0f\" text-anchor=\"middle\">%.0f</text>\n",
                       x(minStep + f * (maxStep - minStep)), H - bottom + 16,
                       minStep + f * (maxStep - minStep));
  }
  auto polyline = [&](const char *colour, const char *name, auto y, auto value) {
    svg += std::string("<polyline class=\"") + name + "\" fill=\"none\" stroke=\"" + colour +
           "\" stroke-width=\"1.5\" points=\"";
    for (const CurvePoint &p : points)
      if (std::isfinite(value(p)))
        svg += format("%.1f,%.1f ", x(p.step), y(value(p)));
    svg += "\"/>\n";
  };
  polyline("#1f77b4", "loss", yLoss, [](const CurvePoint &p) { return p.loss; });
  polyline("#d62728", "accuracy", yAcc, [](const CurvePoint &p) { return p.accuracy; });
  svg += format("<text x=\"%.0f\" y=\"%.0f\" fill=\"#1f77b4\">loss</text>\n", left, H - 8);
  svg += format("<text x=\"%.0f\" y=\"%.0f\" fill=\"#d62728\">accuracy</text>\n", left + 50,
                     H - 8);
  svg += format("<text x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">step</text>\n", W - right,
                     H - 8);
  svg += "</svg>\n";
  return svg;
}

Error runtime::plotLog(const std::string &logPath, const std::string &svgPath,
                       const std::string &title) {
  auto text = readFile(logPath);
  if (!text)
    return text.takeError();
  std::vector<CurvePoint> points;
  for (std::string_view line : split(*text, '\n')) {
    auto value = parseJson(line);
    if (!value)
      continue; // not a step line
    auto step = value->get("step"), loss = value->get("loss"), accuracy = value->get("accuracy");
    if (step && loss && accuracy && step->asNumber() && loss->asNumber() && accuracy->asNumber())
      points.push_back({*step->asNumber(), *loss->asNumber(), *accuracy->asNumber()});
  }
  return writeFileAtomically(svgPath, plotCurves(points, title));
}
