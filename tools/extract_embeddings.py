#!/usr/bin/python3
"""extract_embeddings.py -- PyTorch checkpoints to the embeddings dsesweep scores.

    tools/extract_embeddings.py --model MODULE:FUNCTION --checkpoints GLOB
        --samples INPUTS.npy [--labels LABELS.npy] | --samples FOLDER
        [--layer NAME] [--batch-size B] [--format npy|h5] [--dtype float32|float16]
        [--suffix .emb] [--write-labels FILE] [--device cpu] [--force] [--quiet]

For every checkpoint (a state-dict file matched by GLOB, e.g. 'runs/*/epoch_*.pt'):
  1. build the model with MODULE:FUNCTION() (MODULE is imported from the current
     directory, the directory of --model-path, or sys.path);
  2. load the state dict (a bare state dict, or a dict holding one under
     'state_dict', 'model_state_dict' or 'model');
  3. run the fixed sample set through it in eval mode, without gradients, in
     batches, capturing one layer with a forward hook: --layer NAME (a name from
     model.named_modules(), its output), or by default the penultimate layer
     (the input of the model's last leaf module, i.e. what the classifier head
     sees);
  4. write the N x D embeddings beside the checkpoint: CKPT_STEM + SUFFIX + .npy
     (or .h5 with dataset /embeddings), float32 by default, float16 on request;
     plus CKPT_STEM + SUFFIX + .json recording the checkpoint's SHA-256, the
     layer, the sample set's SHA-256, shape and dtype.
A checkpoint whose .json matches (same weights, layer, samples, format and dtype)
is skipped; changed weights are extracted again (--force: always). One progress
line per checkpoint. A checkpoint that fails (unreadable, wrong keys, shape
mismatch) is reported on one line naming the file, and the rest go on.

Samples: an .npy array of inputs (N x ...; --labels gives the N labels), or a
FOLDER with one subdirectory per class holding one .npy file per sample
(labels = the sorted class directory index). --write-labels FILE writes the
labels as int64 .npy for the sweep's `labels =` key.

Exit status: 0 all extracted or skipped, 3 some checkpoints failed, 2 usage,
1 the samples or the model factory could not be loaded.
"""
import argparse
import glob
import hashlib
import importlib
import json
import os
import sys
import time

import numpy as np

try:
    import torch
except ImportError:  # the tool needs Debian's python3-torch
    sys.stderr.write("extract_embeddings.py: error: PyTorch is not installed "
                     "(apt-get install python3-torch)\n")
    sys.exit(1)


class ExtractionError(Exception):
    """A per-checkpoint failure: reported, and the sweep of checkpoints goes on."""


def sha256_file(path, chunk=1 << 20):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while True:
            b = f.read(chunk)
            if not b:
                return h.hexdigest()
            h.update(b)


def load_factory(spec, extra_path):
    if ":" not in spec:
        raise SystemExit("extract_embeddings.py: error: --model must be MODULE:FUNCTION, got '%s'" % spec)
    module_name, func_name = spec.split(":", 1)
    for p in (extra_path, os.getcwd()):
        if p and p not in sys.path:
            sys.path.insert(0, p)
    try:
        module = importlib.import_module(module_name)
        factory = getattr(module, func_name)
    except (ImportError, AttributeError) as e:
        sys.stderr.write("extract_embeddings.py: error: cannot load model factory %s: %s\n" % (spec, e))
        sys.exit(1)
    return factory


