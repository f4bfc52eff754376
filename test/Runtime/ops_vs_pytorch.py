#!/usr/bin/python3
"""Every simclr op, run by the float64 reference evaluator (simclr-run), against PyTorch.

Each case is a module with one function, random float64 inputs, and an independent PyTorch
computation of what the op's definition says. Results must agree to 1e-10.

Usage: ops_vs_pytorch.py SIMCLR_RUN WORKDIR
"""
import os
import subprocess
import sys

import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "lib"))
import safetensors_io  # noqa: E402

torch.manual_seed(0)
D = torch.float64


def ty(t):
    """The MLIR type of a test tensor (integer labels are i32, the rest f32)."""
    elem = "i32" if t.dtype in (torch.int32, torch.int64) else "f32"
    return "tensor<" + "".join(f"{d}x" for d in t.shape) + elem + ">"  # 0-d: tensor<f32>


def f32(value):
    """An f32 attribute's value: the ops hold temperature, momentum and epsilon as f32."""
    return float(torch.tensor(value, dtype=torch.float32))


def rand(*shape):
    return torch.randn(*shape, dtype=D)


CASES = []


def case(name, body, args, expected, variables=None, variables_after=None, decls=""):
    """`body` uses %arg0... and returns; `expected(args, variables)` gives the results."""
    CASES.append((name, body, args, expected, variables or {}, variables_after, decls))


def pad(x, top, left, bottom, right, value=0.0):
    return F.pad(x, (left, right, top, bottom), value=value)


# --- convolution -----------------------------------------------------------------------
x, w = rand(2, 3, 9, 8), rand(4, 3, 3, 3)
case("conv2d-stride-asymmetric-padding",
     f"%y = simclr.conv2d %arg0, %arg1 stride [2, 2] padding [1, 0, 2, 1] : {ty(x)}, {ty(w)} -> tensor<2x4x5x4xf32>",
     [x, w], lambda a, v: [F.conv2d(pad(a[0], 1, 0, 2, 1), a[1], stride=2)])
x, w = rand(2, 4, 8, 8), rand(6, 2, 3, 3)
case("conv2d-groups-dilation",
     f"%y = simclr.conv2d %arg0, %arg1 stride [1, 1] padding [2, 2, 2, 2] {{dilation = array<i64: 2, 2>, groups = 2}} : {ty(x)}, {ty(w)} -> tensor<2x6x8x8xf32>",
     [x, w], lambda a, v: [F.conv2d(a[0], a[1], padding=2, dilation=2, groups=2)])

# --- batch norm --------------------------------------------------------------------------
x, g, b, rm, rv = rand(4, 3, 5, 5), rand(3), rand(3), rand(3), rand(3).abs() + 0.5


def bn_train(a, v, momentum=0.9, eps=1e-5, offset=True):
    mean, var = a[3].clone(), a[4].clone()
    y = F.batch_norm(a[0], mean, var, a[1], a[2] if offset else None, training=True,
                     momentum=1 - f32(momentum), eps=f32(eps))
    return [y, mean, var]


case("batch_norm_train-nchw",
     f"%y:3 = simclr.batch_norm_train %arg0 scale %arg1 offset %arg2 running %arg3, %arg4 : {ty(x)}, {ty(g)}, {ty(b)}, {ty(rm)}, {ty(rv)}",
     [x, g, b, rm, rv], bn_train)
h = rand(6, 3)
case("batch_norm_train-nc-no-offset",
     f"%y:3 = simclr.batch_norm_train %arg0 scale %arg1 running %arg3, %arg4 {{epsilon = 1.0e-3 : f32, momentum = 0.99 : f32}} : {ty(h)}, {ty(g)}, {ty(rm)}, {ty(rv)}",
     [h, g, b, rm, rv],
     lambda a, v: bn_train(a, v, momentum=0.99, eps=1e-3, offset=False))
