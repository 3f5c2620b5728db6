"""Command line of the replication runner: ``sklimb-replicate``."""

import argparse
import shlex
import signal
import sys
import threading
from pathlib import Path

from .data import available_sweep_datasets
from .grid import DATASETS, LOSSES, MODELS, SweepConfig

__all__ = ["build_parser", "main"]

_EPILOG = """\
examples:
  sklimb-replicate --quick --out sklimb-results
      few-minute CPU demo on digits (48 fits)
  sklimb-replicate --datasets digits --reps 10 --out runs/digits
      the paper's full grid (2 losses x 5 mask sizes x 6 alphas) on digits
  sklimb-replicate --datasets fashion-mnist --mask-sizes 10 30 50 --reps 3 \\
      --epochs 5 --train-size 10000 --out runs/fashion
      a reduced Fashion-MNIST run with the paper's CNN
  sklimb-replicate --datasets mnist --device cuda --dask-scheduler \\
      tcp://10.0.0.1:8786 --out runs/mnist
      the fits on the GPU workers of a Dask cluster (docs: Scaling out)

Running the same command again resumes an interrupted sweep: the fits already
in OUT/results.jsonl are skipped. Outputs in OUT: results.jsonl and
results.csv (one row per fit), summary.csv and summary.md (mean and 95%
t-interval per dataset, loss, n and alpha; paired change vs alpha = 0), and
PNG + SVG figures.
"""


def _split(values):
    """Flatten ``["0,0.5", "0.9"]`` into ``["0", "0.5", "0.9"]``."""
    return [v for value in values for v in value.split(",") if v.strip()]


def _numbers(values, kind, option):
    out = []
    for v in _split(values):
        try:
            out.append(kind(v))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{option}: {v!r} is not a valid {kind.__name__}"
            ) from None
    return out