def load_samples(path, labels_path):
    """Returns (inputs as float32 array N x ..., labels int64 array N or None, sha256)."""
    if os.path.isdir(path):
        classes = sorted(d for d in os.listdir(path) if os.path.isdir(os.path.join(path, d)))
        if not classes:
            raise ValueError("%s: no class subdirectories" % path)
        xs, ys = [], []
        for ci, c in enumerate(classes):
            for fname in sorted(os.listdir(os.path.join(path, c))):
                if fname.endswith(".npy"):
                    xs.append(np.load(os.path.join(path, c, fname), allow_pickle=False))
                    ys.append(ci)
        if not xs:
            raise ValueError("%s: no .npy samples in the class subdirectories" % path)
        shapes = {x.shape for x in xs}
        if len(shapes) != 1:
            raise ValueError("%s: samples have different shapes %s" % (path, sorted(shapes)[:3]))
        inputs, labels = np.stack(xs), np.asarray(ys, dtype=np.int64)
    else:
        inputs = np.load(path, allow_pickle=False)
        labels = None
        if labels_path:
            labels = np.load(labels_path, allow_pickle=False).reshape(-1)
            if labels.shape[0] != inputs.shape[0]:
                raise ValueError("%s: %d labels but %s has %d samples"
                                 % (labels_path, labels.shape[0], path, inputs.shape[0]))
    if inputs.ndim < 2 or inputs.shape[0] < 2:
        raise ValueError("%s: need an N x ... array with N >= 2, got shape %s" % (path, inputs.shape))
    if not np.issubdtype(inputs.dtype, np.number):
        raise ValueError("%s: dtype %s is not numeric" % (path, inputs.dtype))
    inputs = np.ascontiguousarray(inputs, dtype=np.float32)
    if not np.isfinite(inputs).all():
        raise ValueError("%s: inputs hold NaN or Inf" % path)
    digest = hashlib.sha256(inputs.tobytes() + str(inputs.shape).encode()).hexdigest()
    return inputs, labels, digest


def state_dict_of(obj, path):
    if isinstance(obj, dict):
        for key in ("state_dict", "model_state_dict", "model"):
            if key in obj and isinstance(obj[key], dict):
                return obj[key]
        if all(isinstance(v, torch.Tensor) for v in obj.values()):
            return obj
    raise ExtractionError("%s: not a state dict (a %s%s)" % (
        path, type(obj).__name__, " with keys " + ", ".join(list(map(str, obj))[:4]) if isinstance(obj, dict) else ""))


def find_layer(model, name):
    """Returns (module, use_input): the hooked module and whether to take its input."""
    modules = dict(model.named_modules())
    if name:
        if name not in modules:
            leaves = [n for n, m in model.named_modules() if n and not list(m.children())]
            raise ExtractionError("no layer '%s' in the model (leaf layers: %s)" % (name, ", ".join(leaves[:12])))
        return modules[name], False
    leaves = [m for n, m in model.named_modules() if n and not list(m.children())]
    if not leaves:
        raise ExtractionError("the model has no submodules; name a layer with --layer")
    return leaves[-1], True  # penultimate representation: the input of the last layer


def embed(model, inputs, layer, batch_size, device):
    module, use_input = find_layer(model, layer)
    captured = []

    def hook(_mod, args, output):
        t = args[0] if use_input else output
        if isinstance(t, (tuple, list)):
            t = t[0]
        captured.append(t.detach().reshape(t.shape[0], -1).to("cpu", torch.float64))

    handle = module.register_forward_hook(hook)
    try:
        model.eval()
        with torch.no_grad():
            for start in range(0, inputs.shape[0], batch_size):
                batch = torch.from_numpy(inputs[start:start + batch_size]).to(device)
                model(batch)
    finally:
        handle.remove()
    if not captured:
        raise ExtractionError("the hooked layer never ran")
    z = torch.cat(captured).numpy()
    if z.shape[0] != inputs.shape[0]:
        raise ExtractionError("captured %d rows for %d samples" % (z.shape[0], inputs.shape[0]))
    if not np.isfinite(z).all():
        raise ExtractionError("the embeddings hold NaN or Inf")
    return z


def write_atomic_npy(path, array):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        np.save(f, array)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)


