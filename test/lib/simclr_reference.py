#!/usr/bin/python3
"""SimCLRv2 networks and losses in PyTorch, written from SIMCLR.md and the reference code.

An independent implementation for the tests: it reads the same description files as the
compiler and takes parameters by their (torchvision-style) names, but shares no code with
it. Everything runs in float64.
"""
import torch
import torch.nn.functional as F

D = torch.float64


def f32(value):
    """The value of an f32 attribute (momentum, epsilon, temperature are held as f32)."""
    return float(torch.tensor(value, dtype=torch.float32))


def nt_xent(z, temperature, queue=None):
    """NT-Xent over [2N, D] projections: rows [0, N) view a, [N, 2N) view b; the rows of a
    memory `queue` that are not all zeros are extra negatives, held constant."""
    n = z.shape[0] // 2
    a, b = z[:n], z[n:]
    mask = torch.eye(n, dtype=z.dtype) * 1e9
    ab, ba = a @ b.T / temperature, b @ a.T / temperature
    aa, bb = a @ a.T / temperature - mask, b @ b.T / temperature - mask
    if queue is None:
        queue = z.new_zeros(0, z.shape[1])
    q = queue[queue.ne(0).any(1)].detach()
    labels = torch.arange(n)
    la = F.cross_entropy(torch.cat([ab, aa, a @ q.T / temperature], 1), labels, reduction="none")
    lb = F.cross_entropy(torch.cat([ba, bb, b @ q.T / temperature], 1), labels, reduction="none")
    return (la + lb).mean(), (ab.argmax(1) == labels).to(z.dtype).mean()


DEPTHS = {18: ("basic", [2, 2, 2, 2]), 34: ("basic", [3, 4, 6, 3]),
          50: ("bottleneck", [3, 4, 6, 3]), 101: ("bottleneck", [3, 4, 23, 3]),
          152: ("bottleneck", [3, 8, 36, 3])}


class Network:
    """One network of a description; `params` and `state` map names to tensors."""

    def __init__(self, spec, image_size, params, state, prefix="", training=True):
        self.spec, self.params, self.state = spec, params, state
        self.prefix, self.training = prefix, training
        if "depth" in spec:
            self.block, self.blocks = DEPTHS[spec["depth"]]
        else:
            self.block, self.blocks = spec.get("block", "bottleneck"), spec["blocks"]
        self.width = spec.get("base_width", 64) * spec.get("width_multiplier", 1)
        self.sk = spec.get("sk_ratio", 0.0)
        self.stem = spec.get("stem", "small" if image_size <= 32 else "imagenet")
        bn = spec.get("batch_norm", {})
        self.momentum, self.epsilon = f32(bn.get("momentum", 0.9)), f32(bn.get("epsilon", 1e-5))
        head = spec.get("head", {})
        self.head_layers = head.get("layers", 3)
        self.head_out = head.get("output_dim", 128)
        self.finetune_from = head.get("finetune_from_layer", 1)
        self.new_state = {}

    def p(self, name):
        return self.params[self.prefix + name]

    def conv(self, x, name, stride):
        w = self.p(name + ".weight")
        k = w.shape[2]
        before, after = (k - 1) // 2, k - 1 - (k - 1) // 2
        if before == after:  # the same result without a padded copy
            return F.conv2d(x, w, stride=stride, padding=before)
        return F.conv2d(F.pad(x, (before, after, before, after)), w, stride=stride)

    def bn(self, x, name, relu, center=True):
        gamma = self.p(name + ".weight")
        beta = self.p(name + ".bias") if center else None
        mean = self.state[self.prefix + name + ".running_mean"].clone()
        var = self.state[self.prefix + name + ".running_var"].clone()
        y = F.batch_norm(x, mean, var, gamma, beta, training=self.training,
                         momentum=1 - self.momentum, eps=self.epsilon)
        if self.training:
            self.new_state[self.prefix + name + ".running_mean"] = mean
            self.new_state[self.prefix + name + ".running_var"] = var
        return F.relu(y) if relu else y

    def selective_kernel(self, x, name, width, stride):
        x = self.bn(self.conv(x, name + ".conv", stride), name + ".bn", True)
        a, b = torch.split(x, width, dim=1)
        g = (a + b).mean(dim=(2, 3), keepdim=True)
        g = self.bn(self.conv(g, name + ".attn.fc_reduce", 1), name + ".attn.bn", True)
        mix = self.conv(g, name + ".attn.fc_select", 1)
        mix = torch.softmax(mix.reshape(mix.shape[0], 2, width), dim=1).reshape(mix.shape)
        wa, wb = torch.split(mix, width, dim=1)
        return a * wa + b * wb

    def residual(self, x, name, width, stride):
        out = 4 * width if self.block == "bottleneck" else width
        shortcut = x
        if stride != 1 or x.shape[1] != out:
            if self.sk > 0:  # ResNet-D: 2x2 average pool carrying the stride, then 1x1 conv
                padded = F.pad(x, (0, 1, 0, 1))
                if stride > 1:
                    shortcut = F.avg_pool2d(padded, 2, stride)
                else:  # TensorFlow's SAME pooling: padding not counted
                    ones = F.pad(torch.ones_like(x), (0, 1, 0, 1))
                    shortcut = F.avg_pool2d(padded, 2, 1) / F.avg_pool2d(ones, 2, 1)
                shortcut = self.bn(self.conv(shortcut, name + ".downsample.1", 1),
                                   name + ".downsample.2", False)
            else:
                shortcut = self.bn(self.conv(x, name + ".downsample.0", stride),
                                   name + ".downsample.1", False)
        if self.block == "bottleneck":
            y = self.bn(self.conv(x, name + ".conv1", 1), name + ".bn1", True)
            if self.sk > 0:
                y = self.selective_kernel(y, name + ".conv2", width, stride)
            else:
                y = self.bn(self.conv(y, name + ".conv2", stride), name + ".bn2", True)
            y = self.bn(self.conv(y, name + ".conv3", 1), name + ".bn3", False)
        else:
            y = self.bn(self.conv(x, name + ".conv1", stride), name + ".bn1", True)
            y = self.bn(self.conv(y, name + ".conv2", 1), name + ".bn2", False)
        return F.relu(y + shortcut)

    def backbone(self, x):
        if self.stem == "small":
            x = self.bn(self.conv(x, "conv1", 1), "bn1", True)
        else:
            if self.sk > 0:
                x = self.bn(self.conv(x, "conv1.0", 2), "conv1.1", True)
                x = self.bn(self.conv(x, "conv1.3", 1), "conv1.4", True)
                x = self.conv(x, "conv1.6", 1)
            else:
                x = self.conv(x, "conv1", 2)
            x = F.max_pool2d(self.bn(x, "bn1", True), 3, 2, 1)
        for g, count in enumerate(self.blocks):
            for i in range(count):
                stride = 2 if g > 0 and i == 0 else 1
                x = self.residual(x, f"layer{g + 1}.{i}", self.width << g, stride)
        return x.mean(dim=(2, 3))

    def head(self, h, layers):
        for j in range(layers):
            last = j == self.head_layers - 1
            h = F.linear(h, self.p(f"head.{j}.fc.weight"))
            h = self.bn(h, f"head.{j}.bn", relu=not last, center=not last)
        return h

    def classify(self, x):
        h = self.head(self.backbone(x), self.finetune_from)
        return F.linear(h, self.p("fc.weight"), self.p("fc.bias"))


