#!/usr/bin/env python3
"""Keras peer for bench/lcz: the So2Sat LCZ42 demo's resnet_v2 (depth 20, 32×32×10 → 17) rebuilt layer for layer
with the Keras 3 functional API (TensorFlow backend, CPU), the real weights assigned by the HDF5 file's own layer
names (conv2d_1 … — the names the Keras 2.1.5 model had, so no topological guessing), checked against the original
model's reference probabilities, then timed: the same number of chips in the same batches as Strata's
`predict --compute-only`, intra-op threads = --threads, inter-op 1. Prints one JSON line.

Layout (reference-outputs/so2sat-lcz/README.md): stem conv3×3/16 → BN → ReLU; per stage (16→64, 64→128 s2,
128→256 s2) two bottlenecks [BN → ReLU →] 1×1 (stride s) → BN → ReLU → 3×3 → BN → ReLU → 1×1, block 0 with a 1×1
stride-s projection of x; head BN → ReLU → AvgPool 8 → Dense softmax. BN epsilon 1e-3; every conv has a bias.
"""
import argparse
import json
import os
import time

ap = argparse.ArgumentParser()
ap.add_argument("--weights", required=True)
ap.add_argument("--reference", required=True, help="reference-outputs/so2sat-lcz folder")
ap.add_argument("--chips", type=int, required=True)
ap.add_argument("--batch-size", type=int, default=64)
ap.add_argument("--threads", type=int, default=2)
ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import h5py  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

tf.config.threading.set_intra_op_parallelism_threads(a.threads)
tf.config.threading.set_inter_op_parallelism_threads(1)
from tensorflow import keras  # noqa: E402
L = keras.layers

counter = {"conv2d": 0, "batch_normalization": 0, "activation": 0, "add": 0}


def name(kind):
    counter[kind] += 1
    return f"{kind}_{counter[kind]}"


def conv(x, f, k, s=1):
    return L.Conv2D(f, k, strides=s, padding="same", name=name("conv2d"))(x)


def bn(x):
    return L.BatchNormalization(epsilon=1e-3, name=name("batch_normalization"))(x)


def relu(x):
    return L.Activation("relu", name=name("activation"))(x)


# Keras 2.1.5 numbered layers in creation order; the demo's resnet_layer creates conv → BN → ReLU, and each
# block's branch before its shortcut (conv2d_4 = branch's last 1×1, conv2d_5 = projection).
inp = keras.Input((32, 32, 10))
x = relu(bn(conv(inp, 16, 3)))
f_in = 16
for stage in range(3):
    f_out = f_in * 4 if stage == 0 else f_in * 2
    for block in range(2):
        s = 2 if stage > 0 and block == 0 else 1
        y = x if stage == 0 and block == 0 else relu(bn(x))
        y = relu(bn(conv(y, f_in, 1, s)))
        y = relu(bn(conv(y, f_in, 3)))
        y = conv(y, f_out, 1)
        if block == 0:
            x = conv(x, f_out, 1, s)
        x = L.Add(name=name("add"))([x, y])
    f_in = f_out
x = relu(bn(x))
x = L.AveragePooling2D(8)(x)
x = L.Flatten()(x)
out = L.Dense(17, activation="softmax", name="dense_1")(x)
model = keras.Model(inp, out)

with h5py.File(a.weights, "r") as h:
    for layer in model.layers:
        if not layer.weights or layer.name not in h:
            continue
        g = h[layer.name][layer.name]
        if isinstance(layer, L.BatchNormalization):
            keys = ["gamma:0", "beta:0", "moving_mean:0", "moving_variance:0"]
        else:
            keys = ["kernel:0", "bias:0"]
        layer.set_weights([np.array(g[k]) for k in keys])
    loaded = sum(1 for layer in model.layers if layer.weights and layer.name in h)
assert loaded == 42, f"{loaded} weighted layers loaded, expected 42"

# Correctness first: the original model's probabilities on the reference chips.
chips = np.load(os.path.join(a.reference, "hongkong_chips.npy"))
probs = np.load(os.path.join(a.reference, "hongkong_probs.npy"))
got = model.predict(chips, batch_size=256, verbose=0)
max_diff = float(np.abs(got - probs).max())

run = tf.function(lambda t: model(t, training=False), reduce_retracing=True)
rng = np.random.default_rng(0)
data = rng.random((a.chips, 32, 32, 10), dtype=np.float32) * 0.3
batches = [tf.constant(data[i:i + a.batch_size]) for i in range(0, a.chips, a.batch_size)]
for b in {batches[0].shape[0]: batches[0], batches[-1].shape[0]: batches[-1]}.values():
    run(b).numpy()  # trace every batch shape before the clock starts
best = float("inf")
for _ in range(a.repeat):
    t0 = time.perf_counter()
    for b in batches:
        run(b).numpy()
    best = min(best, time.perf_counter() - t0)
print(json.dumps({"seconds": best, "chips": a.chips, "per_chip_ms": best / a.chips * 1e3,
                  "max_abs_diff_vs_reference": max_diff, "tensorflow": tf.__version__, "keras": keras.__version__,
                  "threads": a.threads}))
