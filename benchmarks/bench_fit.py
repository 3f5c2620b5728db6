"""Time per epoch of sklimb against default skorch and a plain PyTorch loop.

Five ways of training the same network on the same data are timed:

``plain-ce``
    A plain PyTorch loop: the training tensors are moved to the device once,
    each epoch draws a ``torch.randperm`` and gathers each batch by indexing;
    ``F.cross_entropy``, ``zero_grad``/``backward``/``step``, nothing else
    (no loss logging). This is the baseline of every ratio.
``skorch-ce``
    ``skorch.NeuralNetClassifier`` with ``criterion=nn.CrossEntropyLoss``,
    ``train_split=None`` and ``iterator_train__shuffle=True``: skorch's own
    data path (``Dataset`` + ``DataLoader``), but without its default 20%
    validation split and with shuffling on, so that it does the same work
    as the other methods.
``sklimb-ce``
    ``sklimb.CostSensitiveNetClassifier(loss="cross_entropy")``.
``sklimb-bilinear``
    The same with ``loss="bilinear"``, ``alpha=0.9`` and a random 30-cell
    0/1 mask as penalty matrix.
``plain-bilinear``
    The plain loop with :func:`sklimb.losses.bilinear_loss`, which separates
    the cost of the loss itself from the cost of the framework around it.

On CUDA, ``sklimb-ce`` and ``sklimb-bilinear`` replay their training steps
from CUDA graphs (``cuda_graph="auto"``, the default), and two more methods
run: ``sklimb-ce-eager`` (``cuda_graph=False``) and ``sklimb-ce-bf16``
(``precision="bfloat16"``, captured). The plain loop stays eager: it is the
loop a user would write.

All five start from a copy of the same seed-initialised network and use Adam
with the same learning rate, the same batch size and the same number of
epochs, and all reshuffle the training data every epoch.

Timing. Every repeat times, for every method, a whole ``fit`` of 1 epoch and
a whole ``fit`` of ``E`` epochs, wall clock from the NumPy arrays to the
trained network (``torch.cuda.synchronize()`` before reading the clock on
CUDA). The methods are interleaved and their order rotates from one repeat to
the next, so that the load of a shared machine falls on all of them alike.
Two numbers per method:

* steady-state seconds per epoch, ``(T_E - T_1) / (E - 1)`` within each
  repeat: the cost of one more epoch, without start-up and the first epoch;
* whole-fit seconds per epoch, ``T_E / E``: what a user waits for, start-up
  (validation, moving data, building the module and optimiser) included.

The same steady-state difference is also taken on the process CPU time
(``time.process_time``), which other jobs on a shared machine disturb less
than the wall clock, especially with one torch thread (``--threads 1``); on
CUDA it counts only the host side.

The table gives the median over repeats, the inter-quartile range, the ratio
of medians to ``plain-ce`` and the median of the ratios taken within each
repeat ("paired"; the methods of one repeat ran back to back). The target
checks are printed as PASS/FAIL for each timing, whatever the numbers.

Examples
--------
On a CPU (digits MLP and a 3000-image MNIST subset of the paper's CNN)::

    python benchmarks/bench_fit.py --device cpu --case all --json out.json

On a GPU (the paper's MNIST CNN on all 60000 training images)::

    python benchmarks/bench_fit.py --device cuda --case mnist-cnn

Profile one method (cProfile, top functions by own time)::

    python benchmarks/bench_fit.py --case digits-mlp --profile sklimb-ce
"""

import argparse
import copy
import cProfile
import gc
import io
import json
import os
import platform
import pstats
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import sklearn
import skorch
import torch
import torch.nn.functional as F
from skorch import NeuralNetClassifier
from torch import nn

import sklimb
from sklimb import CostSensitiveNetClassifier
from sklimb.datasets import load_dataset
from sklimb.losses import bilinear_loss
from sklimb.modules import MLP, MNISTConvNet
from sklimb.penalty import random_mask