case("batch_norm_infer",
     f"%y = simclr.batch_norm_infer %arg0 scale %arg1 offset %arg2 stats %arg3, %arg4 : {ty(x)}, {ty(g)}, {ty(b)}, {ty(rm)}, {ty(rv)}",
     [x, g, b, rm, rv],
     lambda a, v: [F.batch_norm(a[0], a[3], a[4], a[1], a[2], training=False, eps=f32(1e-5))])

# --- elementwise -------------------------------------------------------------------------
x = rand(2, 3, 4, 4)
case("relu", f"%y = simclr.relu %arg0 : {ty(x)}", [x], lambda a, v: [F.relu(a[0])])
p, q = rand(2, 3, 4, 4), rand(2, 3, 1, 1)
case("add-broadcast", f"%y = simclr.add %arg0, %arg1 : {ty(p)}, {ty(q)} -> {ty(p)}",
     [p, q], lambda a, v: [a[0] + a[1]])
p, q = rand(1, 3, 4, 1), rand(2, 3, 1, 4)
case("mul-broadcast-both", f"%y = simclr.mul %arg0, %arg1 : {ty(p)}, {ty(q)} -> tensor<2x3x4x4xf32>",
     [p, q], lambda a, v: [a[0] * a[1]])

# --- pooling -----------------------------------------------------------------------------
x = rand(2, 3, 9, 9)
case("max_pool2d", f"%y = simclr.max_pool2d %arg0 kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : {ty(x)} -> tensor<2x3x5x5xf32>",
     [x], lambda a, v: [F.max_pool2d(a[0], 3, 2, 1)])
case("avg_pool2d-count-include-pad",
     f"%y = simclr.avg_pool2d %arg0 kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {{count_include_pad}} : {ty(x)} -> tensor<2x3x5x5xf32>",
     [x], lambda a, v: [F.avg_pool2d(pad(a[0], 0, 0, 1, 1), 2, 2)])


def same_avg_pool(x):
    total = F.avg_pool2d(pad(x, 0, 0, 1, 1), 2, 1) * 4
    count = F.avg_pool2d(pad(torch.ones_like(x), 0, 0, 1, 1), 2, 1) * 4
    return total / count


case("avg_pool2d-same",
     f"%y = simclr.avg_pool2d %arg0 kernel [2, 2] stride [1, 1] padding [0, 0, 1, 1] : {ty(x)} -> {ty(x)}",
     [x], lambda a, v: [same_avg_pool(a[0])])
case("global_avg_pool", f"%y = simclr.global_avg_pool %arg0 : {ty(x)} -> tensor<2x3xf32>",
     [x], lambda a, v: [a[0].mean(dim=(2, 3))])
case("global_avg_pool-keep-dims",
     f"%y = simclr.global_avg_pool %arg0 {{keep_dims}} : {ty(x)} -> tensor<2x3x1x1xf32>",
     [x], lambda a, v: [a[0].mean(dim=(2, 3), keepdim=True)])

# --- dense -------------------------------------------------------------------------------
h, w, b = rand(5, 7), rand(3, 7), rand(3)
case("dense-bias", f"%y = simclr.dense %arg0, %arg1, %arg2 : {ty(h)}, {ty(w)}, {ty(b)} -> tensor<5x3xf32>",
     [h, w, b], lambda a, v: [F.linear(a[0], a[1], a[2])])
case("dense", f"%y = simclr.dense %arg0, %arg1 : {ty(h)}, {ty(w)} -> tensor<5x3xf32>",
     [h, w], lambda a, v: [F.linear(a[0], a[1])])

# --- plumbing ----------------------------------------------------------------------------
p, q = rand(2, 2, 3), rand(2, 3, 3)
case("concat", f"%y = simclr.concat %arg0, %arg1 axis 1 : {ty(p)}, {ty(q)} -> tensor<2x5x3xf32>",
     [p, q], lambda a, v: [torch.cat(a, dim=1)])
