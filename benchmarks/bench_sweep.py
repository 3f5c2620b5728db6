"""Many small fits: one at a time vs trained together (sklimb._batched).

Three comparisons, each measured back to back in one run:

1. ``nets``: K sklimb fits one after the other vs one batched fit of the
   same K nets (:func:`sklimb._batched.fit_batched`), for K in 8, 32, 128:
   the digits MLP, and the paper's MNIST CNN on an MNIST subset (digits 8x8
   images when MNIST cannot be loaded).
2. ``search``: scikit-learn's ``GridSearchCV(n_jobs=1)`` vs
   ``sklimb.model_selection.BatchedGridSearchCV`` on 3 alpha x 3 masks x
   cv=3 on digits (refit included in both).
3. ``runner``: ``sklimb-replicate``'s sweep of one repetition of the digits
   grid (2 losses x 5 mask sizes x 6 alphas = 60 fits), one fit at a time vs
   batched; and, with ``--full-grid``, the whole 600-fit digits grid batched.

Examples
--------
CPU, everything (about 15 minutes on 2 cores)::

    python benchmarks/bench_sweep.py --device cpu

A GPU, quick (about 2 minutes)::

    python benchmarks/bench_sweep.py --device cuda --quick

Results are written as JSON to ``benchmarks/results/`` (``--out``).
"""

import argparse
import gc
import json
import platform
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import sklearn
import torch
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV

import sklimb
import sklimb._batched as batched_mod
from sklimb import BilinearNetClassifier
from sklimb._batched import fit_batched
from sklimb.datasets import load_dataset
from sklimb.model_selection import BatchedGridSearchCV
from sklimb.modules import MNISTConvNet
from sklimb.penalty import random_mask

HERE = Path(__file__).resolve().parent
ALPHAS = (0.0, 0.1, 0.5, 0.9, 0.95, 0.99)


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _timed(fn, device):
    gc.collect()
    _sync(device)
    wall, cpu = time.perf_counter(), time.process_time()
    out = fn()
    _sync(device)
    return time.perf_counter() - wall, time.process_time() - cpu, out


# ---------------------------------------------------------------------------
# data
# ---------------------------------------------------------------------------
def _digits():
    data = load_dataset("digits")
    X = np.concatenate([data.X_train, data.X_test]).astype(np.float32)
    y = np.concatenate([data.y_train, data.y_test])
    return X, y


def _mnist(n_samples, data_dir):
    """An MNIST subset as (X, y, input_shape, name); digits 8x8 if missing."""
    try:
        data = load_dataset("mnist", data_dir)
    except (FileNotFoundError, OSError, ValueError) as exc:
        X, y = _digits()
        return X, y, (1, 8, 8), f"digits 8x8 (MNIST not loaded: {exc})"
    rows = np.sort(np.random.default_rng(0).permutation(len(data.X_train)))
    rows = rows[:n_samples]
    X = np.ascontiguousarray(data.X_train[rows], dtype=np.float32)
    return X, data.y_train[rows], (1, 28, 28), f"MNIST, {len(rows)} training images"


# ---------------------------------------------------------------------------
# 1. K nets
# ---------------------------------------------------------------------------
def _nets(K, device, epochs, **extra):
    return [
        BilinearNetClassifier(
            penalty_matrix=random_mask(10, 10 * (1 + k % 5), random_state=k),
            alpha=ALPHAS[k % len(ALPHAS)],
            max_epochs=epochs,
            device=device,
            random_state=k,
            **extra,
        )
        for k in range(K)
    ]


