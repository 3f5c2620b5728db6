"""Cost of the bilinear losses against cross-entropy inside one training step.

Times one training step (forward, loss, backward, Adam step) of a network
with cross-entropy and with :func:`sklimb.losses.bilinear_loss` /
:func:`~sklimb.losses.log_bilinear_loss`. On CUDA every step is
captured as a CUDA graph, as sklimb's nets do, and the graph is replayed;
on the CPU the step runs eagerly. Prints microseconds per step and the ratio
to cross-entropy, for the digits MLP and the paper's MNIST CNN.

    python benchmarks/bench_loss.py --device cuda
"""

import argparse
import json
import statistics
import sys
import time

import torch
import torch.nn.functional as F

from sklimb.losses import bilinear_loss, log_bilinear_loss
from sklimb.modules import MLP, MNISTConvNet
from sklimb.penalty import random_mask


def _losses(A, alpha):
    return {
        "cross_entropy": F.cross_entropy,
        "bilinear": lambda z, t: bilinear_loss(z, t, A, alpha=alpha),
        "log_bilinear": lambda z, t: log_bilinear_loss(z, t, A, alpha=alpha),
    }


def _step_fn(model, loss_fn, x, y):
    opt = torch.optim.Adam(
        model.parameters(), lr=1e-3, capturable=x.device.type == "cuda"
    )

    def step():
        opt.zero_grad(set_to_none=False)
        loss_fn(model(x), y).backward()
        opt.step()

    return step


def _time(step, device, n_steps):
    if device.type == "cuda":
        s = torch.cuda.Stream()
        s.wait_stream(torch.cuda.current_stream())
        with torch.cuda.stream(s):
            for _ in range(3):
                step()
        torch.cuda.current_stream().wait_stream(s)
        graph = torch.cuda.CUDAGraph()
        with torch.cuda.graph(graph):
            step()
        run = graph.replay
        torch.cuda.synchronize()
    else:
        for _ in range(3):
            step()
        run = step
    start = time.perf_counter()
    for _ in range(n_steps):
        run()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / n_steps * 1e6


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--device", default="cuda" if torch.cuda.is_available() else "cpu"
    )
    parser.add_argument("--steps", type=int, default=None)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--json", default=None)
    parser.add_argument(
        "--case", choices=("digits-mlp", "mnist-cnn", "all"), default="all"
    )
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    if device.type == "cpu":
        torch.set_num_threads(1)
    n_steps = args.steps or (500 if device.type == "cuda" else 100)
    torch.manual_seed(0)
    A = torch.as_tensor(random_mask(10, 30, random_state=0), device=device)
    A = A.float()
    cases = {
        "digits-mlp": (lambda: MLP(64, 10), (128, 64)),
        "mnist-cnn": (lambda: MNISTConvNet(10, input_shape=(1, 28, 28)), (128, 784)),
    }
    results = {}
    if args.case != "all":
        cases = {args.case: cases[args.case]}
    for case, (factory, shape) in cases.items():
        x = torch.randn(*shape, device=device)
        y = torch.randint(0, 10, (shape[0],), device=device)
        times = {name: [] for name in _losses(A, 0.9)}
        for _ in range(args.repeats):
            for name, loss_fn in _losses(A, 0.9).items():
                torch.manual_seed(0)
                model = factory().to(device)
                times[name].append(
                    _time(_step_fn(model, loss_fn, x, y), device, n_steps)
                )
        med = {k: statistics.median(v) for k, v in times.items()}
        results[case] = {
            k: {"us_per_step": v, "ratio_to_ce": v / med["cross_entropy"]}
            for k, v in med.items()
        }
        print(
            f"{case} on {device}: "
            + ", ".join(
                f"{k} {v:.1f} us ({v / med['cross_entropy']:.3f}x)"
                for k, v in med.items()
            ),
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"device": str(device), "results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