x = rand(2, 5, 3)
case("split", f"%y:2 = simclr.split %arg0 axis 1 sizes [2, 3] : {ty(x)} -> tensor<2x2x3xf32>, tensor<2x3x3xf32>",
     [x], lambda a, v: list(torch.split(a[0], [2, 3], dim=1)))
x = rand(4, 9)
case("slice-strided", f"%y = simclr.slice %arg0 offsets [1, 2] sizes [2, 3] strides [2, 3] : {ty(x)} -> tensor<2x3xf32>",
     [x], lambda a, v: [a[0][1:4:2, 2:9:3]])
x = rand(2, 6, 1, 1)
case("reshape", f"%y = simclr.reshape %arg0 : {ty(x)} -> tensor<2x2x3xf32>",
     [x], lambda a, v: [a[0].reshape(2, 2, 3)])

# --- normalisation -----------------------------------------------------------------------
x = rand(2, 3, 4)
case("softmax", f"%y = simclr.softmax %arg0 axis 1 : {ty(x)}", [x],
     lambda a, v: [torch.softmax(a[0], dim=1)])
z = rand(6, 5)
case("l2_normalize", f"%y = simclr.l2_normalize %arg0 axis 1 : {ty(z)}", [z],
     lambda a, v: [a[0] / a[0].pow(2).sum(1, keepdim=True).clamp_min(f32(1e-12)).sqrt()])

# --- reductions --------------------------------------------------------------------------
x = rand(2, 3, 4, 5)
case("reduce_sum", f"%y = simclr.reduce_sum %arg0 axes [0, 2] : {ty(x)} -> tensor<3x5xf32>",
     [x], lambda a, v: [a[0].sum(dim=(0, 2))])
case("reduce_mean-keep-dims", f"%y = simclr.reduce_mean %arg0 axes [1] {{keep_dims}} : {ty(x)} -> tensor<2x1x4x5xf32>",
     [x], lambda a, v: [a[0].mean(dim=1, keepdim=True)])
case("reduce_max", f"%y = simclr.reduce_max %arg0 axes [2, 3] : {ty(x)} -> tensor<2x3xf32>",
     [x], lambda a, v: [a[0].amax(dim=(2, 3))])

# --- losses ------------------------------------------------------------------------------


def nt_xent(z, temperature, negatives=None):
    """SIMCLR.md, written with torch ops; `negatives` (docs/MEMORY.md): its rows that are
    not all zero are extra columns, held constant."""
    n = z.shape[0] // 2
    a, b = z[:n], z[n:]
    mask = torch.eye(n, dtype=D) * 1e9
    ab, ba = a @ b.T / temperature, b @ a.T / temperature
    aa, bb = a @ a.T / temperature - mask, b @ b.T / temperature - mask
    if negatives is None:
        negatives = torch.zeros(0, z.shape[1], dtype=D)
    q = negatives[negatives.ne(0).any(1)].detach()
    aq, bq = a @ q.T / temperature, b @ q.T / temperature
    labels = torch.arange(n)
    la = F.cross_entropy(torch.cat([ab, aa, aq], 1), labels, reduction="none")
    lb = F.cross_entropy(torch.cat([ba, bb, bq], 1), labels, reduction="none")
    accuracy = (ab.argmax(1) == labels).to(D).mean()
    return [(la + lb).mean(), accuracy]


z = F.normalize(rand(8, 16), dim=1)
case("nt_xent_loss", f"%l:2 = simclr.nt_xent_loss %arg0 temperature 0.1 : {ty(z)}", [z],
     lambda a, v: nt_xent(a[0], f32(0.1)))
# Nearly identical views: the positives win, accuracy 1.
zz = F.normalize(torch.cat([z[:4], z[:4] + 0.01 * rand(4, 16)]), dim=1)
case("nt_xent_loss-easy", f"%l:2 = simclr.nt_xent_loss %arg0 temperature 0.5 : {ty(zz)}", [zz],
     lambda a, v: nt_xent(a[0], 0.5))

