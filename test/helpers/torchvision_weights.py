#!/usr/bin/python3
"""torchvision's side of the weight tests (Debian's python3-torchvision).

  make DIR MODEL SIZE CLASSES   random-init model → DIR/MODEL.pth (torch.save(state_dict)),
                                DIR/MODEL.safetensors, DIR/MODEL.input.bin (2×3×S×S float32),
                                DIR/MODEL.logits.bin (its eval-mode logits)
  check DIR MODEL SIZE CLASSES CHANNELS FILE
                                loads FILE (.safetensors) with strict=True and prints
                                {"maxAbsDiff": …} against DIR/MODEL.logits.bin (3 channels)
  other DIR                     DIR/list.pth: a torch.save file that is not a state dict
"""
import json
import struct
import sys

import torch
import torchvision

DTYPES = {torch.float32: "F32", torch.int64: "I64"}
FROM_DTYPE = {"F32": torch.float32, "I64": torch.int64}


def build(name, classes, channels=3):
    kwargs = {"num_classes": classes}
    if name == "googlenet":
        kwargs.update(aux_logits=False, init_weights=True)
    model = getattr(torchvision.models, name)(**kwargs)
    if channels == 1:
        if name in ("alexnet", "vgg16"):
            old = model.features[0]
            model.features[0] = torch.nn.Conv2d(1, old.out_channels, old.kernel_size, old.stride, old.padding)
        elif name == "googlenet":
            old = model.conv1.conv
            model.conv1.conv = torch.nn.Conv2d(1, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
        else:
            old = model.conv1
            model.conv1 = torch.nn.Conv2d(1, old.out_channels, old.kernel_size, old.stride, old.padding, bias=False)
    return model.eval()


def write_safetensors(path, state):
    header, blobs, offset = {}, [], 0
    for name, tensor in state.items():
        data = tensor.detach().contiguous().numpy().tobytes()
        header[name] = {"dtype": DTYPES[tensor.dtype], "shape": list(tensor.shape), "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    text = json.dumps(header).encode()
    text += b" " * ((8 - (8 + len(text)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)))
        f.write(text)
        for blob in blobs:
            f.write(blob)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    base = 8 + length
    state = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        tensor = torch.frombuffer(bytearray(raw[base + begin:base + end]), dtype=FROM_DTYPE[entry["dtype"]])
        state[name] = tensor.reshape(entry["shape"]).clone()
    return state


def main():
    command, folder = sys.argv[1], sys.argv[2]
    if command == "other":
        torch.save([torch.ones(2)], f"{folder}/list.pth")
        return
    name, size, classes = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    torch.manual_seed(0)
    if command == "make":
        model = build(name, classes)
        torch.save(model.state_dict(), f"{folder}/{name}.pth")
        write_safetensors(f"{folder}/{name}.safetensors", model.state_dict())
        x = torch.randn(2, 3, size, size, generator=torch.Generator().manual_seed(1))
        with torch.no_grad():
            logits = model(x)
        x.numpy().tofile(f"{folder}/{name}.input.bin")
        logits.numpy().tofile(f"{folder}/{name}.logits.bin")
    elif command == "check":
        channels, path = int(sys.argv[6]), sys.argv[7]
        model = build(name, classes, channels)
        model.load_state_dict(read_safetensors(path), strict=True)
        result = {"loaded": True}
        if channels == 3:
            x = torch.from_numpy(__import__("numpy").fromfile(f"{folder}/{name}.input.bin", dtype="float32")).reshape(2, 3, size, size)
            expected = torch.from_numpy(__import__("numpy").fromfile(f"{folder}/{name}.logits.bin", dtype="float32")).reshape(2, classes)
            with torch.no_grad():
                result["maxAbsDiff"] = float((model(x) - expected).abs().max())
        print(json.dumps(result))


if __name__ == "__main__":
    main()
