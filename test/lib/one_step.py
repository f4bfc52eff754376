"""What the one-step comparisons of test/Runtime share (bf16_step.py, channels_last_step.py):
running a tool, a Fashion-MNIST pretraining step's arguments, a checkpoint's variables by
kind, and the relative distance between two sets of tensors.
"""
import subprocess

import torch

import safetensors_io


def run(args):
    """Runs a tool, failing on a non-zero exit; its standard output is dropped."""
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def write_pretrain_inputs(path, batch):
    """Random Fashion-MNIST views (2 x batch rows, seed 0) and the step's schedule: step 3
    of 20, 5 of warm-up."""
    g = torch.Generator().manual_seed(0)
    safetensors_io.write(path, {
        "arg0": torch.randn(2 * int(batch), 1, 28, 28, dtype=torch.float64, generator=g),
        "arg1": torch.tensor(3.0, dtype=torch.float64),    # step
        "arg2": torch.tensor(5.0, dtype=torch.float64),    # warmup steps
        "arg3": torch.tensor(20.0, dtype=torch.float64)})  # total steps


def variables_by_kind(names):
    """(parameters, running statistics, velocities) among a checkpoint's names, sorted."""
    names = sorted(names)
    velocities = [k for k in names if k.startswith("velocity.")]
    statistics = [k for k in names if ".running_" in k]
    parameters = [k for k in names if k not in velocities and k not in statistics]
    return parameters, statistics, velocities


def distance(a, b, keys):
    """||a - b|| / ||b|| over the tensors `keys` of a and b, concatenated."""
    x = torch.cat([a[k].double().flatten() for k in keys])
    y = torch.cat([b[k].double().flatten() for k in keys])
    return ((x - y).norm() / y.norm()).item()
