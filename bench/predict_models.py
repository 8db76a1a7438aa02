"""Writes the two models of bench/predict with fixed seeds, as safetensors files carrying a Strata model card in
their metadata (so `strata predict` and the PyTorch peer load the very same weights):

  tiny.safetensors  conv-stack: Conv2d(13→32, 3×3) ReLU Conv2d(32→32, 3×3) ReLU Conv2d(32→K, 1×1)  (I/O-bound)
  unet.safetensors  segmentation_models_pytorch Unet(resnet18, in_channels=13, classes=K)         (compute-bound)

Usage: predict_models.py <out dir> [classes (default 6)]
"""
import json, os, sys

import torch
from safetensors.torch import save_file

classes = 6
bands = ["B01", "B02", "B03", "B04", "B05", "B06", "B07", "B08", "B8A", "B09", "B10", "B11", "B12"]


def tiny():
    torch.manual_seed(0)
    return torch.nn.Sequential(torch.nn.Conv2d(13, 32, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.Conv2d(32, 32, 3, padding=1), torch.nn.ReLU(),
                               torch.nn.Conv2d(32, classes, 1))


def unet():
    import segmentation_models_pytorch as smp
    torch.manual_seed(0)
    return smp.Unet("resnet18", encoder_weights=None, in_channels=13, classes=classes)


def card(arch):
    return {"format": "strata-model-card/1", "architecture": arch, "task": "segmentation", "in_channels": 13,
            "num_classes": classes, "bands": bands, "normalization": {"kind": "scale", "factor": 0.0001},
            "input_size": [256, 256], "class_names": [f"class {k}" for k in range(classes)], "extra": {"bench": "predict"}}


def save(model, arch, name):
    sd = {k: v.contiguous() for k, v in model.state_dict().items()}
    save_file(sd, os.path.join(out, name), metadata={"format": "pt", "strata.model_card": json.dumps(card(arch))})


if __name__ == "__main__":
    out = sys.argv[1]
    classes = int(sys.argv[2]) if len(sys.argv) > 2 else classes
    os.makedirs(out, exist_ok=True)
    save(tiny(), "conv-stack", "tiny.safetensors")
    save(unet(), "unet-resnet18", "unet.safetensors")
    print(f"models -> {out}")