def train_step(desc, params, state, images, labels=None):
    """The loss and accuracy of a description's training step, and the new state."""
    stage, size = desc["stage"], desc["input"]["height"]
    temperature = f32(desc.get("loss", {}).get("temperature", 0.1 if stage == "pretrain" else 1.0))
    net = Network(desc["network"], size, params, state, training=stage != "linear_eval")
    def project(network):
        h = network.head(network.backbone(images), network.head_layers)
        return h / h.pow(2).sum(1, keepdim=True).clamp_min(f32(1e-12)).sqrt()

    if stage == "pretrain" and "memory" in desc:
        # MoCo's memory as SimCLRv2 uses it: the EMA network, first moved towards the
        # online weights, encodes both views (batch statistics); its keys go in front of
        # the queue after the loss has used the queue's filled rows as negatives.
        m = desc["memory"].get("momentum", 0.99)
        ema = {"ema." + k: m * state["ema." + k] + (1 - m) * v.detach() for k, v in params.items()}
        key_net = Network(desc["network"], size, ema, state, "ema.", training=True)
        keys = project(key_net).detach()
        queue = state["memory.queue"]
        loss, acc = nt_xent(project(net), temperature, queue)
        net.new_state.update(key_net.new_state)
        net.new_state.update(ema)
        net.new_state["memory.queue"] = torch.cat([keys, queue[:queue.shape[0] - keys.shape[0]]])
    elif stage == "pretrain":
        loss, acc = nt_xent(project(net), temperature)
    elif stage == "distill":
        teacher = Network(desc["teacher"], size, params, state, "teacher.", training=False)
        t = teacher.classify(images).detach()
        s = net.classify(images)
        loss = -(torch.softmax(t / temperature, 1) * torch.log_softmax(s / temperature, 1)).sum(1).mean()
        acc = (s.argmax(1) == t.argmax(1)).to(D).mean()
        if desc.get("loss", {}).get("scale_by_temperature_squared", False):
            loss = loss * desc["loss"]["temperature"] ** 2  # as the reference colab
        weight = desc.get("loss", {}).get("label_weight", 0)
        if weight > 0:  # the labelled images' cross entropy; -1 marks an unlabelled one
            loss = loss + weight * F.cross_entropy(s, labels.long(), ignore_index=-1)
    else:
        logits = net.classify(images)
        loss = F.cross_entropy(logits, labels.long())
        acc = (logits.argmax(1) == labels.long()).to(D).mean()
    return loss, acc, net.new_state


def peak_learning_rate(optimizer, batch):
    """The base rate scaled for the batch: lr * B / 256 (linear) or lr * sqrt(B)."""
    base = optimizer["learning_rate"]
    if optimizer.get("lr_scaling", "linear") == "sqrt":
        return base * batch ** 0.5
    return base * batch / 256


def learning_rate(peak, step, warmup, total):
    """Linear warmup then cosine decay (the reference code's WarmUpAndCosineDecay)."""
    if step < warmup:
        return peak * step / warmup
    decay = total - warmup
    return peak * 0.5 * (1 + torch.cos(torch.tensor(torch.pi * min(step - warmup, decay) / decay,
                                                    dtype=D)).item())


def lars(w, g, v, lr, momentum, weight_decay, trust_coefficient, exclude, nesterov=False):
    """SIMCLR.md: g += wd*w; trust = c*|w|/|g| (1 if a norm is 0 or excluded); v = m*v +
    lr*trust*g; w -= v."""
    if not exclude:
        g = g + weight_decay * w
    trust = 1.0
    if not exclude and w.norm() > 0 and g.norm() > 0:
        trust = trust_coefficient * w.norm() / g.norm()
    v = momentum * v + lr * trust * g
    update = momentum * v + lr * trust * g if nesterov else v
    return w - update, v


def momentum_sgd(w, g, v, lr, momentum, weight_decay, exclude, nesterov):
    """torch.optim.SGD's update, written out."""
    if not exclude:
        g = g + weight_decay * w
    v = momentum * v + g
    return w - lr * (g + momentum * v if nesterov else v), v
