"""Per-network cost of one batched training step, by group step and setting.

Builds a group of K sklimb nets as ``sklimb._batched`` trains them (by default
the paper's MNIST CNN and K = 30: one loss of the paper's grid, 5 mask sizes
× 6 α) and times the group's training step (forward, loss, backward, the
stacked Adam update) on batches of 128, for each combination of

* the group step, ``sklimb._batched.GROUP_STEP``: ``vmap`` (one vectorised
  pass; convolutions become grouped convolutions) or ``streams`` (each net's
  own pass, on its own CUDA stream);
* the precision of the nets (``float32`` or ``bfloat16`` autocast);
* on CUDA, ``torch.backends.cudnn.benchmark`` off (PyTorch's default) or on;

plus one net alone (K = 1) as the reference. On CUDA every step is captured
as a CUDA graph, as sklimb's batched fits do, and replayed. Printed per row:
milliseconds per group step and per network step, the speed-up over ``vmap``
in float32 with the default cuDNN setting, and the minutes the paper's 3,000
fits (10 epochs of 469 steps on 60,000 images) would spend in training steps
at that rate. A check runs ``vmap`` and ``streams`` from the same weights on
the same batches (no dropout) and prints their largest weight difference.

    python benchmarks/bench_group_step.py --device cuda --json group_step.json
    python benchmarks/bench_group_step.py --dry-run   # seconds, on a CPU
    python benchmarks/bench_group_step.py --fastest group_step.json  # vmap or streams
"""

import argparse
import json
import statistics
import sys
import time
import warnings

import numpy as np
import torch

import sklimb._batched as batched
from sklimb import BilinearNetClassifier
from sklimb._capture import CapturedStep
from sklimb.modules import MNISTConvNet
from sklimb.penalty import random_mask

#: The paper's sweep: 3,000 fits of 10 epochs of ceil(60000 / 128) steps.
PAPER_NET_STEPS = 3000 * 10 * 469


def _nets(k, device, precision, dropout):
    mask_sizes = (10, 20, 30, 40, 50)
    alphas = (0.0, 0.1, 0.5, 0.9, 0.95, 0.99)
    return [
        BilinearNetClassifier(
            module=MNISTConvNet,
            module__dropout=dropout,
            input_shape=(1, 28, 28),
            penalty_matrix=random_mask(
                10, mask_sizes[i % len(mask_sizes)], random_state=i
            ),
            alpha=alphas[i % len(alphas)],
            batch_size=128,
            max_epochs=1,
            device=device,
            precision=precision,
            random_state=i,
        )
        for i in range(k)
    ]


def _group(k, strategy, precision, device, X, y, dropout=0.25):
    """A ``sklimb._batched._Group`` of k initialised nets, as a batched fit makes."""
    nets = _nets(k, device, precision, dropout)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        dataset = batched._initialize(nets[0], X, y, None, None)
        for net in nets[1:]:
            batched._initialize(net, X, y, None, None)
    group = batched._Group(nets, [dataset] * k, strategy)
    group.probe()
    return group


def _batches(k, n, batch_size, device, seed):
    gen = torch.Generator().manual_seed(seed)
    order = torch.stack([torch.randperm(n, generator=gen) for _ in range(k)])
    order = order.to(device)
    return [
        order[:, s : s + batch_size] for s in range(0, n - batch_size + 1, batch_size)
    ]


def _stepper(group, device):
    if device.type == "cuda":
        return CapturedStep(group.step, required=True, device=group.flat.device)
    return group.step


def _sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize()


def _time(group, device, batches, warmup, steps, repeats):
    step = _stepper(group, device)
    for b in batches[:warmup]:  # on CUDA: eager steps, then the capture
        step(b)
    _sync(device)
    times = []
    for r in range(repeats):
        todo = [batches[(warmup + r * steps + s) % len(batches)] for s in range(steps)]
        start = time.perf_counter()
        for b in todo:
            step(b)
        _sync(device)
        times.append((time.perf_counter() - start) / steps * 1e3)
    return statistics.median(times), times


def _check(k, device, X, y, batches, steps):
    """Largest weight difference of vmap and streams after the same steps."""
    flats = []
    for strategy in ("vmap", "streams"):
        group = _group(k, strategy, "float32", device, X, y, dropout=0.0)
        step = _stepper(group, device)
        for b in batches[:steps]:
            step(b)
        _sync(device)
        flats.append(group.flat.detach().cpu())
    return float((flats[0] - flats[1]).abs().max())


