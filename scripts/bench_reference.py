#!/usr/bin/python3
"""The PyTorch eager loop a researcher would write, for `npm run bench` to compare against.

Same network (torchvision's), optimizer, batch, size, threads and per-step work as
fer-ga's native loop: pick the batch from uint8 images, scale, normalise, forward,
cross-entropy, backward, step, read the loss and count correct predictions.
Prints one JSON line: {"imagesPerSecond": …}.
"""
import argparse
import json
import time

import torch
import torch.nn.functional as F
import torchvision


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--model", required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--classes", type=int, default=7)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--measure", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(1)
    kwargs = {"num_classes": args.classes}
    if args.model == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, args.model)(**kwargs)
    if args.channels != 3:
        raise SystemExit("the reference uses torchvision's 3-channel stem")
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-4, momentum=0.9, weight_decay=1e-4)

    steps = args.warmup + args.measure
    count = steps * args.batch
    generator = torch.Generator().manual_seed(1)
    images = torch.randint(0, 256, (count, args.channels, args.size, args.size), dtype=torch.uint8, generator=generator)
    labels = torch.randint(0, args.classes, (count,), generator=generator)
    mean = torch.full((1, args.channels, 1, 1), 0.5)
    std = torch.full((1, args.channels, 1, 1), 0.29)
    order = torch.randperm(count, generator=generator)

    model.train()
    start = None
    for step in range(steps):
        if step == args.warmup:
            start = time.perf_counter()
        index = order[step * args.batch:(step + 1) * args.batch]
        x = (images.index_select(0, index).float().div_(255.0) - mean) / std
        y = labels.index_select(0, index)
        logits = model(x)
        loss = F.cross_entropy(logits, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        loss.item()
        (logits.detach().argmax(1) == y).sum().item()
    seconds = time.perf_counter() - start
    print(json.dumps({"imagesPerSecond": args.measure * args.batch / seconds}))


if __name__ == "__main__":
    main()