def bench_nets(case, X, y, Ks, device, epochs, seq_cap, repeats, **extra):
    """Seconds for K sequential fits vs one batched fit, per K (medians over
    ``repeats`` back-to-back pairs)."""
    # Untimed warm-up of both paths (lazy initialisation, kernel caches).
    for net in _nets(1, device, 1, **extra):
        net.fit(X[:256], y[:256])
    fit_batched(_nets(2, device, 1, **extra), X[:256], y[:256])
    rows = []
    for K in Ks:
        m = min(K, seq_cap)
        seq, bat = [], []
        for _ in range(repeats):
            nets = _nets(K, device, epochs, **extra)
            seq.append(
                _timed(
                    lambda nets=nets, m=m: [net.fit(X, y) for net in nets[:m]],
                    device,
                )
            )
            seq_acc = [net.score(X, y) for net in nets[:m]]
            nets = _nets(K, device, epochs, **extra)
            bat.append(_timed(lambda nets=nets: fit_batched(nets, X, y), device))
            bat_acc = [net.score(X, y) for net in nets[:m]]
        seq_wall, seq_cpu = (float(np.median([t[i] for t in seq])) for i in (0, 1))
        bat_wall, bat_cpu = (float(np.median([t[i] for t in bat])) for i in (0, 1))
        scale = K / m
        row = {
            "case": case,
            "K": K,
            "epochs": epochs,
            "sequential_s": seq_wall * scale,
            "sequential_cpu_s": seq_cpu * scale,
            "sequential_fits_timed": m,
            "batched_s": bat_wall,
            "batched_cpu_s": bat_cpu,
            "speedup": seq_wall * scale / bat_wall,
            "repeats": repeats,
            "train_accuracy_sequential": float(np.mean(seq_acc)),
            "train_accuracy_batched": float(np.mean(bat_acc)),
        }
        rows.append(row)
        note = "" if m == K else f" (sequential timed on {m} fits, scaled)"
        print(
            f"  {case:10s} K={K:4d}: sequential {row['sequential_s']:8.2f} s, "
            f"batched {bat_wall:7.2f} s -> {row['speedup']:5.2f}x{note}; "
            f"train acc {row['train_accuracy_sequential']:.3f} vs "
            f"{row['train_accuracy_batched']:.3f}",
            flush=True,
        )
    return rows


# ---------------------------------------------------------------------------
# 2. grid search
# ---------------------------------------------------------------------------
def bench_search(device, epochs, repeats, tiny=False):
    X, y = _digits()
    alphas, sizes, cv = (
        ([0.0, 0.9], (10, 30), 2) if tiny else ([0.0, 0.5, 0.9], (10, 30, 50), 3)
    )
    if tiny:
        X, y = X[:400], y[:400]
    grid = {
        "alpha": alphas,
        "penalty_matrix": [random_mask(10, n, random_state=n) for n in sizes],
    }
    net = BilinearNetClassifier(max_epochs=epochs, device=device, random_state=0)
    out, times = {}, {"GridSearchCV": [], "BatchedGridSearchCV": []}
    for _ in range(repeats):
        for name, cls in (
            ("GridSearchCV", GridSearchCV),
            ("BatchedGridSearchCV", BatchedGridSearchCV),
        ):
            wall, cpu, search = _timed(
                lambda cls=cls: cls(net, grid, cv=cv, n_jobs=1).fit(X, y), device
            )
            times[name].append((wall, cpu))
            print(f"  {name:20s} {wall:7.2f} s", flush=True)
            out[name] = {
                "s": float(np.median([t[0] for t in times[name]])),
                "cpu_s": float(np.median([t[1] for t in times[name]])),
                "repeats": len(times[name]),
                "mean_test_score": search.cv_results_["mean_test_score"].tolist(),
                "best_params_alpha": search.best_params_["alpha"],
            }
    diff = np.abs(
        np.subtract(
            out["GridSearchCV"]["mean_test_score"],
            out["BatchedGridSearchCV"]["mean_test_score"],
        )
    )
    out["speedup"] = out["GridSearchCV"]["s"] / out["BatchedGridSearchCV"]["s"]
    out["max_abs_diff_mean_test_score"] = float(diff.max())
    out["epochs"] = epochs
    print(
        f"  -> {out['speedup']:.2f}x; largest |difference| of mean_test_score "
        f"{diff.max():.4f}",
        flush=True,
    )
    return out


