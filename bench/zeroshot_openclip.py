"""open_clip side of bench/zeroshot: writes the shared random ViT-B/32 weights, or times open_clip's encoders on
the same workload as `strata zeroshot --bench-images` (seeded N(0, 1) images of 224², batches of --batch, one
warm-up batch; text: CLIP's 3 EuroSAT templates × the 10 CoOp class names repeated to 240 rows, one warm-up, 3 timed
passes), under torch.inference_mode with --threads intra-op threads. Prints the same `images-per-s:` and
`texts-per-s:` lines.
"""
import argparse
import time

import open_clip
import torch
from safetensors.torch import save_file

NAMES = ["Annual Crop Land", "Forest", "Herbaceous Vegetation Land", "Highway or Road", "Industrial Buildings",
         "Pasture Land", "Permanent Crop Land", "Residential Buildings", "River", "Sea or Lake"]
TEMPLATES = ["a centered satellite photo of {}.", "a centered satellite photo of a {}.",
             "a centered satellite photo of the {}."]

ap = argparse.ArgumentParser()
ap.add_argument("--write-weights")
ap.add_argument("--weights")
ap.add_argument("--images", type=int, default=64)
ap.add_argument("--batch", type=int, default=32)
ap.add_argument("--threads", type=int, default=2)
a = ap.parse_args()
torch.set_num_threads(a.threads)

if a.write_weights:
    torch.manual_seed(0)
    model = open_clip.create_model("ViT-B-32-quickgelu", pretrained=None)
    save_file({k: v.contiguous() for k, v in model.state_dict().items()}, a.write_weights)
    print("wrote", a.write_weights)
    raise SystemExit

from safetensors.torch import load_file  # noqa: E402

model = open_clip.create_model("ViT-B-32-quickgelu", pretrained=None)
model.load_state_dict(load_file(a.weights))
model.eval()
tokenizer = open_clip.get_tokenizer("ViT-B-32")
torch.manual_seed(0)
n, b = a.images, a.batch
batches = [torch.randn(min(b, n - i * b), 3, 224, 224) for i in range((n + b - 1) // b)]
with torch.inference_mode():
    model.encode_image(batches[0])
    t0 = time.perf_counter()
    for x in batches:
        model.encode_image(x)
    s = time.perf_counter() - t0
    print(f"images-per-s: {n / s:.3f} ({n} images of 224², batch {b}, {s:.3f} s)")
    prompts = [t.format(c) for c in NAMES for t in TEMPLATES]
    rows = [prompts[i % len(prompts)] for i in range(240)]
    tokens = tokenizer(rows)
    model.encode_text(tokens)
    t1 = time.perf_counter()
    for _ in range(3):
        model.encode_text(tokens)
    st = time.perf_counter() - t1
    print(f"texts-per-s: {3 * len(rows) / st:.3f} (3 × {len(rows)} prompts, {st:.3f} s)")