# A memory of 6 rows, two of them empty slots (all zeros), which must count for nothing.
q = F.normalize(rand(6, 16), dim=1)
q[1] = 0
q[4] = 0
case("nt_xent_loss-negatives",
     f"%l:2 = simclr.nt_xent_loss %arg0 negatives %arg1 : {ty(q)} temperature 0.1 : {ty(z)}",
     [z, q], lambda a, v: nt_xent(a[0], f32(0.1), a[1]))

logits, labels = rand(6, 4), torch.tensor([0, 3, 1, 1, 2, 0], dtype=torch.int32)
case("softmax_cross_entropy-indices",
     f"%l:2 = simclr.softmax_cross_entropy %arg0, %arg1 : {ty(logits)}, {ty(labels)}",
     [logits, labels],
     lambda a, v: [F.cross_entropy(a[0], a[1].long()),
                   (a[0].argmax(1) == a[1].long()).to(D).mean()])
# -1 marks an unlabelled row (distillation with labels): the means are over the others.
partial = torch.tensor([0, -1, 1, -1, 2, 3], dtype=torch.int32)
case("softmax_cross_entropy-unlabelled-rows",
     f"%l:2 = simclr.softmax_cross_entropy %arg0, %arg1 : {ty(logits)}, {ty(partial)}",
     [logits, partial],
     lambda a, v: [F.cross_entropy(a[0], a[1].long(), ignore_index=-1),
                   (a[0].argmax(1) == a[1].long())[a[1] >= 0].to(D).mean()])
# None labelled: PyTorch's mean is 0/0; the op's loss and accuracy are 0.
unlabelled = torch.full((6,), -1, dtype=torch.int32)
case("softmax_cross_entropy-no-labelled-row",
     f"%l:2 = simclr.softmax_cross_entropy %arg0, %arg1 : {ty(logits)}, {ty(unlabelled)}",
     [logits, unlabelled],
     lambda a, v: [F.cross_entropy(a[0], a[1].long(), ignore_index=-1, reduction="sum"),
                   torch.tensor(0.0, dtype=D)])
soft = torch.softmax(rand(6, 4), dim=1)
case("softmax_cross_entropy-distributions",
     f"%l:2 = simclr.softmax_cross_entropy %arg0, %arg1 : {ty(logits)}, {ty(soft)}",
     [logits, soft],
     lambda a, v: [-(a[1] * torch.log_softmax(a[0], 1)).sum(1).mean(),
                   (a[0].argmax(1) == a[1].argmax(1)).to(D).mean()])
student, teacher = rand(6, 4), rand(6, 4)
case("distillation_loss",
     f"%l:2 = simclr.distillation_loss %arg0, %arg1 temperature 2.0 : {ty(student)}, {ty(teacher)}",
     [student, teacher],
     lambda a, v: [-(torch.softmax(a[1] / 2, 1) * torch.log_softmax(a[0] / 2, 1)).sum(1).mean(),
                   (a[0].argmax(1) == a[1].argmax(1)).to(D).mean()])

# --- parameters and state ----------------------------------------------------------------
w, s, new = rand(3, 3), rand(3), rand(3)
case("load-store",
     "%w = simclr.load @w : tensor<3x3xf32>\n  %s = simclr.load @s : tensor<3xf32>\n"
     "  simclr.store %arg0, @s : tensor<3xf32>\n  %y = simclr.dense %w, %w : tensor<3x3xf32>, tensor<3x3xf32> -> tensor<3x3xf32>",
     [new], lambda a, v: [v["w"] @ v["w"].T, v["s"]],
     variables={"w": w, "s": s}, variables_after=lambda a, v: {"w": v["w"], "s": a[0]},
     decls='simclr.parameter @w : tensor<3x3xf32> {group = "backbone", init = "zeros"}\n'
           'simclr.state @s : tensor<3xf32> {init = "zeros"}\n')


