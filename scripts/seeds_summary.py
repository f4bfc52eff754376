#!/usr/bin/python3
"""The main job over several seeds (scripts/run.sh with SIMCLR_SEEDS="1 2 3"): reads each
seed's summary.json, writes OUT/summary.json with the mean over the seeds and prints the
table of every seed, the means and the gains of the pipeline over the supervised
baseline, and the verdict on the mean (and whether the gain is positive in every seed).

The summary keeps the keys of a one-seed summary: each test and validation top-1 is the
mean over the seeds; each chosen step (`supervised_baseline_steps`, `selected_steps`, the
points' steps) is the list of the seeds' steps, in the order of `seeds`; `wall_seconds`
adds the seeds' times. It adds `per_seed` (every seed's own summary), `gains` (per arm,
the seeds' gains in points of top-1 over their own baseline) and `mean_gain`. The seeds
must have run the same job: the same data, label fraction, budgets, split and replicas.
The summary is written atomically (OUT/summary.json.partial, then renamed); bad input is
an error naming the file and the key, exit status 1, and nothing written.

Usage: seeds_summary.py OUT SEED_SUMMARY.json...
"""
import json
import os
import sys

# Keys a one-seed summary has, and which of them must agree across the seeds.
SAME = ["dataset", "label_fraction", "replicas", "validation_images", "distill_with_labels",
        "select_every", "steps"]
MEANS = ["supervised_baseline_top1", "pretrain_finetune_top1", "distilled_top1",
         "linear_eval_top1", "pretrain_knn_top1", "pretrain_knn_validation_top1",
         "pretrain_images_per_second"]
ARMS = [("baseline", "supervised_baseline_top1"), ("finetune", "pretrain_finetune_top1"),
        ("distill", "distilled_top1"), ("linear_eval", "linear_eval_top1")]
POINT_ARMS = ["baseline_top1", "pretrain_finetune_top1", "distilled_top1"]


class Bad(Exception):
    pass


def need(mapping, key, kind, where, optional=False):
    """mapping[key], checked to be of `kind` ("number", "integer", "object", "list", "any")."""
    if not isinstance(mapping, dict) or key not in mapping:
        raise Bad(f"no {where}{key}")
    value = mapping[key]
    if value is None and optional:
        return None
    ok = {"number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
          "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
          "object": lambda v: isinstance(v, dict),
          "list": lambda v: isinstance(v, list),
          "any": lambda v: True}[kind]
    if not ok(value):
        raise Bad(f"{where}{key} must be {'an' if kind[0] in 'aeiou' else 'a'} {kind}, "
                  f"not {value!r}")
    return value


def check(s):
    """Raises Bad, naming the key, where s is not a one-seed main-job summary."""
    need(s, "seed", "integer", "")
    for key in SAME:
        need(s, key, "any", "")
    for key in MEANS:
        need(s, key, "number", "", optional=key == "pretrain_knn_validation_top1")
    need(s, "supervised_baseline_steps", "integer", "")
    for arm, _ in ARMS:
        need(need(s, "selected_steps", "object", ""), arm, "integer", "selected_steps.")
        need(need(s, "validation_top1", "object", ""), arm, "number", "validation_top1.")
    points = need(s, "label_efficiency", "list", "")
    if not points:
        raise Bad("label_efficiency is empty")
    for i, p in enumerate(points):
        where = f"label_efficiency[{i}]."
        if not isinstance(p, dict):
            raise Bad(f"label_efficiency[{i}] is not an object")
        for key in ["label_fraction", "labelled_images"] + POINT_ARMS:
            need(p, key, "number", where)
        for key in ("baseline_step", "pretrain_finetune_step"):
            need(p, key, "integer", where)
    for stage in need(s, "wall_seconds", "object", ""):
        need(s["wall_seconds"], stage, "number", "wall_seconds.")


def mean(values):
    return None if any(v is None for v in values) else round(sum(values) / len(values), 6)


def read(paths):
    summaries = []
    for path in paths:
        try:
            with open(path) as f:
                summary = json.load(f)
            if not isinstance(summary, dict):
                raise Bad("not a JSON object")
            check(summary)
        except OSError as e:
            raise Bad(f"{path}: cannot read it: {e.strerror}")
        except ValueError as e:
            raise Bad(f"{path}: not JSON: {e}")
        except Bad as e:
            raise Bad(f"{path}: {e}")
        summaries.append((path, summary))
    return summaries