METHODS = (
    "plain-ce",
    "skorch-ce",
    "sklimb-ce",
    "sklimb-bilinear",
    "plain-bilinear",
)
CUDA_METHODS = ("sklimb-ce-eager", "sklimb-ce-bf16")
BASELINE = "plain-ce"
CASES = ("digits-mlp", "mnist-cnn")
# Defaults per (case, device kind): epochs, repeats, MNIST subset size.
_DEFAULTS = {
    ("digits-mlp", "cpu"): {"epochs": 20, "repeats": 15, "n_samples": None},
    ("digits-mlp", "cuda"): {"epochs": 20, "repeats": 5, "n_samples": None},
    ("mnist-cnn", "cpu"): {"epochs": 4, "repeats": 5, "n_samples": 3000},
    ("mnist-cnn", "cuda"): {"epochs": 10, "repeats": 2, "n_samples": 60000},
}
# Target ratios of the issue: sklimb CE over the plain loop (on the CPU; on
# CUDA, where sklimb replays captured steps, MAX_CUDA_RATIO), sklimb bilinear
# over sklimb CE.
MAX_OVERHEAD = 1.10
MAX_CUDA_RATIO = 0.70
MAX_BILINEAR = 1.05
N_MASK_CELLS = 30
ALPHA = 0.9
SEED = 0
# Wall and process CPU time of the 1-epoch and E-epoch fits.
_TIME_KEYS = ("wall_1", "wall_E", "cpu_1", "cpu_E")
# Per-epoch timings: wall clock without and with start-up, and process CPU
# time without start-up (robust to other jobs' load when running 1 thread).
_TIMINGS = ("steady", "whole_fit", "steady_cpu")


# ---------------------------------------------------------------------------
# data and networks
# ---------------------------------------------------------------------------
def _load_case(case, n_samples, data_dir):
    """Training arrays and a network factory of one case, or None with a reason."""
    if case == "digits-mlp":
        data = load_dataset("digits")
        X = np.concatenate([data.X_train, data.X_test]).astype(np.float32)
        y = np.concatenate([data.y_train, data.y_test]).astype(np.int64)
        n_features = X.shape[1]

        def factory():
            return MLP(n_features, 10, hidden_layer_sizes=(100,))

        return X, y, factory, "MLP(64 -> 100 -> 10)"
    try:
        data = load_dataset("mnist", data_dir)
    except (FileNotFoundError, OSError, ValueError) as exc:
        return None, f"MNIST could not be loaded ({exc})"
    X, y = data.X_train, data.y_train.astype(np.int64)
    if n_samples is not None and n_samples < len(X):
        rows = np.sort(np.random.default_rng(SEED).permutation(len(X))[:n_samples])
        X, y = X[rows], y[rows]
    X = np.ascontiguousarray(X, dtype=np.float32)

    def factory():
        return MNISTConvNet(10, input_shape=(1, 28, 28))

    return X, y, factory, "MNISTConvNet (paper's MNIST CNN)"


# ---------------------------------------------------------------------------
# the five ways of training
# ---------------------------------------------------------------------------
def _plain_fit(module, X, y, *, epochs, batch_size, lr, device, loss_fn):
    model = module.to(device)
    model.train()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    X_t = torch.as_tensor(X, device=device)
    y_t = torch.as_tensor(y, device=device)
    generator = torch.Generator().manual_seed(SEED)
    n = len(X_t)
    for _ in range(epochs):
        order = torch.randperm(n, generator=generator).to(device)
        for start in range(0, n, batch_size):
            idx = order[start : start + batch_size]
            optimizer.zero_grad()
            loss = loss_fn(model(X_t[idx]), y_t[idx])
            loss.backward()
            optimizer.step()
    return model


def _skorch_fit(module, X, y, *, epochs, batch_size, lr, device):
    net = NeuralNetClassifier(
        module=module,
        criterion=nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=epochs,
        batch_size=batch_size,
        train_split=None,
        iterator_train__shuffle=True,
        device=device,
        verbose=0,
    )
    torch.manual_seed(SEED)
    return net.fit(X, y)


def _sklimb_fit(module, X, y, *, epochs, batch_size, lr, device, **loss_params):
    clf = CostSensitiveNetClassifier(
        module=module,
        optimizer=torch.optim.Adam,
        lr=lr,
        max_epochs=epochs,
        batch_size=batch_size,
        device=device,
        random_state=SEED,
        **loss_params,
    )
    return clf.fit(X, y)


def _methods(device):
    return METHODS + (CUDA_METHODS if device.startswith("cuda") else ())


