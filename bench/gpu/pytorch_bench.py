"""PyTorch side of the portable GPU benchmark: the same commands, options, models and output as strata-gpu-bench.

  python3 pytorch_bench.py train   [options]   ResNet-50 training steps/s
  python3 pytorch_bench.py predict [options]   UNet whole-scene inference MP/s

Needs only torch (no torchvision/smp: a GPU machine may lack them): ResNet (torchvision's layout, names and
initialisation) and UNet (segmentation_models_pytorch's layout and names: encoder.*, decoder.blocks.N.conv{1,2}.{0,1},
segmentation_head.0) are defined below, so a state dict written by strata-gpu-bench (--save-weights) loads as is.
Data: drawn first after torch.manual_seed(seed) on the CPU, as on the Swift side (same libtorch generator: the same
numbers). Tiling: strata predict's TileAxis.positions and raised-cosine BlendWeights (logits blended).
predict --load-weights W --compare-map M loads the Swift model's weights and prints map-agreement (share of pixels
whose class equals the Swift map's).
"""
import argparse
import math
import sys
import time

import torch
import torch.nn as nn
import torch.nn.functional as F


# ---- models ---------------------------------------------------------------------------------------------------
class BasicBlock(nn.Module):
    expansion = 1

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = nn.Conv2d(planes, planes, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(planes)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        return self.relu(self.bn2(self.conv2(out)) + idt)


class Bottleneck(nn.Module):
    expansion = 4

    def __init__(self, cin, planes, stride=1, downsample=None):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, planes, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(planes)
        self.conv2 = nn.Conv2d(planes, planes, 3, stride, 1, bias=False)  # stride on the 3x3 (torchvision v1.5)
        self.bn2 = nn.BatchNorm2d(planes)
        self.conv3 = nn.Conv2d(planes, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.relu = nn.ReLU(inplace=True)
        self.downsample = downsample

    def forward(self, x):
        idt = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.relu(self.bn2(self.conv2(out)))
        return self.relu(self.bn3(self.conv3(out)) + idt)


class ResNet(nn.Module):
    """torchvision.models.resnet{18,34,50} (same module names and initialisation); num_classes=None: no fc."""
    LAYERS = {18: (BasicBlock, [2, 2, 2, 2]), 34: (BasicBlock, [3, 4, 6, 3]), 50: (Bottleneck, [3, 4, 6, 3])}

    def __init__(self, depth, in_channels=3, num_classes=1000):
        super().__init__()
        block, layers = self.LAYERS[depth]
        self.conv1 = nn.Conv2d(in_channels, 64, 7, 2, 3, bias=False)
        self.bn1 = nn.BatchNorm2d(64)
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(3, 2, 1)
        self.inplanes = 64
        self.layer1 = self._stage(block, 64, layers[0], 1)
        self.layer2 = self._stage(block, 128, layers[1], 2)
        self.layer3 = self._stage(block, 256, layers[2], 2)
        self.layer4 = self._stage(block, 512, layers[3], 2)
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(512 * block.expansion, num_classes) if num_classes else None
        self.channels = [64] + [c * block.expansion for c in (64, 128, 256, 512)]
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)

    def _stage(self, block, planes, n, stride):
        out = planes * block.expansion
        down = None
        if stride != 1 or self.inplanes != out:
            down = nn.Sequential(nn.Conv2d(self.inplanes, out, 1, stride, bias=False), nn.BatchNorm2d(out))
        blocks = [block(self.inplanes, planes, stride, down)] + [block(out, planes) for _ in range(n - 1)]
        self.inplanes = out
        return nn.Sequential(*blocks)

    def features(self, x):
        stem = self.relu(self.bn1(self.conv1(x)))
        f1 = self.layer1(self.maxpool(stem))
        f2 = self.layer2(f1)
        f3 = self.layer3(f2)
        return [stem, f1, f2, f3, self.layer4(f3)]

    def forward(self, x):
        return self.fc(torch.flatten(self.avgpool(self.features(x)[4]), 1))


def conv_bn_relu(cin, cout):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class DecoderBlock(nn.Module):
    def __init__(self, cin, skip, cout):
        super().__init__()
        self.conv1 = conv_bn_relu(cin + skip, cout)
        self.conv2 = conv_bn_relu(cout, cout)

    def forward(self, x, skip, size):
        x = F.interpolate(x, size=size, mode="nearest")
        if skip is not None:
            x = torch.cat([x, skip], dim=1)
        return self.conv2(self.conv1(x))


class Decoder(nn.Module):
    def __init__(self, enc, dec):
        super().__init__()
        rev = enc[::-1]
        ins = [rev[0]] + dec[:-1]
        skips = rev[1:] + [0]
        self.blocks = nn.ModuleList(DecoderBlock(i, s, o) for i, s, o in zip(ins, skips, dec))

    def forward(self, feats, size):
        feats = feats[::-1]
        x = feats[0]
        for i, b in enumerate(self.blocks):
            skip = feats[i + 1] if i + 1 < len(feats) else None
            x = b(x, skip, skip.shape[-2:] if skip is not None else size)
        return x


class UNet(nn.Module):
    """segmentation_models_pytorch.Unet("resnetXX", encoder_weights=None) with its initialisation."""

    def __init__(self, depth, in_channels, classes, decoder=(256, 128, 64, 32, 16)):
        super().__init__()
        self.encoder = ResNet(depth, in_channels, None)
        del self.encoder.fc
        self.encoder.fc = None
        self.decoder = Decoder(self.encoder.channels, list(decoder))
        self.segmentation_head = nn.Sequential(nn.Conv2d(decoder[-1], classes, 3, padding=1))
        for m in self.decoder.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_uniform_(m.weight, mode="fan_in", nonlinearity="relu")
            elif isinstance(m, nn.BatchNorm2d):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        nn.init.xavier_uniform_(self.segmentation_head[0].weight)
        nn.init.zeros_(self.segmentation_head[0].bias)

    def forward(self, x):
        return self.segmentation_head(self.decoder(self.encoder.features(x), x.shape[-2:]))


# ---- tiling (strata predict's TileAxis.positions and BlendWeights, cosine window) -----------------------------
def positions(length, chip, stride):
    if length <= chip:
        return [0]
    out, p = [], 0
    while p + chip < length:
        out.append(p)
        p += stride
    return out + [length - chip]


def ramp(j, v):
    if v <= 0 or j >= v:
        return 1.0
    if v == 1:
        return 0.5
    return math.sin(math.pi / 2 * j / (v - 1)) ** 2


def cosine_weights(pos, chip):
    out = []
    for i, p in enumerate(pos):
        left = max(0, pos[i - 1] + chip - p) if i > 0 else 0
        right = max(0, p + chip - pos[i + 1]) if i + 1 < len(pos) else 0
        out.append([ramp(j, left) * ramp(chip - 1 - j, right) for j in range(chip)])
    return out


# ---- benchmarks ------------------------------------------------------------------------------------------------
def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def autocast(a, device):
    if a.amp == "none":
        return torch.autocast(device.type, enabled=False)
    return torch.autocast(device.type, dtype=torch.bfloat16 if a.amp == "bf16" else torch.float16)


def train(a, device):
    torch.manual_seed(a.seed)
    x = torch.randn(a.batch, a.bands, a.size, a.size).to(device)
    y = torch.randint(0, a.classes, (a.batch,)).to(device)
    model = ResNet(a.depth, a.bands, a.classes).to(device)
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
        x = x.contiguous(memory_format=torch.channels_last)
    params = list(model.parameters())
    opt = (torch.optim.SGD(params, lr=0.01, momentum=0.9, weight_decay=1e-4) if a.optimizer == "sgd"
           else torch.optim.AdamW(params, lr=1e-3, weight_decay=1e-2))
    scale = 1024.0 if a.amp == "fp16" else 1.0

    def step():
        opt.zero_grad(set_to_none=True)
        with autocast(a, device):
            loss = F.cross_entropy(model(x), y)
        if scale != 1.0:
            (loss * scale).backward()
            for p in params:
                if p.grad is not None:
                    p.grad.mul_(1 / scale)
        else:
            loss.backward()
        opt.step()
        return loss

    first = None
    for i in range(a.warmup):
        loss = step()
        if i == 0:
            first = loss.item()
    sync(device)
    t0 = time.perf_counter()
    for _ in range(a.steps):
        loss = step()
    last = loss.item()
    sync(device)
    seconds = time.perf_counter() - t0
    if not math.isfinite(last):
        sys.exit(f"train: the loss is not finite ({last})")
    print(f"model: resnet{a.depth}")
    print(f"device: {device}")
    print(f"batch: {a.batch}\nsize: {a.size}\namp: {a.amp}\nchannels-last: {a.channels_last}\noptimizer: {a.optimizer}")
    if first is not None:
        print(f"loss-first: {first:.5f}")
    print(f"loss-last: {last:.5f}")
    print(f"train-seconds: {seconds:.4f}")
    print(f"train-steps-per-s: {a.steps / seconds:.4f}")
    print(f"train-images-per-s: {a.steps * a.batch / seconds:.2f}")


def predict(a, device):
    if a.chip % 32 or a.overlap >= a.chip or a.scene < a.chip:
        sys.exit("predict: --chip must be a multiple of 32, --overlap < --chip, --scene ≥ --chip")
    torch.manual_seed(a.seed)
    scene = torch.randn(a.bands, a.scene, a.scene)
    model = UNet(a.encoder, a.bands, a.classes)
    if a.load_weights:
        sd = torch.load(a.load_weights, weights_only=True)
        missing, unexpected = model.load_state_dict(sd, strict=False)
        missing = [k for k in missing if not k.endswith("num_batches_tracked")]
        if missing or unexpected:
            sys.exit(f"predict: {a.load_weights} does not fit the model: "
                     f"missing {missing[:5]}, unexpected {unexpected[:5]}")
    model = model.to(device).eval()
    if a.channels_last:
        model = model.to(memory_format=torch.channels_last)
    xs = positions(a.scene, a.chip, a.chip - a.overlap)
    ys = xs
    tiles = [(r, c) for r in range(len(ys)) for c in range(len(xs))]
    with torch.inference_mode():
        w = cosine_weights(xs, a.chip)
        wx = [torch.tensor(v, dtype=torch.float32).view(1, 1, 1, a.chip).to(device) for v in w]
        wy = [torch.tensor(v, dtype=torch.float32).view(1, 1, a.chip, 1).to(device) for v in w]

        def forward(part):
            x = torch.stack([scene[:, ys[r]:ys[r] + a.chip, xs[c]:xs[c] + a.chip] for r, c in part]).to(device)
            if a.channels_last:
                x = x.contiguous(memory_format=torch.channels_last)
            with autocast(a, device):
                return model(x).float()

        forward(tiles[:a.batch])  # warm-up
        sync(device)
        t0 = time.perf_counter()
        acc = torch.zeros(1, a.classes, a.scene, a.scene, device=device)
        for s in range(0, len(tiles), a.batch):
            part = tiles[s:s + a.batch]
            logits = forward(part)
            for i, (r, c) in enumerate(part):
                acc[:, :, ys[r]:ys[r] + a.chip, xs[c]:xs[c] + a.chip].add_(logits[i:i + 1] * wy[r] * wx[c])
        cmap = acc.argmax(dim=1).to("cpu", torch.uint8).contiguous()
        seconds = time.perf_counter() - t0
    print(f"model: unet-resnet{a.encoder}\ndevice: {device}\nscene: {a.scene}x{a.scene}x{a.bands}\nchip: {a.chip}")
    print(f"overlap: {a.overlap}\nbatch: {a.batch}\nchips: {len(tiles)}\namp: {a.amp}")
    print(f"channels-last: {a.channels_last}")
    print(f"predict-seconds: {seconds:.4f}")
    print(f"predict-mp-per-s: {a.scene * a.scene / 1e6 / seconds:.4f}")
    if a.compare_map:
        other = torch.load(a.compare_map, weights_only=True)["map"]
        if other.shape != cmap.shape:
            sys.exit(f"predict: {a.compare_map} holds a {list(other.shape)} map, this run made {list(cmap.shape)}")
        print(f"map-agreement: {(other == cmap).double().mean().item():.6f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("command", choices=["train", "predict", "info"])
    p.add_argument("--device", default="cpu")
    p.add_argument("--threads", type=int, default=0)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--amp", choices=["none", "bf16", "fp16"], default="none")
    p.add_argument("--channels-last", type=int, choices=[0, 1], default=1)
    p.add_argument("--batch", type=int)
    p.add_argument("--bands", type=int, default=3)
    p.add_argument("--classes", type=int)
    # train
    p.add_argument("--size", type=int, default=224)
    p.add_argument("--optimizer", choices=["sgd", "adamw"], default="sgd")
    p.add_argument("--steps", type=int, default=20)
    p.add_argument("--warmup", type=int, default=5)
    p.add_argument("--depth", type=int, choices=[18, 34, 50], default=50)
    # predict
    p.add_argument("--scene", type=int, default=8192)
    p.add_argument("--chip", type=int, default=512)
    p.add_argument("--overlap", type=int, default=64)
    p.add_argument("--encoder", type=int, choices=[18, 34, 50], default=50)
    p.add_argument("--load-weights")
    p.add_argument("--compare-map")
    a = p.parse_args()
    train_only = {"size": 224, "optimizer": "sgd", "steps": 20, "warmup": 5, "depth": 50}
    predict_only = {"scene": 8192, "chip": 512, "overlap": 64, "encoder": 50, "load_weights": None, "compare_map": None}
    other = predict_only if a.command == "train" else train_only if a.command == "predict" else {}
    for k, d in other.items():  # no setting silently ignored
        if getattr(a, k) != d:
            p.error(f"--{k.replace('_', '-')} does not apply to {a.command}")
    if a.threads > 0:
        torch.set_num_threads(a.threads)
    if a.command == "info":
        print(f"torch: {torch.__version__}\ncuda-available: {int(torch.cuda.is_available())}")
        print(f"cuda-devices: {torch.cuda.device_count()}")
        return
    device = torch.device(a.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        sys.exit(f"--device {a.device}: this torch has no CUDA or no GPU is visible; use --device cpu")
    if a.command == "train":
        a.batch = a.batch or 32
        a.classes = a.classes or 1000
        train(a, device)
    else:
        a.batch = a.batch or 16
        a.classes = a.classes or 6
        predict(a, device)


if __name__ == "__main__":
    main()