# ---------------------------------------------------------------------------
# 3. the replication runner
# ---------------------------------------------------------------------------
def bench_runner(device, epochs, full_grid, tiny=False, threads=1):
    from sklimb.experiments import SweepConfig, run_sweep

    out = {}
    grid = {"alphas": (0.0, 0.9), "mask_sizes": (10,)} if tiny else {}
    config = SweepConfig(
        datasets=("digits",), reps=1, epochs=epochs, device=device, **grid
    )
    for name, batch in (("one_at_a_time", False), ("batched", True)):
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, result = _timed(
                lambda folder=folder, batch=batch: run_sweep(
                    config,
                    folder,
                    progress=False,
                    plots=False,
                    batch=batch,
                    threads=threads,
                ),
                device,
            )
        out[name] = {
            "s": wall,
            "cpu_s": cpu,
            "fits": result.n_run,
            "failures": len(result.failures),
            "mean_overall_error": float(
                np.mean([row["overall_error"] for row in result.rows])
            ),
        }
        print(f"  runner {name:14s} {result.n_run} fits: {wall:7.2f} s", flush=True)
    out["speedup"] = out["one_at_a_time"]["s"] / out["batched"]["s"]
    out["epochs"] = config.epochs_for("digits")
    out["threads"] = threads
    print(f"  -> {out['speedup']:.2f}x", flush=True)
    if full_grid:
        config = SweepConfig(datasets=("digits",), reps=10, device=device)
        with tempfile.TemporaryDirectory() as folder:
            wall, cpu, result = _timed(
                lambda folder=folder: run_sweep(
                    config,
                    folder,
                    progress=False,
                    plots=False,
                    batch=True,
                    threads=threads,
                ),
                device,
            )
        out["full_grid_batched"] = {
            "s": wall,
            "cpu_s": cpu,
            "fits": result.n_run,
            "epochs": config.epochs_for("digits"),
        }
        print(f"  full digits grid, batched: {result.n_run} fits in {wall:.1f} s")
    return out