def _make_runner(method, *, batch_size, lr, device, penalty_matrix):
    """A function ``run(module, X, y, epochs)`` that trains one way."""
    common = {"batch_size": batch_size, "lr": lr, "device": device}
    if method in CUDA_METHODS:
        extra = (
            {"cuda_graph": False}
            if method == "sklimb-ce-eager"
            else {"precision": "bfloat16"}
        )
        return lambda m, X, y, e: _sklimb_fit(
            m, X, y, epochs=e, loss="cross_entropy", **extra, **common
        )
    if method == "plain-ce":
        return lambda m, X, y, e: _plain_fit(
            m, X, y, epochs=e, loss_fn=F.cross_entropy, **common
        )
    if method == "plain-bilinear":
        A = torch.as_tensor(penalty_matrix, dtype=torch.float32, device=device)

        def loss_fn(logits, target):
            return bilinear_loss(logits, target, A, alpha=ALPHA)

        return lambda m, X, y, e: _plain_fit(
            m, X, y, epochs=e, loss_fn=loss_fn, **common
        )
    if method == "skorch-ce":
        return lambda m, X, y, e: _skorch_fit(m, X, y, epochs=e, **common)
    if method == "sklimb-ce":
        return lambda m, X, y, e: _sklimb_fit(
            m, X, y, epochs=e, loss="cross_entropy", **common
        )
    if method == "sklimb-bilinear":
        return lambda m, X, y, e: _sklimb_fit(
            m,
            X,
            y,
            epochs=e,
            loss="bilinear",
            penalty_matrix=penalty_matrix,
            alpha=ALPHA,
            **common,
        )
    raise ValueError(f"method must be one of {_methods(device)}, got {method!r}.")


# ---------------------------------------------------------------------------
# timing
# ---------------------------------------------------------------------------
def _sync(device):
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def _timed_fit(run, template, X, y, epochs, device):
    module = copy.deepcopy(template)
    gc.collect()
    _sync(device)
    start, cpu_start = time.perf_counter(), time.process_time()
    run(module, X, y, epochs)
    _sync(device)
    return time.perf_counter() - start, time.process_time() - cpu_start


def _quartiles(values):
    q1, med, q3 = np.percentile(values, [25, 50, 75])
    return float(med), float(q1), float(q3)


def _steady(times, epochs, clock="wall"):
    pairs = zip(times[f"{clock}_1"], times[f"{clock}_E"], strict=True)
    return [(te - t1) / (epochs - 1) for t1, te in pairs]


def _summarise(times, epochs):
    steady = _steady(times, epochs)
    whole = [te / epochs for te in times["wall_E"]]
    med, q1, q3 = _quartiles(steady)
    wmed, wq1, wq3 = _quartiles(whole)
    cmed, cq1, cq3 = _quartiles(_steady(times, epochs, "cpu"))
    return {
        "steady_s_per_epoch": med,
        "steady_iqr": [q1, q3],
        "whole_fit_s_per_epoch": wmed,
        "whole_fit_iqr": [wq1, wq3],
        "steady_cpu_s_per_epoch": cmed,
        "steady_cpu_iqr": [cq1, cq3],
        "startup_s": float(statistics.median(times["wall_1"])) - med,
    }