# --- gradient ops, against PyTorch's autograd -----------------------------------------


def vjp(fn, inputs, dy, wrt):
    """Gradients of <fn(*inputs), dy> with respect to inputs[i] for i in wrt."""
    leaves = [t.clone().requires_grad_(i in wrt) for i, t in enumerate(inputs)]
    out = fn(*leaves)
    grads = torch.autograd.grad(out, [leaves[i] for i in wrt], dy)
    return [g.detach() for g in grads]


a, b = rand(8, 10), rand(8, 6)
case("matmul-transpose-a", f"%y = simclr.matmul %arg0, %arg1 {{transpose_a}} : {ty(a)}, {ty(b)} -> tensor<10x6xf32>",
     [a, b], lambda a, v: [a[0].T @ a[1]])
c = rand(10, 6)
case("matmul-transpose-b", f"%y = simclr.matmul %arg0, %arg1 {{transpose_b}} : {ty(b)}, {ty(c)} -> tensor<8x10xf32>",
     [b, c], lambda a, v: [a[0] @ a[1].T])
x = rand(2, 3, 1, 1)
case("broadcast", f"%y = simclr.broadcast %arg0 : {ty(x)} -> tensor<2x3x4x4xf32>", [x],
     lambda a, v: [a[0].expand(2, 3, 4, 4)])
case("scale", f"%y = simclr.scale %arg0 by 0.25 : {ty(x)}", [x], lambda a, v: [a[0] * 0.25])

x, w, dy = rand(2, 3, 9, 8), rand(4, 3, 3, 3), rand(2, 4, 5, 4)
conv = lambda x, w: F.conv2d(pad(x, 1, 0, 2, 1), w, stride=2)
case("conv2d_backward_input",
     f"%y = simclr.conv2d_backward_input %arg0, %arg1 stride [2, 2] padding [1, 0, 2, 1] : {ty(dy)}, {ty(w)} -> {ty(x)}",
     [dy, w], lambda a, v, x=x: vjp(conv, [x, a[1]], a[0], [0]))
case("conv2d_backward_filter",
     f"%y = simclr.conv2d_backward_filter %arg0, %arg1 stride [2, 2] padding [1, 0, 2, 1] : {ty(x)}, {ty(dy)} -> {ty(w)}",
     [x, dy], lambda a, v, w=w: vjp(conv, [a[0], w], a[1], [1]))
x, w, dy = rand(2, 4, 8, 8), rand(6, 2, 3, 3), rand(2, 6, 8, 8)
gconv = lambda x, w: F.conv2d(x, w, padding=2, dilation=2, groups=2)
case("conv2d_backward_input-groups-dilation",
     f"%y = simclr.conv2d_backward_input %arg0, %arg1 stride [1, 1] padding [2, 2, 2, 2] {{dilation = array<i64: 2, 2>, groups = 2}} : {ty(dy)}, {ty(w)} -> {ty(x)}",
     [dy, w], lambda a, v, x=x: vjp(gconv, [x, a[1]], a[0], [0]))
case("conv2d_backward_filter-groups-dilation",
     f"%y = simclr.conv2d_backward_filter %arg0, %arg1 stride [1, 1] padding [2, 2, 2, 2] {{dilation = array<i64: 2, 2>, groups = 2}} : {ty(x)}, {ty(dy)} -> {ty(w)}",
     [x, dy], lambda a, v, w=w: vjp(gconv, [a[0], w], a[1], [1]))

x, g, b, dy = rand(4, 3, 5, 5), rand(3), rand(3), rand(4, 3, 5, 5)
bn = lambda x, g, b: F.batch_norm(x, None, None, g, b, training=True, eps=f32(1e-5))
case("batch_norm_train_backward",
     f"%y:3 = simclr.batch_norm_train_backward %arg0, %arg1 scale %arg2 : {ty(dy)}, {ty(x)}, {ty(g)}",
     [dy, x, g], lambda a, v, b=b: vjp(bn, [a[1], a[2], b], a[0], [0, 1, 2]))
