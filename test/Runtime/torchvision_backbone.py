#!/usr/bin/python3
"""torchvision ResNet weights in safetensors as a backbone.

Writes a torchvision resnet18 (random weights, BN statistics and affine terms moved off
their defaults, the 1000-class `fc` and the `num_batches_tracked` counters included) as
safetensors, with a batch of images and the features torchvision's backbone gives them
(global average pool, before `fc`, eval mode). The test then runs the `embed` entry point of
a depth-18 description on those weights and compares.

Usage: torchvision_backbone.py WORKDIR            writes weights.safetensors, inputs.safetensors
       torchvision_backbone.py WORKDIR compare    checks outputs.safetensors against torchvision
"""
import os
import sys

import torch
import torchvision

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402

work = sys.argv[1]
torch.manual_seed(0)
model = torchvision.models.resnet18(num_classes=1000)
with torch.no_grad():
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.weight.uniform_(0.5, 1.5)
            m.bias.uniform_(-0.2, 0.2)
            m.running_mean.uniform_(-0.2, 0.2)
            m.running_var.uniform_(0.5, 1.5)
            m.num_batches_tracked.fill_(1000)
model.eval()
state = {k: v.clone() for k, v in model.state_dict().items()}
images = torch.rand(4, 3, 32, 32, generator=torch.Generator().manual_seed(1))
model.fc = torch.nn.Identity()
with torch.no_grad():
    features = model.double()(images.double())

if len(sys.argv) == 2:
    safetensors_io.write(os.path.join(work, "weights.safetensors"), state)
    safetensors_io.write(os.path.join(work, "inputs.safetensors"), {"arg0": images})
    print("wrote %d tensors, %d of them num_batches_tracked, fc.weight %s" % (
        len(state), sum(k.endswith("num_batches_tracked") for k in state),
        "x".join(map(str, state["fc.weight"].shape))))
else:
    ours = safetensors_io.read(os.path.join(work, "outputs.safetensors"))["result0"].double()
    error = (ours - features).abs().max().item()
    scale = features.abs().max().item()
    print("features %s, max |ours - torchvision| %.3g of max |feature| %.3g" % (
        "x".join(map(str, ours.shape)), error, scale))
    sys.exit(0 if ours.shape == features.shape and error <= 1e-9 * max(scale, 1) else 1)