# ---------------------------------------------------------------------------
def _summary_rows(report):
    """One row per comparison, for benchmarks/gpu_summary.py."""
    rows = []
    for case in ("nets", "cnn"):
        for r in report.get(case, []):
            rows.append(
                {
                    "comparison": f"{r['case']} K={r['K']}",
                    "one_at_a_time_s": r["sequential_s"],
                    "batched_s": r["batched_s"],
                    "speedup": r["speedup"],
                }
            )
    if "search" in report:
        r = report["search"]
        rows.append(
            {
                "comparison": "GridSearchCV vs BatchedGridSearchCV",
                "one_at_a_time_s": r["GridSearchCV"]["s"],
                "batched_s": r["BatchedGridSearchCV"]["s"],
                "speedup": r["speedup"],
            }
        )
    if "runner" in report:
        r = report["runner"]
        rows.append(
            {
                "comparison": f"runner, 1 rep ({r['batched']['fits']} fits)",
                "one_at_a_time_s": r["one_at_a_time"]["s"],
                "batched_s": r["batched"]["s"],
                "speedup": r["speedup"],
            }
        )
        if "full_grid_batched" in r:
            rows.append(
                {
                    "comparison": "runner, full digits grid (600 fits)",
                    "one_at_a_time_s": None,
                    "batched_s": r["full_grid_batched"]["s"],
                    "speedup": None,
                }
            )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--device", default="cpu", help="cpu, cuda, cuda:1, ...")
    parser.add_argument(
        "--quick", action="store_true", help="fewer epochs and fits (minutes)"
    )
    parser.add_argument(
        "--parts",
        nargs="+",
        default=["nets", "cnn", "search", "runner"],
        choices=["nets", "cnn", "search", "runner"],
    )
    parser.add_argument(
        "--full-grid",
        action="store_true",
        help="also time the whole 600-fit digits grid, batched",
    )
    parser.add_argument("--threads", type=int, help="torch CPU threads")
    parser.add_argument(
        "--repeats",
        type=int,
        help="back-to-back pairs per measurement, medians reported "
        "(default: 1 with --quick, else 3)",
    )
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="tiny settings that only check that every part runs (seconds)",
    )
    parser.add_argument("--data-dir", help="folder holding mnist/ (IDX files)")
    parser.add_argument("--out", help="JSON file (default: benchmarks/results/...)")
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    cuda = str(args.device).startswith("cuda")
    if cuda and not torch.cuda.is_available():
        parser.error("--device cuda but CUDA is not available")
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    warnings.filterwarnings("ignore", message="penalty_matrix is not used")
    tiny = args.dry_run
    q = args.quick or tiny
    repeats = args.repeats or (1 if q else 3)
    Ks = (2, 4) if tiny else (8, 32, 128)
    report = {
        "device": args.device,
        "device_name": torch.cuda.get_device_name(args.device) if cuda else None,
        "quick": q,
        "torch_threads": torch.get_num_threads(),
        "platform": platform.platform(),
        "python": sys.version.split()[0],
        "versions": {
            "sklimb": sklimb.__version__,
            "torch": torch.__version__,
            "sklearn": sklearn.__version__,
        },
        "started": time.strftime("%Y-%m-%dT%H:%M:%S"),
    }
    dev = "cuda" if cuda else "cpu"
    out = (
        Path(args.out)
        if args.out
        else HERE / "results" / (f"sweep_{dev}{'_quick' if q else ''}.json")
    )
    out.parent.mkdir(parents=True, exist_ok=True)

    def save():
        # After every part, so that a run cut short keeps what it measured.
        report["summary_rows"] = _summary_rows(report)
        report["total_s"] = time.perf_counter() - start
        out.write_text(json.dumps(report, indent=2) + "\n")

    start = time.perf_counter()
    if "nets" in args.parts:
        print("digits MLP (64-100-10), K sequential fits vs one batched fit")
        X, y = _digits()
        report["nets"] = bench_nets(
            "digits-mlp",
            X,
            y,
            Ks,
            args.device,
            epochs=1 if tiny else (5 if q else 20),
            seq_cap=(32 if q else 128) if cuda else (8 if q else 32),
            repeats=repeats,
        )
        save()
    if "cnn" in args.parts:
        # On the CPU sklimb trains convolutional nets one at a time (batched
        # they are slower there); measure the batched path anyway.
        batched_mod.BATCH_CPU_CONVOLUTIONS = True
        n = (2000 if q else 10000) if cuda else (200 if tiny else 500 if q else 1000)
        X, y, shape, source = _mnist(n, args.data_dir)
        print(f"paper's MNIST CNN on {source}")
        report["cnn_data"] = source
        report["cnn"] = bench_nets(
            "mnist-cnn",
            X,
            y,
            Ks if cuda else Ks[:1],
            args.device,
            epochs=(2 if q else 5) if cuda and not tiny else 1,
            seq_cap=(32 if q else 128) if cuda else 8,
            repeats=repeats,
            module=MNISTConvNet,
            input_shape=shape,
        )
        save()
    if "search" in args.parts:
        print("GridSearchCV vs BatchedGridSearchCV, 3 alpha x 3 masks x cv=3, digits")
        report["search"] = bench_search(
            args.device,
            epochs=1 if tiny else (10 if q else 50),
            repeats=repeats,
            tiny=tiny,
        )
        save()
    if "runner" in args.parts:
        print("sklimb-replicate, one repetition of the digits grid (60 fits)")
        report["runner"] = bench_runner(
            args.device,
            epochs=1 if tiny else (20 if q else None),
            full_grid=args.full_grid,
            tiny=tiny,
            # run_sweep's threads per fit: --threads, else its default of 1.
            threads=args.threads or 1,
        )
    save()
    print(f"total {report['total_s']:.0f} s; results in {out}")


if __name__ == "__main__":
    main()
