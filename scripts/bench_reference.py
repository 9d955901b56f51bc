#!/usr/bin/python3
"""The PyTorch eager loop a researcher would write, for fer-ga's benchmarks to compare against.

Same network (torchvision's), optimizer, batch, size, threads and per-step work as
fer-ga's native loop: pick the batch from uint8 images, scale, normalise, forward,
cross-entropy, backward, step, and keep the loss and the count of correct predictions.
On CUDA it is set up the way a careful user would: images resident on the GPU,
channels-last, cuDNN benchmark mode, TF32 allowed, optional bf16 autocast, the host
waiting for the device only every `--report-every` steps (where fer-ga reports too).

One measurement from flags, or a whole plan (`--plan FILE`, a JSON list of objects with
the flags' names) in one process, so CUDA and torch start once.
Prints one JSON line per measurement: {"model": …, "imagesPerSecond": …}.
"""
import argparse
import gc
import json
import time

import torch
import torch.nn.functional as F
import torchvision

DEFAULTS = {"channels": 3, "classes": 7, "batch": 32, "warmup": 2, "measure": 8, "threads": 2,
            "device": "cpu", "amp": False, "report_every": 1}


def first_conv_for(model, name, channels):
    """torchvision's stems take RGB; grey input gets the same convolution with one input channel."""
    if channels == 3:
        return
    if name in ("alexnet", "vgg16"):
        old = model.features[0]
        model.features[0] = torch.nn.Conv2d(channels, old.out_channels, old.kernel_size, old.stride, old.padding)
    elif name == "googlenet":
        old = model.conv1.conv
        model.conv1.conv = torch.nn.Conv2d(channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    elif name == "resnet50":
        old = model.conv1
        model.conv1 = torch.nn.Conv2d(channels, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    else:
        raise SystemExit(f"no grey stem for {name}")


def measure(cfg):
    cfg = {**DEFAULTS, **cfg}
    device = torch.device(cfg["device"])
    cuda = device.type == "cuda"
    if cfg["threads"] > 0:
        torch.set_num_threads(cfg["threads"])
    if cuda:
        torch.backends.cudnn.benchmark = True
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    torch.manual_seed(1)
    kwargs = {"num_classes": cfg["classes"]}
    if cfg["model"] == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, cfg["model"])(**kwargs)
    first_conv_for(model, cfg["model"], cfg["channels"])
    memory_format = torch.channels_last if cuda else torch.contiguous_format
    model = model.to(device, memory_format=memory_format)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=1e-4)

    batch, size, channels = cfg["batch"], cfg["size"], cfg["channels"]
    steps = cfg["warmup"] + cfg["measure"]
    count = steps * batch
    generator = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (count, channels, size, size), dtype=torch.uint8, generator=generator).to(device)
    labels = torch.randint(0, cfg["classes"], (count,), generator=generator).to(device)
    mean = torch.full((1, channels, 1, 1), 0.5, device=device)
    std = torch.full((1, channels, 1, 1), 0.29, device=device)
    order = torch.randperm(count, generator=generator).to(device)

    model.train()
    loss_sum = torch.zeros((), dtype=torch.float64, device=device)
    correct = torch.zeros((), dtype=torch.int64, device=device)
    start = None
    for step in range(steps):
        if step == cfg["warmup"]:
            if cuda:
                torch.cuda.synchronize()
            start = time.perf_counter()
        index = order[step * batch:(step + 1) * batch]
        x = (images.index_select(0, index).float().div_(255.0) - mean) / std
        x = x.contiguous(memory_format=memory_format)
        y = labels.index_select(0, index)
        with torch.autocast(device.type, dtype=torch.bfloat16, enabled=cfg["amp"]):
            logits = model(x)
            loss = F.cross_entropy(logits, y)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        loss_sum += loss.detach().double() * batch
        correct += (logits.detach().argmax(1) == y).sum()
        if (step + 1) % cfg["report_every"] == 0:
            loss.item()
    loss_sum.item()
    seconds = time.perf_counter() - start
    result = {key: cfg[key] for key in ("model", "size", "channels", "batch", "amp", "device")}
    result["imagesPerSecond"] = cfg["measure"] * batch / seconds
    del model, optimizer, images
    gc.collect()
    if cuda:
        torch.cuda.empty_cache()
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--plan")
    parser.add_argument("--model")
    parser.add_argument("--size", type=int)
    for key in ("channels", "classes", "batch", "warmup", "measure", "threads"):
        parser.add_argument("--" + key, type=int, default=DEFAULTS[key])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--amp", action="store_true")
    args = parser.parse_args()
    if args.plan:
        with open(args.plan) as f:
            plan = json.load(f)
    else:
        plan = [{k: v for k, v in vars(args).items() if k != "plan"}]
    for cfg in plan:
        print(json.dumps(measure(cfg)), flush=True)


if __name__ == "__main__":
    main()