m, var = rand(3), rand(3).abs() + 0.5
bni = lambda x, g, b, m=m, var=var: F.batch_norm(x, m, var, g, b, training=False, eps=f32(1e-5))
case("batch_norm_infer_backward",
     f"%y:3 = simclr.batch_norm_infer_backward %arg0, %arg1 scale %arg2 stats %arg3, %arg4 : {ty(dy)}, {ty(x)}, {ty(g)}, {ty(m)}, {ty(var)}",
     [dy, x, g, m, var], lambda a, v, b=b: vjp(bni, [a[1], a[2], b], a[0], [0, 1, 2]))

y, dy = rand(2, 3, 4, 4), rand(2, 3, 4, 4)
case("relu_backward", f"%y = simclr.relu_backward %arg0, %arg1 : {ty(y)}", [dy, y],
     lambda a, v: [a[0] * (a[1] > 0)])
x, dy = rand(2, 3, 9, 9), rand(2, 3, 5, 5)
case("max_pool2d_backward",
     f"%y = simclr.max_pool2d_backward %arg0, %arg1 kernel [3, 3] stride [2, 2] padding [1, 1, 1, 1] : {ty(dy)}, {ty(x)}",
     [dy, x], lambda a, v: vjp(lambda x: F.max_pool2d(x, 3, 2, 1), [a[1]], a[0], [0]))
case("avg_pool2d_backward-count-include-pad",
     f"%y = simclr.avg_pool2d_backward %arg0 kernel [2, 2] stride [2, 2] padding [0, 0, 1, 1] {{count_include_pad}} : {ty(dy)} -> {ty(x)}",
     [dy], lambda a, v, x=x: vjp(lambda x: F.avg_pool2d(pad(x, 0, 0, 1, 1), 2, 2), [x], a[0], [0]))
dy9 = rand(2, 3, 9, 9)
case("avg_pool2d_backward-same",
     f"%y = simclr.avg_pool2d_backward %arg0 kernel [2, 2] stride [1, 1] padding [0, 0, 1, 1] : {ty(dy9)} -> {ty(x)}",
     [dy9], lambda a, v, x=x: vjp(same_avg_pool, [x], a[0], [0]))

y, dy = torch.softmax(rand(2, 3, 4), dim=1), rand(2, 3, 4)
xs = rand(2, 3, 4)
case("softmax_backward", f"%y = simclr.softmax_backward %arg0, %arg1 axis 1 : {ty(y)}",
     [dy, torch.softmax(xs, 1)], lambda a, v, xs=xs: vjp(lambda x: torch.softmax(x, 1), [xs], a[0], [0]))
z, dz = rand(6, 5), rand(6, 5)
l2 = lambda x: x / x.pow(2).sum(1, keepdim=True).clamp_min(f32(1e-12)).sqrt()
case("l2_normalize_backward", f"%y = simclr.l2_normalize_backward %arg0, %arg1 axis 1 : {ty(z)}",
     [dz, z], lambda a, v: vjp(l2, [a[1]], a[0], [0]))
x, dy = rand(4, 9), rand(2, 3)
case("slice_backward",
     f"%y = simclr.slice_backward %arg0 offsets [1, 2] strides [2, 3] : {ty(dy)} -> {ty(x)}",
     [dy], lambda a, v, x=x: vjp(lambda x: x[1:4:2, 2:9:3], [x], a[0], [0]))
x, dy = rand(2, 3, 4, 5), rand(2, 3)
case("reduce_max_backward",
     f"%y = simclr.reduce_max_backward %arg0, %arg1 axes [2, 3] : {ty(dy)}, {ty(x)}",
     [dy, x], lambda a, v: vjp(lambda x: x.amax(dim=(2, 3)), [a[1]], a[0], [0]))

