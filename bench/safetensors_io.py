"""Reads .safetensors files for the PyTorch reference scripts, without the `safetensors` package
(not in Debian): an 8-byte little-endian header length, a JSON header, then the raw tensor data."""
import json, struct
import torch

DTYPES = {"F32": torch.float32, "I64": torch.int64}


def load_safetensors(path):
    """Returns {name: tensor} (writable copies) for every tensor in the file."""
    with open(path, "rb") as f:
        data = f.read()
    n = struct.unpack("<Q", data[:8])[0]
    header = json.loads(data[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        raw = bytearray(data[8 + n + begin : 8 + n + end])
        out[name] = torch.frombuffer(raw, dtype=DTYPES[e["dtype"]]).reshape(e["shape"]) if raw else torch.zeros(e["shape"], dtype=DTYPES[e["dtype"]])
    return out