def run(args):
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(args.threads)
        batched.BATCH_CPU_CONVOLUTIONS = True
    rng = np.random.RandomState(0)
    n = args.batch_size * (args.warmup + args.steps * args.repeats)
    X = rng.normal(size=(n, 784)).astype(np.float32)
    y = np.arange(n) % 10
    batches = _batches(args.k, n, args.batch_size, device, seed=0)
    cudnn_settings = [False, True] if device.type == "cuda" else [False]
    rows = []
    saved = torch.backends.cudnn.benchmark
    try:
        configs = [(1, "vmap", "float32", False)] + [
            (args.k, strategy, precision, cudnn)
            for strategy in args.strategies
            for precision in args.precisions
            for cudnn in cudnn_settings
        ]
        for k, strategy, precision, cudnn in configs:
            torch.backends.cudnn.benchmark = cudnn
            row = {
                "k": k,
                "strategy": strategy,
                "precision": precision,
                "cudnn_benchmark": cudnn,
            }
            try:
                group = _group(k, strategy, precision, device, X, y)
                sub = [b[:k] for b in batches]
                ms, times = _time(
                    group, device, sub, args.warmup, args.steps, args.repeats
                )
                row.update(ms_per_step=ms, times_ms=times, ms_per_net_step=ms / k)
            except Exception as exc:  # noqa: BLE001 - reported, the others go on
                row["error"] = f"{type(exc).__name__}: {exc}"
            rows.append(row)
            print(_line(row), flush=True)
            del group
            if device.type == "cuda":
                torch.cuda.empty_cache()
        torch.backends.cudnn.benchmark = saved
        check = _check(args.k, device, X, y, batches, args.check_steps)
    finally:
        torch.backends.cudnn.benchmark = saved
    base = next(
        (
            r
            for r in rows
            if r["k"] == args.k
            and (r["strategy"], r["precision"], r["cudnn_benchmark"])
            == ("vmap", "float32", False)
            and "ms_per_net_step" in r
        ),
        None,
    )
    for r in rows:
        if "ms_per_net_step" in r:
            r["speedup_vs_vmap"] = (
                base["ms_per_net_step"] / r["ms_per_net_step"] if base else None
            )
            r["paper_sweep_train_min"] = r["ms_per_net_step"] * PAPER_NET_STEPS / 6e4
    return {
        "device": str(device),
        "gpu": torch.cuda.get_device_name(device) if device.type == "cuda" else None,
        "torch": torch.__version__,
        "settings": vars(args),
        "results": rows,
        "check_max_abs_diff_vmap_vs_streams": check,
    }


def _line(r):
    what = (
        f"K={r['k']:<3} {r['strategy']:<7} {r['precision']:<8} "
        f"cudnn.benchmark={r['cudnn_benchmark']!s:<5}"
    )
    if "error" in r:
        return f"{what}  FAILED: {r['error']}"
    ms, per_net = r["ms_per_step"], r["ms_per_net_step"]
    return f"{what}  {ms:8.3f} ms/step  {per_net:7.4f} ms/net-step"


def _table(result):
    lines = [
        "| K | group step | precision | cudnn.benchmark | ms / step | ms / net-step "
        "| speed-up vs vmap | paper sweep, training steps (min) |",
        "| ---: | --- | --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in result["results"]:
        head = (
            f"| {r['k']} | {r['strategy']} | {r['precision']} "
            f"| {r['cudnn_benchmark']} |"
        )
        if "error" in r:
            lines.append(f"{head} failed: {r['error'][:80]} | | | |")
            continue
        speed = "" if r["speedup_vs_vmap"] is None else f"{r['speedup_vs_vmap']:.2f}x"
        lines.append(
            f"{head} {r['ms_per_step']:.3f} | {r['ms_per_net_step']:.4f} | "
            f"{speed} | {r['paper_sweep_train_min']:.1f} |"
        )
    lines.append(
        "\nvmap vs streams, same weights and batches, no dropout: largest weight "
        f"difference {result['check_max_abs_diff_vmap_vs_streams']:.2e}"
    )
    return "\n".join(lines)


def fastest(result):
    """The group step with the least time per network step, for K > 1, in
    float32 with cuDNN's default setting (what a sweep runs)."""
    rows = [
        r
        for r in result["results"]
        if r["k"] > 1
        and r["precision"] == "float32"
        and not r["cudnn_benchmark"]
        and "ms_per_net_step" in r
    ]
    if not rows:
        raise ValueError("no group step ran in float32 with K > 1")
    return min(rows, key=lambda r: r["ms_per_net_step"])["strategy"]


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--fastest"]:
        if len(argv) != 2:
            print("usage: bench_group_step.py --fastest RESULT.json", file=sys.stderr)
            return 2
        with open(argv[1]) as f:
            print(fastest(json.load(f)))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--k", type=int, default=30, help="networks per group")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--steps", type=int, default=40, help="timed steps per repeat")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--check-steps", type=int, default=10)
    parser.add_argument("--strategies", nargs="+", default=list(batched._GROUP_STEPS))
    parser.add_argument("--precisions", nargs="+", default=["float32", "bfloat16"])
    parser.add_argument("--threads", type=int, default=1, help="torch threads (CPU)")
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="tiny CPU settings that only check the plumbing (K=2, 2 steps)",
    )
    args = parser.parse_args(argv)
    if args.dry_run:
        args.device, args.k, args.steps, args.repeats = "cpu", 2, 2, 1
        args.warmup, args.check_steps, args.batch_size = 1, 2, 32
    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print("CUDA is not available.", file=sys.stderr)
        return 2
    result = run(args)
    print(_table(result))
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    failed = [r for r in result["results"] if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