gl = torch.tensor(0.7, dtype=D)
z = F.normalize(rand(8, 16), dim=1)
case("nt_xent_loss_backward",
     f"%y = simclr.nt_xent_loss_backward %arg0, %arg1 temperature 0.1 : {ty(z)}",
     [z, gl], lambda a, v: vjp(lambda z: nt_xent(z, f32(0.1))[0], [a[0]], a[1], [0]))
case("nt_xent_loss_backward-negatives",
     f"%y = simclr.nt_xent_loss_backward %arg0, %arg1 negatives %arg2 : {ty(q)} temperature 0.1 : {ty(z)}",
     [z, gl, q], lambda a, v: vjp(lambda z: nt_xent(z, f32(0.1), a[2])[0], [a[0]], a[1], [0]))
case("softmax_cross_entropy_backward-indices",
     f"%y = simclr.softmax_cross_entropy_backward %arg0, %arg1, %arg2 : {ty(logits)}, {ty(labels)}",
     [logits, labels, gl],
     lambda a, v: vjp(lambda l: F.cross_entropy(l, a[1].long()), [a[0]], a[2], [0]))
case("softmax_cross_entropy_backward-unlabelled-rows",
     f"%y = simclr.softmax_cross_entropy_backward %arg0, %arg1, %arg2 : {ty(logits)}, {ty(partial)}",
     [logits, partial, gl],
     lambda a, v: vjp(lambda l: F.cross_entropy(l, a[1].long(), ignore_index=-1), [a[0]], a[2], [0]))
case("softmax_cross_entropy_backward-no-labelled-row",
     f"%y = simclr.softmax_cross_entropy_backward %arg0, %arg1, %arg2 : {ty(logits)}, {ty(unlabelled)}",
     [logits, unlabelled, gl],
     lambda a, v: [torch.zeros_like(a[0])])
case("softmax_cross_entropy_backward-distributions",
     f"%y = simclr.softmax_cross_entropy_backward %arg0, %arg1, %arg2 : {ty(logits)}, {ty(soft)}",
     [logits, soft, gl],
     lambda a, v: vjp(lambda l: -(a[1] * torch.log_softmax(l, 1)).sum(1).mean(), [a[0]], a[2], [0]))
case("distillation_loss_backward",
     f"%y = simclr.distillation_loss_backward %arg0, %arg1, %arg2 temperature 2.0 : {ty(student)}",
     [student, teacher, gl],
     lambda a, v: vjp(lambda s: -(torch.softmax(a[1] / 2, 1) * torch.log_softmax(s / 2, 1)).sum(1).mean(),
                      [a[0]], a[2], [0]))


# --- optimizer ops ------------------------------------------------------------------------
import simclr_reference  # noqa: E402

for label, (step, warmup, total) in {"warmup": (2.0, 8.0, 40.0), "cosine": (20.0, 8.0, 40.0),
                                     "end": (40.0, 8.0, 40.0), "no-warmup": (10.0, 0.0, 40.0)}.items():
    sched = [torch.tensor(v, dtype=D) for v in (step, warmup, total)]
    case(f"learning_rate-{label}", "%y = simclr.learning_rate %arg0, %arg1, %arg2 peak 0.3",
         sched, lambda a, v: [torch.tensor(simclr_reference.learning_rate(
             0.3, a[0].item(), a[1].item(), a[2].item()), dtype=D)])
w, g, vel, lr = rand(4, 3), rand(4, 3), rand(4, 3), torch.tensor(0.05, dtype=D)
case("lars_update-nesterov",
     f"%y:2 = simclr.lars_update %arg0, %arg1, %arg2, %arg3 {{momentum = 0.9, nesterov, trust_coefficient = 0.001, weight_decay = 0.01}} : {ty(w)}",
     [w, g, vel, lr],
     lambda a, v: list(simclr_reference.lars(a[0], a[1], a[2], 0.05, 0.9, 0.01, 0.001, False, True)))