def build_parser():
    """Build the ``argparse`` parser of ``sklimb-replicate``.

    Returns
    -------
    parser : argparse.ArgumentParser
        The parser.
    """
    parser = argparse.ArgumentParser(
        prog="sklimb-replicate",
        description=(
            "Replicate the masked-zone experiments of Resheff, Mandelbom and "
            "Weinshall, 'Controlling imbalanced error in deep learning with the "
            "log bilinear loss': train one network per dataset, loss, mask size "
            "n, alpha and repetition, and report the masked-zone and overall "
            "test errors with 95% confidence intervals."
        ),
        epilog=_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    grid = parser.add_argument_group("grid")
    grid.add_argument(
        "--quick",
        action="store_true",
        help="few-minute CPU demo: digits, both losses, alphas 0 0.5 0.9 0.99, "
        "mask sizes 10 30, 3 reps, 40 epochs (other options override it)",
    )
    grid.add_argument(
        "--datasets",
        nargs="+",
        metavar="NAME",
        help=f"datasets among {', '.join(DATASETS)}, or 'all' for those "
        "available here (default: digits)",
    )
    grid.add_argument(
        "--losses",
        nargs="+",
        metavar="LOSS",
        help=f"losses among {', '.join(LOSSES)} (default: both)",
    )
    grid.add_argument(
        "--alphas",
        nargs="+",
        metavar="A",
        help="alpha values in [0, 1]; 0 is the cross-entropy baseline "
        "(default: 0 0.1 0.5 0.9 0.95 0.99)",
    )
    grid.add_argument(
        "--mask-sizes",
        nargs="+",
        metavar="N",
        help="numbers of masked off-diagonal cells (default: 10 20 30 40 50)",
    )
    grid.add_argument(
        "--reps", type=int, help="repetitions, a new mask each (default: 10)"
    )
    grid.add_argument("--seed", type=int, help="base seed of the sweep (default: 0)")
    train = parser.add_argument_group("training")
    train.add_argument(
        "--epochs",
        type=int,
        help="training epochs (default: 100 for digits and mnist1d, 10 for "
        "mnist and fashion-mnist as in the paper)",
    )
    train.add_argument(
        "--model",
        choices=MODELS,
        help="network: 'auto' is the paper's MNIST CNN on mnist and "
        "fashion-mnist and the default MLP on digits and mnist1d (default: auto)",
    )
    train.add_argument(
        "--train-size",
        type=int,
        metavar="N",
        help="train on a fixed stratified subset of N training samples "
        "(default: the whole training set)",
    )
    train.add_argument("--batch-size", type=int, help="batch size (default: 128)")
    train.add_argument("--lr", type=float, help="Adam learning rate (default: 1e-3)")
    train.add_argument(
        "--device",
        help="torch device: auto, cpu, cuda, cuda:1, ... (default: auto)",
    )
    train.add_argument(
        "--data-dir",
        metavar="DIR",
        help="folder holding the mnist/ and fashion-mnist/ IDX folders "
        "(default: $SKLIMB_DATA_DIR or ../shared/data)",
    )
    run = parser.add_argument_group("run")
    run.add_argument(
        "--out",
        default="sklimb-results",
        metavar="DIR",
        help="output folder; an existing one is resumed (default: sklimb-results)",
    )
    run.add_argument(
        "--jobs",
        type=int,
        default=1,
        help="fits trained in parallel processes (default: 1; -1 for all cores)",
    )
    run.add_argument(
        "--backend",
        choices=("loky", "dask"),
        help="where fits run: 'loky' processes on this machine, or Dask workers "
        "(those of --dask-scheduler, else a local cluster of --jobs "
        "single-threaded worker processes); needs sklimb[dask] "
        "(default: dask with --dask-scheduler, else loky)",
    )
    run.add_argument(
        "--dask-scheduler",
        metavar="ADDRESS",
        help="address of a running Dask scheduler (tcp://host:8786) whose "
        "workers train the fits; results are written here as usual",
    )
    run.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch CPU threads per fit (default: 1, the fastest for these "
        "small networks on a shared machine; 0 leaves torch's default)",
    )
    run.add_argument(
        "--no-batch",
        action="store_true",
        help="train one fit at a time instead of each repetition's fits of a "
        "loss together as one batched fit (same results up to float rounding)",
    )
    run.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    run.add_argument("--no-plots", action="store_true", help="do not draw figures")
    return parser


def _config_from_args(args, parser):
    settings = {}
    if args.datasets is not None:
        names = _split(args.datasets)
        if any(n.lower() == "all" for n in names):
            names = available_sweep_datasets(args.data_dir)
        settings["datasets"] = tuple(names)
    if args.losses is not None:
        settings["losses"] = tuple(_split(args.losses))
    try:
        if args.alphas is not None:
            settings["alphas"] = tuple(_numbers(args.alphas, float, "--alphas"))
        if args.mask_sizes is not None:
            settings["mask_sizes"] = tuple(
                _numbers(args.mask_sizes, int, "--mask-sizes")
            )
    except argparse.ArgumentTypeError as exc:
        parser.error(str(exc))
    for name in ("reps", "seed", "epochs", "model", "train_size", "batch_size"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    for name in ("lr", "device", "data_dir"):
        if getattr(args, name) is not None:
            settings[name] = getattr(args, name)
    try:
        return SweepConfig.quick(**settings) if args.quick else SweepConfig(**settings)
    except (TypeError, ValueError) as exc:
        parser.error(str(exc))


def _describe(config):
    models = sorted({config.model_for(d) for d in config.datasets})
    epochs = sorted({config.epochs_for(d) for d in config.datasets})
    return (
        f"{len(config.fits())} fits: {', '.join(config.datasets)}; "
        f"{', '.join(config.losses)}; n = "
        f"{', '.join(str(n) for n in config.mask_sizes)}; alpha = "
        f"{', '.join(f'{a:g}' for a in config.alphas)}; {config.reps} reps; "
        f"{'/'.join(map(str, epochs))} epochs; {'/'.join(models)}"
        + (f"; {config.train_size} training samples" if config.train_size else "")
    )


def _interrupt(signum, frame):
    raise KeyboardInterrupt


def _stop_on_sigterm():
    """Let ``kill`` (SIGTERM) stop the sweep like Ctrl-C: the fit in progress
    is dropped and ``results.csv`` is brought up to date. Returns the previous
    handler, or None when signals cannot be handled here."""
    if threading.current_thread() is not threading.main_thread():
        return None
    return signal.signal(signal.SIGTERM, _interrupt)


def _forget_unhandled_interrupt():
    """Let the process exit with status 130 after a handled interrupt.

    Observed under ``python -m sklimb.replicate`` (2 of 16 interrupted runs,
    CPython 3.11): after ``main`` had handled the interrupt, the interpreter
    ended itself with SIGINT instead of exiting with our status, as it does
    when its "unhandled KeyboardInterrupt" flag is set. Code run through
    ``PyRun_SimpleString`` resets that flag; with this call no run of 40
    did it.
    """
    try:
        import ctypes

        ctypes.pythonapi.PyRun_SimpleString(b"")
    except (ImportError, AttributeError, OSError):  # not CPython
        pass


def main(argv=None):
    """Run ``sklimb-replicate``.

    Parameters
    ----------
    argv : list of str, default=None
        Command-line arguments; None reads ``sys.argv``.

    Returns
    -------
    status : int
        0 when every fit succeeded, 1 when some fit failed (the others are
        recorded), 2 for invalid options or missing data, 130 when
        interrupted.
    """
    from .runner import run_sweep

    parser = build_parser()
    args = parser.parse_args(argv)
    config = _config_from_args(args, parser)
    backend = args.backend or ("dask" if args.dask_scheduler else "loky")
    if args.dask_scheduler and backend != "dask":
        parser.error("--dask-scheduler needs --backend dask")
    command = "sklimb-replicate " + shlex.join(
        sys.argv[1:] if argv is None else list(argv)
    )
    # SIGTERM stops the sweep like Ctrl-C from the first line on.
    previous = _stop_on_sigterm()
    try:
        print(f"sklimb-replicate: {_describe(config)} -> {args.out}", flush=True)
        result = run_sweep(
            config,
            args.out,
            jobs=args.jobs,
            threads=args.threads or None,
            backend=backend,
            scheduler=args.dask_scheduler,
            batch=not args.no_batch,
            progress=not args.no_progress,
            plots=not args.no_plots,
            command=command,
        )
    except KeyboardInterrupt:
        _forget_unhandled_interrupt()
        print(
            f"\nInterrupted. Finished fits are saved in {args.out}/results.jsonl; "
            "run the same command again to resume.",
            file=sys.stderr,
        )
        return 130
    except (FileNotFoundError, ImportError, ValueError) as exc:
        print(f"sklimb-replicate: error: {exc}", file=sys.stderr)
        return 2
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)

    if result.summary is not None:
        from .report import console_summary

        print()
        print(console_summary(result.summary))
    print()
    devices = sorted({row["device"] for row in result.rows if "device" in row})
    print(
        f"{result.n_run} fits run, {result.n_skipped} already done, "
        f"{len(result.failures)} failed, in {result.wall_time_s:.0f} s on "
        f"{'/'.join(devices) or 'no device'}."
    )
    shown = [
        name
        for name, path in result.files.items()
        if not name.endswith(".svg") and Path(path).exists()
    ]
    svg = any(name.endswith(".svg") for name in result.files)
    print(
        f"Results in {args.out}/: {', '.join(shown)}"
        + (" (figures also as SVG)." if svg else ".")
    )
    if result.failures:
        print(f"{len(result.failures)} fits failed (details in failures.log):")
        for label, message in result.failures[:10]:
            print(f"  {label}: {message}")
        print("Run the same command again to retry them.")
        return 1
    return 0
