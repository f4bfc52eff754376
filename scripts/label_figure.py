#!/usr/bin/python3
"""Draws the main job's label-efficiency figure: test top-1 against the number of
labelled images, one line for each arm (supervised baseline, pretrain + fine-tune,
distilled), from the `label_efficiency` points of a summary.json that scripts/run.sh
wrote (over several seeds, their means). The SVG is written atomically (OUT.partial, then renamed); bad input is an error
naming the file and the point, exit status 1, and no figure.

Usage: label_figure.py SUMMARY.json OUT.svg
"""
import json
import math
import os
import sys

ARMS = [("baseline_top1", "supervised baseline", "#7f7f7f"),
        ("pretrain_finetune_top1", "pretrain + fine-tune", "#1f77b4"),
        ("distilled_top1", "distilled", "#2ca02c")]


def fail(message):
    sys.stderr.write(f"{sys.argv[1]}: error: {message}\n")
    sys.exit(1)


def number(point, index, key, low, high):
    value = point.get(key)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        fail(f"label_efficiency[{index}].{key} must be a number in [{low}, {high}], not {value!r}")
    return float(value)


def read(path):
    try:
        with open(path) as f:
            summary = json.load(f)
    except OSError as e:
        fail(f"cannot read it: {e.strerror}")
    except ValueError as e:
        fail(f"not JSON: {e}")
    points = summary.get("label_efficiency") if isinstance(summary, dict) else None
    if not isinstance(points, list) or not points:
        fail("no label_efficiency points (a list of objects)")
    rows = []
    for i, point in enumerate(points):
        if not isinstance(point, dict):
            fail(f"label_efficiency[{i}] is not an object")
        row = {"labelled_images": number(point, i, "labelled_images", 1, 1e12)}
        for key, _, _ in ARMS:
            row[key] = number(point, i, key, 0, 1)
        rows.append(row)
    rows.sort(key=lambda r: r["labelled_images"])
    for a, b in zip(rows, rows[1:]):
        if a["labelled_images"] == b["labelled_images"]:
            fail(f"two points at {a['labelled_images']:.0f} labelled images")
    return summary, rows


def draw(summary, rows):
    width, height, left, right, top, bottom = 640, 380, 60, 180, 40, 50
    xs = [math.log10(r["labelled_images"]) for r in rows]
    x0, x1 = math.floor(min(xs)), max(math.ceil(max(xs)), math.floor(min(xs)) + 1)
    values = [r[key] for r in rows for key, _, _ in ARMS]
    y0 = max(0.0, math.floor(min(values) * 10 - 1) / 10)
    y1 = min(1.0, math.ceil(max(values) * 10 + 0.5) / 10)
    if y1 <= y0:
        y0, y1 = 0.0, 1.0

    def x(images):
        return left + (math.log10(images) - x0) / (x1 - x0) * (width - left - right)

    def y(top1):
        return top + (y1 - top1) / (y1 - y0) * (height - top - bottom)

    seeds = summary.get("seeds")
    which = (f"mean of seeds {', '.join(map(str, seeds))}"
             if isinstance(seeds, list) and len(seeds) > 1 else f"seed {summary.get('seed', '?')}")
    title = f"{summary.get('dataset', 'data set')}: test top-1 against labelled images ({which})"
    svg = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           'font-family="sans-serif" font-size="12">',
           f"<title>{title}</title>",
           '<rect width="100%" height="100%" fill="white"/>',
           f'<text x="{left}" y="24" font-size="14">{title}</text>',
           f'<rect x="{left}" y="{top}" width="{width - left - right}" '
           f'height="{height - top - bottom}" fill="none" stroke="#888"/>']
    for e in range(x0, x1 + 1):  # decades of labelled images below, top-1 left
        svg.append(f'<text x="{x(10 ** e):.1f}" y="{height - bottom + 16}" '
                   f'text-anchor="middle">{10 ** e:,}</text>')
    svg.append(f'<text x="{(left + width - right) / 2:.0f}" y="{height - 12}" '
               'text-anchor="middle">labelled images (log scale)</text>')
    for i in range(5):
        v = y0 + i / 4 * (y1 - y0)
        svg.append(f'<text x="{left - 6}" y="{y(v) + 4:.1f}" text-anchor="end">{v:.2f}</text>')
    for n, (key, name, colour) in enumerate(ARMS):
        line = " ".join(f"{x(r['labelled_images']):.1f},{y(r[key]):.1f}" for r in rows)
        svg.append(f'<polyline class="{key}" fill="none" stroke="{colour}" stroke-width="2" '
                   f'points="{line}"/>')
        for r in rows:
            svg.append(f'<circle class="{key}" data-labelled-images="{r["labelled_images"]:.0f}" '
                       f'data-top1="{r[key]:.4f}" cx="{x(r["labelled_images"]):.1f}" '
                       f'cy="{y(r[key]):.1f}" r="3" fill="{colour}"/>')
        svg.append(f'<text x="{width - right + 12}" y="{top + 16 + 18 * n}" '
                   f'fill="{colour}">{name}</text>')
    svg.append("</svg>")
    return "\n".join(svg) + "\n"


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    summary, rows = read(sys.argv[1])
    out = sys.argv[2]
    partial = out + ".partial"
    try:
        with open(partial, "w") as f:
            f.write(draw(summary, rows))
        os.replace(partial, out)
    except OSError as e:
        if os.path.exists(partial):
            os.remove(partial)
        sys.stderr.write(f"{out}: error: cannot write the figure: {e.strerror}\n")
        sys.exit(1)
    print(f"figure: {out} ({len(rows)} label counts)")


main()