case("lars_update-excluded",
     f"%y:2 = simclr.lars_update %arg0, %arg1, %arg2, %arg3 {{exclude, momentum = 0.9, trust_coefficient = 0.001, weight_decay = 0.01}} : {ty(w)}",
     [w, g, vel, lr],
     lambda a, v: list(simclr_reference.lars(a[0], a[1], a[2], 0.05, 0.9, 0.01, 0.001, True)))
case("lars_update-no-adaptation",
     f"%y:2 = simclr.lars_update %arg0, %arg1, %arg2, %arg3 {{momentum = 0.9, no_adaptation, trust_coefficient = 0.001, weight_decay = 0.01}} : {ty(w)}",
     [w, g, vel, lr],
     lambda a, v: list(simclr_reference.lars(a[0], a[1] + 0.01 * a[0], a[2], 0.05, 0.9, 0.01, 0.001, True)))
case("momentum_update",
     f"%y:2 = simclr.momentum_update %arg0, %arg1, %arg2, %arg3 {{momentum = 0.8, weight_decay = 0.01}} : {ty(w)}",
     [w, g, vel, lr],
     lambda a, v: list(simclr_reference.momentum_sgd(a[0], a[1], a[2], 0.05, 0.8, 0.01, False, False)))


def results_of(body):
    """The SSA names a case body defines last, in order, for its return."""
    last = body.strip().split("\n")[-1].strip()
    name = last.split("=")[0].strip()
    return name


def module_text(body, args, outs, decls):
    params = ", ".join(f"%arg{i}: {ty(a)}" for i, a in enumerate(args))
    result = results_of(body)
    count = len(outs)
    names = [result] if count == 1 else [f"{result.split(':')[0]}#{i}" for i in range(count)]
    if body.startswith("%w = simclr.load"):  # the load/store case returns two values
        names = ["%y", "%s"]
    types = ", ".join(ty(o) for o in outs)
    return (f"{decls}func.func @f({params}) -> ({types}) {{\n  {body}\n"
            f"  return {', '.join(names)} : {types}\n}}\n")


def main():
    simclr_run, workdir = sys.argv[1], sys.argv[2]
    os.makedirs(workdir, exist_ok=True)
    failures = 0
    for name, body, args, expected, variables, variables_after, decls in CASES:
        want = [t.to(D) for t in expected(args, variables)]
        base = os.path.join(workdir, name)
        with open(base + ".mlir", "w") as f:
            f.write(module_text(body, args, want, decls))
        safetensors_io.write(base + ".in.safetensors",
                             {f"arg{i}": a for i, a in enumerate(args)})
        command = [simclr_run, base + ".mlir", "--function=f",
                   "--inputs=" + base + ".in.safetensors",
                   "--outputs=" + base + ".out.safetensors"]
        if variables:
            safetensors_io.write(base + ".vars.safetensors", variables)
            command += ["--variables=" + base + ".vars.safetensors",
                        "--variables-out=" + base + ".vars-out.safetensors"]
        run = subprocess.run(command, capture_output=True, text=True)
        if run.returncode != 0:
            print(f"{name}: FAILED to run: {run.stderr.strip()}")
            failures += 1
            continue
        got = safetensors_io.read(base + ".out.safetensors")
        pairs = [(got[f"result{i}"], w) for i, w in enumerate(want)]
        if variables_after:
            after = safetensors_io.read(base + ".vars-out.safetensors")
            pairs += [(after[k], t.to(D)) for k, t in variables_after(args, variables).items()]
        error = max((g - w).abs().max().item() / max(1.0, w.abs().max().item())
                    for g, w in pairs)
        if error > 1e-10 or any(g.shape != w.shape for g, w in pairs):
            print(f"{name}: MISMATCH, relative error {error:.3g}")
            failures += 1
        else:
            print(f"{name}: ok")
    print(f"{len(CASES) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
