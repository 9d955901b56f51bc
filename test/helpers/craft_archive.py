"""
Crafted libtorch archives for the readers' tests: loads a checkpoint or training state
fer-ga wrote (torch.jit's module format, the same libtorch as the addon) and writes one
copy per edit, each a well-formed archive with valid CRCs, so that only the checks on its
contents can refuse it.

    python3 craft_archive.py SOURCE OUT_DIR EDITS.json

EDITS.json: [{"name": "...", "set": {"dotted.attribute": VALUE, ...}}, ...] (a part "#N" of
the path is the N-th child), where VALUE is
a number, a string, or {"tensor": [...], "dtype": "float64", "shape": [...]} with optional
"expand": [rows, cols] (a stride-0 view: a few bytes that stand for rows × cols values) or
{"like": "dotted.attribute", "shape": [...], "dtype": ...} (that tensor's first values
reshaped, or zeros when it has fewer). Prints one line per edit: the file written.
"""
import json
import os
import sys

import torch

DTYPES = {"float64": torch.float64, "float32": torch.float32, "int64": torch.int64, "float16": torch.float16}


def resolve(module, dotted):
    """A dotted path; a part "#N" is the module's N-th child (for names not known beforehand)."""
    *parents, name = dotted.split(".")
    for parent in parents:
        module = list(module.children())[int(parent[1:])] if parent.startswith("#") else getattr(module, parent)
    return module, name


def value_of(spec, module):
    if isinstance(spec, list):
        return tuple(spec)  # libtorch's tuples (Adam's betas)
    if not isinstance(spec, dict):
        return spec
    if "like" in spec:
        owner, name = resolve(module, spec["like"])
        base = getattr(owner, name).detach().flatten()
        dtype = DTYPES[spec.get("dtype", "float32")]
        count = 1
        for size in spec["shape"]:
            count *= size
        values = torch.zeros(count, dtype=dtype)
        values[: min(count, base.numel())] = base[: min(count, base.numel())].to(dtype)
        return values.reshape(spec["shape"])
    # "nan", "inf" and "-inf" stand for the values JSON has no words for.
    values = [float(v) if isinstance(v, str) else v for v in spec["tensor"]]
    tensor = torch.tensor(values, dtype=DTYPES[spec.get("dtype", "float64")])
    if "shape" in spec:
        tensor = tensor.reshape(spec["shape"])
    if "expand" in spec:
        tensor = tensor.reshape(1, -1).expand(*spec["expand"])
    return tensor


def main():
    source, out_dir, edits_file = sys.argv[1:4]
    with open(edits_file) as f:
        edits = json.load(f)
    for index, edit in enumerate(edits):
        module = torch.jit.load(source)
        for dotted, spec in edit["set"].items():
            owner, name = resolve(module, dotted)
            owner._c.setattr(name, value_of(spec, module))
        out = os.path.join(out_dir, f"crafted-{index}.bin")
        torch.jit.save(module, out)
        print(out)


if __name__ == "__main__":
    main()