def aggregate(summaries):
    """The several-seed summary of checked one-seed summaries; raises Bad naming the file
    and key where the seeds did not run the same job."""
    first_path, first = summaries[0]
    fractions = [(p["label_fraction"], p["labelled_images"]) for p in first["label_efficiency"]]
    seeds = []
    for path, s in summaries:
        if s["seed"] in seeds:
            raise Bad(f"{path}: seed {s['seed']} twice")
        seeds.append(s["seed"])
        for key in SAME:
            if s[key] != first[key]:
                raise Bad(f"{path}: {key} is {s[key]!r}, not {first[key]!r} as in {first_path}: "
                          "the seeds ran different jobs")
        theirs = [(p["label_fraction"], p["labelled_images"]) for p in s["label_efficiency"]]
        if theirs != fractions:
            raise Bad(f"{path}: label_efficiency has the points (label fraction, labelled "
                      f"images) {theirs}, not {fractions} as in {first_path}")
    per = [s for _, s in summaries]
    out = {key: first[key] for key in SAME}
    out["seed"] = seeds[0]
    out["seeds"] = seeds
    for key in MEANS:
        out[key] = mean([s[key] for s in per])
    out["supervised_baseline_steps"] = [s["supervised_baseline_steps"] for s in per]
    out["selected_steps"] = {arm: [s["selected_steps"][arm] for s in per] for arm, _ in ARMS}
    out["validation_top1"] = {arm: mean([s["validation_top1"][arm] for s in per])
                              for arm, _ in ARMS}
    points = []
    for i, (fraction, images) in enumerate(fractions):
        these = [s["label_efficiency"][i] for s in per]
        point = {"label_fraction": fraction, "labelled_images": images}
        for key in POINT_ARMS:
            point[key] = mean([p[key] for p in these])
        for key in ("baseline_step", "pretrain_finetune_step"):
            point[key] = [p[key] for p in these]
        points.append(point)
    out["label_efficiency"] = points
    out["gains"] = {arm: [round(100 * (s[key] - s["supervised_baseline_top1"]), 4) for s in per]
                    for arm, key in ARMS[1:3]}
    out["mean_gain"] = {arm: round(sum(g) / len(g), 4) for arm, g in out["gains"].items()}
    walls = {}
    for s in per:
        for stage, seconds in s["wall_seconds"].items():
            walls[stage] = round(walls.get(stage, 0.0) + seconds, 1)
    out["wall_seconds"] = walls
    out["per_seed"] = per
    return out


def table(out):
    seeds = out["seeds"]
    f = out["label_fraction"]
    per = out["per_seed"]
    head = f"{'Fashion-MNIST, test top-1':40s}" + "".join(f"{'seed ' + str(s):>9s}" for s in seeds)
    lines = [head + f"{'mean':>9s}  gain over the baseline, points (mean; per seed)"]

    def row(name, values, gains=None):
        text = f"{name:40s}" + "".join(f"{v:9.4f}" for v in values) + f"{sum(values) / len(values):9.4f}"
        if gains is not None:
            text += f"  {sum(gains) / len(gains):+.2f} (" + ", ".join(f"{g:+.2f}" for g in gains) + ")"
        return text

    lines.append(row(f"supervised baseline ({f} of the labels)",
                     [s["supervised_baseline_top1"] for s in per]))
    lines.append(row("pretrain (kNN top-1)", [s["pretrain_knn_top1"] for s in per]))
    lines.append(row("pretrain + fine-tune", [s["pretrain_finetune_top1"] for s in per],
                     out["gains"]["finetune"]))
    lines.append(row("distilled", [s["distilled_top1"] for s in per], out["gains"]["distill"]))
    lines.append(row("linear evaluation", [s["linear_eval_top1"] for s in per]))
    for i, point in enumerate(out["label_efficiency"]):
        if point["label_fraction"] == f:
            continue
        theirs = [s["label_efficiency"][i] for s in per]
        base = [p["baseline_top1"] for p in theirs]
        lines.append(row(f"supervised baseline ({point['label_fraction']})", base))
        for key, name in (("pretrain_finetune_top1", "pretrain + fine-tune"),
                          ("distilled_top1", "distilled")):
            values = [p[key] for p in theirs]
            lines.append(row(f"{name} ({point['label_fraction']})", values,
                             [100 * (v - b) for v, b in zip(values, base)]))
    for arm, name in (("finetune", "pretrain + fine-tune"), ("distill", "distilled")):
        gains = out["gains"][arm]
        m = out["mean_gain"][arm]
        every = ("positive in every seed" if all(g > 0 for g in gains)
                 else f"not positive in every seed ({sum(g > 0 for g in gains)} of {len(gains)})")
        on = f"points of top-1 on the mean of {len(seeds)} seeds"
        verdict = (f"beats the supervised baseline by {m:.2f} {on}" if m > 0 else
                   f"does NOT beat the supervised baseline ({m:+.2f} {on})")
        lines.append(f"{name} {verdict}, {every}")
    steps = out["steps"]["finetune"]
    late = [s for s, chosen in zip(seeds, out["supervised_baseline_steps"]) if chosen == steps]
    if late:
        lines.append("(the baseline of seed " + ", ".join(map(str, late)) + " was still improving "
                     "at its last step: not converged; raise SIMCLR_FINETUNE_STEPS)")
    return "\n".join(lines)


def main():
    if len(sys.argv) < 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    target = os.path.join(sys.argv[1], "summary.json")
    try:
        out = aggregate(read(sys.argv[2:]))
    except Bad as e:
        sys.stderr.write(f"error: {e}\n")
        sys.exit(1)
    partial = target + ".partial"
    try:
        with open(partial, "w") as f:
            json.dump(out, f, indent=2)
            f.write("\n")
        os.replace(partial, target)
    except OSError as e:
        if os.path.exists(partial):
            os.remove(partial)
        sys.stderr.write(f"{target}: error: cannot write the summary: {e.strerror}\n")
        sys.exit(1)
    print(table(out))


main()
