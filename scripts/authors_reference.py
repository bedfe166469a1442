#!/usr/bin/env python3
"""Runs the authors' own PyTorch model classes on our MNIST files, to check our numbers
against their implementation rather than against the paper's figures.

Needs a checkout of Priesemann-Group/Infomorphic_Networks (commit 5284adf) and a Python with
torch, numpy, scikit-learn, matplotlib and omegaconf (PyPI). Hydra, fastprogress and the
storage helpers are not needed: the script builds the configuration from the checkout's YAML
files (base_config + dataset/mnist + models/<model> + goals/<model>/<goal>) and calls the
checkout's model class, `trainer` and `valid` from paper_trivariate/base_model.py directly,
with the data handling of their grab_data / init_dataloaders (global mean and std of the
training pixels, random_split 80/20 seeded by the seed, shuffled batches of 1024, epoch 0
without updates). Nothing of their code is copied here.

If the checkout lacks moebius.pkl (a large file that mirrors may leave out), it is written from
the redundancy lattice (the inverse of the zeta matrix over their get_achains order).

Prints one JSON line per epoch: train / validation / test accuracy and the layer-summed
hidden atoms in get_achains order (+ H_res).

    python3 scripts/authors_reference.py --authors ~/Infomorphic_Networks \\
        --model infomorphic_context --goal naive --epochs 100 --seed 1

`--set KEY=VALUE` overrides one configuration value (repeatable), as the overrides of a Hydra
multirun do.
"""
import argparse
import gzip
import json
import os
import pickle
import struct
import sys
import time
import types

import numpy as np


def read_idx(path):
    with gzip.open(path) as f:
        data = f.read()
    dims = data[3]
    shape = struct.unpack(">" + "I" * dims, data[4:4 + 4 * dims])
    return np.frombuffer(data[4 + 4 * dims:], dtype=np.uint8).reshape(shape)


def ensure_moebius(authors):
    path = os.path.join(authors, "moebius.pkl")
    if os.path.exists(path):
        return
    from im_net import helper_functions as hf
    table = {}
    for n in (2, 3):
        chains = hf.get_achains(num_sources=n, starting_idx=1)
        below = lambda b, a: all(any(set(x) <= set(y) for x in b) for y in a)  # b <= a in the lattice
        zeta = np.array([[1.0 if below(b, a) else 0.0 for b in chains] for a in chains])
        table[n] = (chains, np.rint(np.linalg.inv(zeta)))
    with open(path + ".tmp", "wb") as f:
        pickle.dump(table, f)
    os.replace(path + ".tmp", path)


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--authors", required=True, help="checkout of Priesemann-Group/Infomorphic_Networks")
    p.add_argument("--model", default="infomorphic_context",
                   help="conf/models/<model>.yaml: infomorphic_context, infomorphic_context_lateral, infomorphic_lateral")
    p.add_argument("--goal", default="naive", help="conf/goals/<model>/<goal>.yaml")
    p.add_argument("--epochs", type=int, default=100)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--data-dir", default=os.path.join(here, "..", "data", "mnist"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config value as a Hydra multirun would, e.g. "
                        "binning_params.binning_bivariate_hidden_layer.type=im_net.prob_estim.BinningFixedSize")
    a = p.parse_args()

    authors = os.path.abspath(a.authors)
    for name in ("hydra", "fastprogress", "custom_utils"):  # imported by base_model.py, unused here
        stub = types.ModuleType(name)
        stub.main = lambda **kw: (lambda f: f)
        sys.modules[name] = stub
    sys.path[:0] = [authors, os.path.join(authors, "paper_trivariate")]
    import torch
    from omegaconf import OmegaConf
    import base_model

    ensure_moebius(authors)
    conf = os.path.join(authors, "paper_trivariate", "conf")
    cfg = OmegaConf.merge(OmegaConf.load(os.path.join(conf, "base_config.yaml")),
                          {"dataset": OmegaConf.load(os.path.join(conf, "dataset", "mnist.yaml"))},
                          OmegaConf.load(os.path.join(conf, "models", a.model + ".yaml")),
                          OmegaConf.load(os.path.join(conf, "goals", a.model, a.goal + ".yaml")))
    cfg.layer_params.hidden_layer1.output_size = a.hidden
    for item in a.set:
        key, eq, value = item.partition("=")
        absent = object()  # a key whose value is null (e.g. `index: null`) may still be set
        if not eq or OmegaConf.select(cfg, key, default=absent) is absent:
            sys.exit(f"--set {item}: expected KEY=VALUE with a KEY of the configuration")
        cfg = OmegaConf.merge(cfg, OmegaConf.from_dotlist([item]))
    model_class = getattr(base_model, OmegaConf.select(cfg, "exp_params.model_class"))
    torch.set_num_threads(a.threads)

    d = a.data_dir
    x_train = torch.tensor(read_idx(os.path.join(d, "train-images-idx3-ubyte.gz")), dtype=torch.float32)
    y_train = torch.tensor(read_idx(os.path.join(d, "train-labels-idx1-ubyte.gz")).astype(np.int64))
    x_test = torch.tensor(read_idx(os.path.join(d, "t10k-images-idx3-ubyte.gz")), dtype=torch.float32)
    y_test = torch.tensor(read_idx(os.path.join(d, "t10k-labels-idx1-ubyte.gz")).astype(np.int64))
    mean, std = x_train.mean(), x_train.std()
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std

    np.random.seed(a.seed)
    torch.manual_seed(a.seed)
    full = torch.utils.data.TensorDataset(x_train, y_train)
    n_val = int(np.ceil(0.2 * len(full)))
    train, val = torch.utils.data.random_split(full, (len(full) - n_val, n_val),
                                               generator=torch.Generator().manual_seed(a.seed))
    loader = lambda s: torch.utils.data.DataLoader(s, batch_size=1024, shuffle=True)
    train_l, val_l, test_l = loader(train), loader(val), loader(torch.utils.data.TensorDataset(x_test, y_test))

    os.chdir(authors)  # im_model reads moebius.pkl from the working directory
    model = model_class(cfg.layer_params, cfg.binning_params, cfg.optim_params, device="cpu")
    for epoch in range(a.epochs + 1):
        start = time.time()
        _, train_acc, atoms, _ = base_model.trainer(train_l, model.optimizers, model, "cpu", None, update=epoch > 0)
        _, val_acc = base_model.valid(val_l, model, "cpu", None)
        _, test_acc = base_model.valid(test_l, model, "cpu", None)
        print(json.dumps({"epoch": epoch, "seconds": round(time.time() - start, 3), "train_accuracy": train_acc,
                          "validation_accuracy": val_acc, "test_accuracy": test_acc,
                          "hidden_atoms": np.asarray(atoms[0]).sum(-1).tolist()}), flush=True)


if __name__ == "__main__":
    main()