def write_h5(path, array):
    try:
        import h5py
    except ImportError:
        raise ExtractionError("--format h5 needs h5py (apt-get install python3-h5py)")
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.create_dataset("embeddings", data=array)
    os.replace(tmp, path)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", required=True, help="MODULE:FUNCTION returning the torch.nn.Module")
    ap.add_argument("--model-path", default=None, help="directory to import MODULE from")
    ap.add_argument("--checkpoints", required=True, help="glob of state-dict files (quote it)")
    ap.add_argument("--samples", required=True, help="inputs .npy, or a folder of class subdirectories")
    ap.add_argument("--labels", default=None, help="labels .npy for an inputs .npy")
    ap.add_argument("--write-labels", default=None, help="write the sample labels here (int64 .npy)")
    ap.add_argument("--layer", default=None, help="module name to capture (default: penultimate)")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--format", choices=("npy", "h5"), default="npy")
    ap.add_argument("--dtype", choices=("float32", "float16"), default="float32")
    ap.add_argument("--suffix", default=".emb", help="added to the checkpoint's stem (default .emb)")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--force", action="store_true", help="extract even when up to date")
    ap.add_argument("--quiet", action="store_true")
    a = ap.parse_args(argv)
    if a.batch_size < 1:
        ap.error("--batch-size must be at least 1")

    factory = load_factory(a.model, a.model_path)
    try:
        inputs, labels, samples_digest = load_samples(a.samples, a.labels)
    except (OSError, ValueError) as e:
        sys.stderr.write("extract_embeddings.py: error: %s\n" % e)
        return 1
    if a.write_labels:
        if labels is None:
            sys.stderr.write("extract_embeddings.py: error: --write-labels needs --labels or a sample folder\n")
            return 2
        write_atomic_npy(a.write_labels, labels.astype(np.int64))
    paths = sorted(glob.glob(a.checkpoints, recursive=True))
    paths = [p for p in paths if not p.endswith((".npy", ".h5", ".json", ".tmp"))]
    if not paths:
        sys.stderr.write("extract_embeddings.py: error: no checkpoint matches '%s'\n" % a.checkpoints)
        return 2
    torch.manual_seed(0)
    done = skipped = failed = 0
    for i, ckpt in enumerate(paths, 1):
        t0 = time.time()
        stem = os.path.splitext(ckpt)[0] + a.suffix
        out = stem + "." + a.format
        meta_path = stem + ".json"
        try:
            digest = sha256_file(ckpt)
            want = {"checkpoint": os.path.basename(ckpt), "checkpoint_sha256": digest,
                    "layer": a.layer or "penultimate", "samples_sha256": samples_digest,
                    "format": a.format, "dtype": a.dtype}
            if not a.force and os.path.exists(out) and os.path.exists(meta_path):
                try:
                    old = json.load(open(meta_path))
                except (OSError, ValueError):
                    old = {}
                if all(old.get(k) == v for k, v in want.items()):
                    skipped += 1
                    if not a.quiet:
                        print("[%d/%d] %s: up to date, skipped" % (i, len(paths), ckpt), flush=True)
                    continue
            try:
                obj = torch.load(ckpt, map_location="cpu")
            except Exception as e:  # torch raises many types for a bad file
                raise ExtractionError("%s: cannot load: %s" % (ckpt, str(e).splitlines()[0] if str(e) else type(e).__name__))
            model = factory()
            try:
                model.load_state_dict(state_dict_of(obj, ckpt), strict=True)
            except RuntimeError as e:
                raise ExtractionError("%s: state dict does not fit the model: %s" % (ckpt, " ".join(str(e).split())[:300]))
            model.to(a.device)
            try:
                z = embed(model, inputs, a.layer, a.batch_size, a.device)
            except ExtractionError as e:
                raise ExtractionError("%s: %s" % (ckpt, e))
            z = z.astype(np.float16 if a.dtype == "float16" else np.float32)
            if a.dtype == "float16" and not np.isfinite(z).all():
                raise ExtractionError("%s: embeddings overflow float16; use --dtype float32" % ckpt)
            (write_h5 if a.format == "h5" else write_atomic_npy)(out, z)
            want.update(shape=list(z.shape), samples=int(z.shape[0]))
            with open(meta_path + ".tmp", "w") as f:
                json.dump(want, f, indent=1)
            os.replace(meta_path + ".tmp", meta_path)
            done += 1
            if not a.quiet:
                print("[%d/%d] %s -> %s  %d x %d %s  %.2f s" % (i, len(paths), ckpt, out, z.shape[0], z.shape[1],
                                                              a.dtype, time.time() - t0), flush=True)
        except (ExtractionError, OSError) as e:
            failed += 1
            msg = str(e) if isinstance(e, ExtractionError) else "%s: %s" % (ckpt, e)
            print("[%d/%d] FAILED %s" % (i, len(paths), msg), file=sys.stderr, flush=True)
    print("extracted %d, up to date %d, failed %d (of %d checkpoints)" % (done, skipped, failed, len(paths)),
          flush=True)
    return 3 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