def _bench_case(case, X, y, factory, args, device, epochs, repeats):
    torch.manual_seed(SEED)
    template = factory()
    penalty_matrix = random_mask(10, N_MASK_CELLS, random_state=SEED)
    methods = _methods(device)
    runners = {
        m: _make_runner(
            m,
            batch_size=args.batch_size,
            lr=args.lr,
            device=device,
            penalty_matrix=penalty_matrix,
        )
        for m in methods
    }
    # One untimed fit each: lazy initialisation, allocator and kernel caches.
    for m in methods:
        _timed_fit(runners[m], template, X, y, 1, device)
    times = {m: {k: [] for k in _TIME_KEYS} for m in methods}
    load_before = os.getloadavg()
    for r in range(repeats):
        shift = r % len(methods)
        for m in methods[shift:] + methods[:shift]:
            for n_epochs, suffix in ((1, "1"), (epochs, "E")):
                wall, cpu = _timed_fit(runners[m], template, X, y, n_epochs, device)
                times[m][f"wall_{suffix}"].append(wall)
                times[m][f"cpu_{suffix}"].append(cpu)
        if args.verbose:
            line = ", ".join(f"{m} {times[m]['wall_E'][-1]:.3f}s" for m in methods)
            print(f"  repeat {r + 1}/{repeats}: {line}", file=sys.stderr, flush=True)
    load_after = os.getloadavg()
    summary = {m: _summarise(times[m], epochs) for m in methods}
    for key in _TIMINGS:
        base = summary[BASELINE][f"{key}_s_per_epoch"]
        for m in methods:
            summary[m][f"{key}_ratio"] = summary[m][f"{key}_s_per_epoch"] / base
    # Ratio within each repeat (the methods ran back to back), then the median:
    # less sensitive to load that changes between repeats.
    base_steady = _steady(times[BASELINE], epochs)
    for m in methods:
        steady = zip(_steady(times[m], epochs), base_steady, strict=True)
        pairs = [a / b for a, b in steady]
        summary[m]["steady_paired_ratio"] = float(statistics.median(pairs))
    return {
        "case": case,
        "device": device,
        "n_samples": int(len(X)),
        "n_batches_per_epoch": -(-len(X) // args.batch_size),
        "epochs": epochs,
        "repeats": repeats,
        "summary": summary,
        "raw_times_s": times,
        "checks": _checks(summary, device),
        "methods": list(methods),
        "load_average_1min": [load_before[0], load_after[0]],
    }


def _checks(summary, device):
    out = []
    limit = MAX_CUDA_RATIO if device.startswith("cuda") else MAX_OVERHEAD
    for key in _TIMINGS:
        s = {m: summary[m][f"{key}_s_per_epoch"] for m in _methods(device)}
        rules = (
            (
                f"sklimb CE / plain loop <= {limit:.2f}",
                s["sklimb-ce"] / s[BASELINE],
                s["sklimb-ce"] / s[BASELINE] <= limit,
            ),
            (
                "sklimb CE faster than default skorch",
                s["sklimb-ce"] / s["skorch-ce"],
                s["sklimb-ce"] < s["skorch-ce"],
            ),
            (
                f"sklimb bilinear / sklimb CE <= {MAX_BILINEAR:.2f}",
                s["sklimb-bilinear"] / s["sklimb-ce"],
                s["sklimb-bilinear"] / s["sklimb-ce"] <= MAX_BILINEAR,
            ),
        )
        for name, ratio, ok in rules:
            out.append(
                {"timing": key, "check": name, "ratio": ratio, "passed": bool(ok)}
            )
        out.append(
            {
                "timing": key,
                "check": "plain bilinear / plain CE (the loss alone, no target)",
                "ratio": s["plain-bilinear"] / s[BASELINE],
                "passed": None,
            }
        )
    return out


# ---------------------------------------------------------------------------
# report
# ---------------------------------------------------------------------------
def _environment(device):
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    env = {
        "python": platform.python_version(),
        "torch": torch.__version__,
        "skorch": skorch.__version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "sklimb": sklimb.__version__,
        "cpu": cpu,
        "torch_num_threads": torch.get_num_threads(),
    }
    if device.startswith("cuda"):
        env["gpu"] = torch.cuda.get_device_name(torch.device(device))
        env["cuda"] = torch.version.cuda
    return env


def _format_result(res):
    lines = [
        f"case {res['case']}  device {res['device']}  n_samples {res['n_samples']}"
        f"  batches/epoch {res['n_batches_per_epoch']}  epochs {res['epochs']}"
        f"  repeats {res['repeats']}  load average (1 min) before/after"
        f" {res['load_average_1min'][0]:.2f}/{res['load_average_1min'][1]:.2f}",
        f"{'method':<16} {'steady s/epoch':>14} {'IQR':>18} {'ratio':>6}"
        f" {'paired':>6} {'whole-fit s/ep':>14} {'ratio':>6}"
        f" {'CPU s/epoch':>11} {'ratio':>6} {'start-up s':>10}",
    ]
    for m in res["methods"]:
        s = res["summary"][m]
        q1, q3 = s["steady_iqr"]
        lines.append(
            f"{m:<16} {s['steady_s_per_epoch']:>14.4f}"
            f" {f'[{q1:.4f}, {q3:.4f}]':>18} {s['steady_ratio']:>6.3f}"
            f" {s['steady_paired_ratio']:>6.3f}"
            f" {s['whole_fit_s_per_epoch']:>14.4f} {s['whole_fit_ratio']:>6.3f}"
            f" {s['steady_cpu_s_per_epoch']:>11.4f} {s['steady_cpu_ratio']:>6.3f}"
            f" {s['startup_s']:>10.4f}"
        )
    for c in res["checks"]:
        verdict = "info" if c["passed"] is None else ("PASS" if c["passed"] else "FAIL")
        lines.append(f"{verdict:<4} [{c['timing']}] {c['check']}: {c['ratio']:.3f}")
    return "\n".join(lines)


def _profile(method, X, y, factory, args, device, epochs):
    torch.manual_seed(SEED)
    template = factory()
    run = _make_runner(
        method,
        batch_size=args.batch_size,
        lr=args.lr,
        device=device,
        penalty_matrix=random_mask(10, N_MASK_CELLS, random_state=SEED),
    )
    _timed_fit(run, template, X, y, 1, device)
    profiler = cProfile.Profile()
    module = copy.deepcopy(template)
    profiler.enable()
    run(module, X, y, epochs)
    _sync(device)
    profiler.disable()
    buf = io.StringIO()
    stats = pstats.Stats(profiler, stream=buf)
    stats.sort_stats("tottime").print_stats(args.profile_top)
    stats.sort_stats("cumulative").print_stats(args.profile_top)
    return buf.getvalue()


# ---------------------------------------------------------------------------
# command line
# ---------------------------------------------------------------------------
def _parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Seconds per epoch of sklimb vs default skorch vs a plain "
        "PyTorch loop, on the same network, data and epochs."
    )
    parser.add_argument("--device", choices=("cpu", "cuda", "auto"), default="auto")
    parser.add_argument("--case", choices=(*CASES, "all"), default="all")
    parser.add_argument(
        "--epochs", type=int, default=None, help="E (>= 2); default per case"
    )
    parser.add_argument(
        "--repeats", type=int, default=None, help="repeats; default per case"
    )
    parser.add_argument(
        "--n-samples",
        type=int,
        default=None,
        help="MNIST training images (default 3000 on CPU, 60000 on GPU)",
    )
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--lr", type=float, default=1e-3)
    parser.add_argument("--data-dir", default=None, help="folder holding mnist/")
    parser.add_argument("--threads", type=int, default=None, help="torch threads")
    parser.add_argument("--json", default=None, help="save the results here")
    parser.add_argument(
        "--profile",
        choices=METHODS + CUDA_METHODS,
        default=None,
        help="instead of timing, cProfile one E-epoch fit of this method",
    )
    parser.add_argument(
        "--profile-top", type=int, default=25, help="rows of the profile"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    for name in ("epochs", "repeats", "n_samples", "batch_size", "threads"):
        value = getattr(args, name)
        if value is not None and value < (2 if name == "epochs" else 1):
            parser.error(f"--{name.replace('_', '-')} is too small: {value}")
    return args


def main(argv=None):
    args = _parse_args(argv)
    device = args.device
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda" and not torch.cuda.is_available():
        print("--device cuda: CUDA is not available here.", file=sys.stderr)
        return 1
    if args.threads is not None:
        torch.set_num_threads(args.threads)
    kind = "cuda" if device.startswith("cuda") else "cpu"
    env = _environment(device)
    print(
        "  ".join(f"{k} {v}" for k, v in env.items()),
        flush=True,
    )
    cases = CASES if args.case == "all" else (args.case,)
    results, n_run = [], 0
    for case in cases:
        defaults = _DEFAULTS[(case, kind)]
        epochs = args.epochs or defaults["epochs"]
        repeats = args.repeats or defaults["repeats"]
        n_samples = args.n_samples or defaults["n_samples"]
        loaded = _load_case(case, n_samples, args.data_dir)
        if loaded[0] is None:
            print(f"skipping {case}: {loaded[1]}", file=sys.stderr, flush=True)
            continue
        X, y, factory, network = loaded
        if args.profile:
            print(f"cProfile of {args.profile} on {case}, {epochs} epochs:")
            print(_profile(args.profile, X, y, factory, args, device, epochs))
            n_run += 1
            continue
        start = time.perf_counter()
        res = _bench_case(case, X, y, factory, args, device, epochs, repeats)
        res["network"] = network
        res["bench_wall_s"] = time.perf_counter() - start
        results.append(res)
        n_run += 1
        print()
        print(_format_result(res), flush=True)
    if not n_run:
        print("no case could be run.", file=sys.stderr)
        return 1
    if args.json:
        payload = {
            "environment": env,
            "settings": {
                "batch_size": args.batch_size,
                "lr": args.lr,
                "optimizer": "Adam",
                "bilinear_alpha": ALPHA,
                "bilinear_mask_cells": N_MASK_CELLS,
                "seed": SEED,
                "methods": list(_methods(device)),
            },
            "results": results,
        }
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(payload, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
