"""Run a masked-zone sweep: train, score, record, resume.

Each fit trains :class:`~sklimb.BilinearNetClassifier` or
:class:`~sklimb.LogBilinearNetClassifier` with the random mask itself as the
penalty matrix (1 in the masked cells, 0 elsewhere), as in the paper, and
records its masked-zone and overall test errors as one line of
``results.jsonl`` (and ``results.csv`` is rewritten, atomically) as soon as
it finishes. Fits already in that file are skipped, so running the same sweep
again resumes it.
"""

import json
import sys
import time
import traceback
import warnings
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from ..classifier import BilinearNetClassifier, LogBilinearNetClassifier
from ..metrics import masked_zone_error
from ..modules import MNISTConvNet
from ..penalty import random_mask
from .data import load_sweep_dataset
from .grid import result_key
from .provenance import (
    atomic_write,
    library_versions,
    read_run_info,
    start_run_info,
    write_run_info,
)
from .results import ResultsLog, write_results_csv

__all__ = ["SweepResult", "run_fit", "run_sweep"]

_ESTIMATORS = {
    "bilinear": BilinearNetClassifier,
    "log_bilinear": LogBilinearNetClassifier,
}


def run_fit(spec, config):
    """Train and score one fit of a sweep.

    Parameters
    ----------
    spec : FitSpec
        Which fit (dataset, loss, mask size, alpha, repetition, seed).
    config : SweepConfig
        The sweep's settings (epochs, model, device, ...).

    Returns
    -------
    row : dict
        The fields of :data:`~sklimb.experiments.results.RESULT_FIELDS`:
        the fit's identity, its seed and mask (``"true>pred"`` cells), the
        masked-zone error as a share of the test samples
        (``masked_zone_error``), as a count (``masked_zone_count``) and as a
        share of the errors (``masked_zone_error_share``), the overall test
        error, the fit time, the device, the settings and library versions.

    Examples
    --------
    >>> from sklimb.experiments import SweepConfig, run_fit
    >>> config = SweepConfig(epochs=2, device="cpu")
    >>> row = run_fit(config.fits()[1], config)
    >>> row["loss"], row["mask_size"], row["alpha"], row["n_test"]
    ('bilinear', 10, 0.1, 450)
    >>> 0 <= row["masked_zone_error"] <= row["overall_error"] <= 1
    True
    """
    data = _sweep_data(spec.dataset, config)
    net, mask = _sweep_net(spec, config, data)
    start = time.perf_counter()
    with _expected_fit_warnings():
        net.fit(data.X_train, data.y_train)
    if net.interrupted_:
        # The net caught the interrupt and kept the epochs run so far: such a
        # fit must never be recorded as finished.
        raise KeyboardInterrupt
    fit_time = time.perf_counter() - start
    return _result_row(spec, config, data, net, mask, fit_time)


def _sweep_data(dataset, config):
    return load_sweep_dataset(
        dataset,
        data_dir=config.data_dir,
        train_size=config.train_size,
        seed=config.seed,
    )


def _sweep_net(spec, config, data):
    """The unfitted net of one fit, and its mask."""
    classes = np.unique(data.y_train)
    mask = random_mask(len(classes), spec.mask_size, random_state=spec.seed)
    settings = config.fit_settings(spec.dataset)
    params = {
        "penalty_matrix": mask,
        "alpha": spec.alpha,
        "max_epochs": settings["epochs"],
        "batch_size": config.batch_size,
        "lr": config.lr,
        "device": config.device,
        "random_state": spec.seed,
    }
    if settings["model"] == "cnn":
        params.update(module=MNISTConvNet, input_shape=tuple(data.image_shape))
    return _ESTIMATORS[spec.loss](**params), mask


@contextmanager
def _expected_fit_warnings():
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Training interrupted", UserWarning)
        # The paper trains a fixed number of epochs: not converging is expected.
        warnings.filterwarnings("ignore", category=ConvergenceWarning)
        yield


def _result_row(spec, config, data, net, mask, fit_time):
    """The results row of a fitted net (see :func:`run_fit`)."""
    settings = config.fit_settings(spec.dataset)
    y_true, y_pred = data.y_test, net.predict(data.X_test)

    def zone(normalize):
        return masked_zone_error(
            y_true, y_pred, mask, labels=net.classes_, normalize=normalize
        )

    n_errors = int(np.sum(y_pred != y_true))
    return {
        "dataset": spec.dataset,
        "loss": spec.loss,
        "mask_size": spec.mask_size,
        "alpha": spec.alpha,
        "rep": spec.rep,
        "seed": spec.seed,
        "mask": " ".join(f"{i}>{j}" for i, j in np.argwhere(mask)),
        "masked_zone_error": zone("all"),
        "masked_zone_count": int(round(zone(None))),
        "masked_zone_error_share": zone("errors"),
        "overall_error": n_errors / len(y_true),
        "n_errors": n_errors,
        "n_test": len(y_true),
        "n_train": len(data.y_train),
        "fit_time_s": round(fit_time, 3),
        "device": str(next(net.module_.parameters()).device),
        **settings,
        "versions": library_versions(),
        "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }


def _run_batch_guarded(specs, config, threads=None):
    """Train fits of one dataset together (:func:`sklimb._batched.fit_batched`);
    return ``(spec, row, error)`` for each, as :func:`_run_fit_guarded` does.

    ``fit_time_s`` of each row is the group's training time divided by its
    number of fits. KeyboardInterrupt propagates: nothing of the group is
    recorded.
    """
    from .._batched import fit_batched

    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        data = _sweep_data(specs[0].dataset, config)
        made = [_sweep_net(spec, config, data) for spec in specs]
        nets, masks = [net for net, _ in made], [mask for _, mask in made]
        start = time.perf_counter()
        with _expected_fit_warnings():
            errors = fit_batched(nets, data.X_train, data.y_train, raise_errors=False)
        fit_time = (time.perf_counter() - start) / len(specs)
    except Exception as exc:  # noqa: BLE001 - reported, the sweep goes on
        error = (f"{type(exc).__name__}: {exc}", traceback.format_exc())
        return [(spec, None, error) for spec in specs]
    out = []
    for spec, net, mask, exc in zip(specs, nets, masks, errors, strict=True):
        if exc is None:
            try:
                row = _result_row(spec, config, data, net, mask, fit_time)
            except Exception as err:  # noqa: BLE001 - reported, the sweep goes on
                exc = err
        if exc is not None:
            trace = "".join(
                traceback.format_exception(type(exc), exc, exc.__traceback__)
            )
            out.append((spec, None, (f"{type(exc).__name__}: {exc}", trace)))
        else:
            out.append((spec, row, None))
    return out


def _run_fit_guarded(spec, config, threads=None):
    """Run one fit; an exception becomes an error message (the sweep goes on).

    KeyboardInterrupt and other non-``Exception`` errors propagate.
    """
    if threads is not None:
        import torch

        torch.set_num_threads(threads)
    try:
        return spec, run_fit(spec, config), None
    except Exception as exc:  # noqa: BLE001 - reported, the sweep goes on
        return spec, None, (f"{type(exc).__name__}: {exc}", traceback.format_exc())


@dataclass
class SweepResult:
    """What :func:`run_sweep` did.

    Parameters
    ----------
    config : SweepConfig
        The settings of the sweep.
    out_dir : pathlib.Path
        Its output folder.
    n_planned : int
        Fits in the grid.
    n_skipped : int
        Fits found already done in ``results.jsonl``.
    n_run : int
        Fits trained and recorded by this call.
    failures : list of (str, str)
        ``(fit label, error message)`` of the fits that raised; nothing is
        recorded for them, so a new run retries them.
    rows : list of dict
        Every fit in ``results.jsonl``.
    summary : DataFrame or None
        :func:`~sklimb.experiments.summarize` of ``rows``.
    files : dict of str to pathlib.Path
        Written files by name (``"results.csv"``, ``"summary.md"``, ...).
    wall_time_s : float
        Seconds the call took.
    """

    config: object
    out_dir: Path
    n_planned: int = 0
    n_skipped: int = 0
    n_run: int = 0
    failures: list = field(default_factory=list)
    rows: list = field(default_factory=list)
    summary: object = None
    files: dict = field(default_factory=dict)
    wall_time_s: float = 0.0


def run_sweep(
    config,
    out_dir,
    *,
    jobs=1,
    threads=1,
    backend="loky",
    scheduler=None,
    batch=True,
    progress=True,
    plots=True,
    stream=None,
    command=None,
):
    """Run (or resume) a sweep and write its results, summary and figures.

    Parameters
    ----------
    config : SweepConfig
        The grid and its settings.
    out_dir : str or path-like
        Output folder, created if needed. Fits already recorded in its
        ``results.jsonl`` are skipped; they must have been made with the same
        settings (epochs, model, training subset, batch size, learning rate,
        base seed).
    jobs : int, default=1
        Fits trained in parallel (joblib's loky processes); the results file
        is written by this process only. ``-1`` uses all cores. With
        ``backend="dask"`` the Dask workers' threads set how many fits run at
        once, and ``jobs`` is the number of workers of the
        :class:`~dask.distributed.LocalCluster` started when there is no
        scheduler (``-1``: one per core).
    threads : int or None, default=1
        Torch CPU threads per fit. One thread is the fastest for these small
        networks on a busy machine (more threads than free cores slow torch
        down many times); None leaves torch's setting unchanged.
    backend : {"loky", "dask"}, default="loky"
        Where the fits run. ``"dask"`` sends every fit or batched group (even
        with ``jobs=1``) to Dask workers through joblib's dask backend: those of
        ``scheduler``, else of the current :class:`~dask.distributed.Client`,
        else of a new local cluster (one single-threaded worker process per
        job). Rows, results file and resuming are the same; the workers must
        see the datasets at ``config.data_dir``. Needs ``dask[distributed]``
        (``pip install "sklimb[dask]"``).
    scheduler : str, default=None
        Address of a running Dask scheduler (``"tcp://host:8786"``), for
        ``backend="dask"``.
    batch : bool, default=True
        Train each (dataset, repetition)'s fits of one loss together, as one
        batched fit (:mod:`sklimb._batched`): the same nets, seeds and
        results up to float rounding, in a fraction of the time. Results are
        recorded when the group ends. False trains one fit at a time. With
        ``backend="dask"`` each group (or fit) is one task.
    progress : bool, default=True
        Show a tqdm progress bar over fits, with its ETA.
    plots : bool, default=True
        Save the figures (needs matplotlib).
    stream : file-like, default=None
        Where the progress bar and failure messages go; ``sys.stderr`` if
        None.
    command : str, default=None
        Command line recorded in ``run_info.json``.

    Returns
    -------
    result : SweepResult
        What was planned, skipped, run and written.

    Raises
    ------
    ValueError
        If ``results.jsonl`` holds fits of this grid made with other settings.
    FileNotFoundError
        If a dataset's files are missing.
    KeyboardInterrupt
        Re-raised after ``results.csv`` is brought up to date; run again to
        resume.

    Examples
    --------
    >>> import tempfile
    >>> from sklimb.experiments import SweepConfig, run_sweep
    >>> config = SweepConfig(alphas=(0, 0.9), mask_sizes=(10,), reps=2, epochs=2,
    ...                      losses=("bilinear",), device="cpu")
    >>> with tempfile.TemporaryDirectory() as out:
    ...     result = run_sweep(config, out, progress=False, plots=False)
    ...     again = run_sweep(config, out, progress=False, plots=False)
    >>> result.n_run, again.n_run, again.n_skipped, len(again.rows)
    (4, 0, 4, 4)
    """
    import torch
    from tqdm.auto import tqdm

    if isinstance(jobs, bool) or not isinstance(jobs, int) or jobs == 0:
        raise ValueError(f"jobs must be a non-zero integer, got {jobs!r}.")
    if threads is not None and (
        isinstance(threads, bool) or not isinstance(threads, int) or threads < 1
    ):
        raise ValueError(
            f"threads must be a positive integer or None, got {threads!r}."
        )
    if backend not in ("loky", "dask"):
        raise ValueError(f"backend must be 'loky' or 'dask', got {backend!r}.")
    if scheduler is not None and backend != "dask":
        raise ValueError("scheduler is only used with backend='dask'.")
    stream = sys.stderr if stream is None else stream
    start = time.perf_counter()
    # With Dask, CUDA is needed on the workers, not necessarily here.
    _check_device(config.device, cuda_here=backend != "dask")
    out_dir = _output_folder(out_dir)
    # One run per folder at a time: two would append the same fits twice.
    with _folder_lock(out_dir):
        _check_run_info(out_dir / "run_info.json", config)
        log = ResultsLog(out_dir / "results.jsonl")
        plan = config.fits()
        _check_settings(log.rows, config, plan)
        todo = [spec for spec in plan if spec.key not in log]
        result = SweepResult(
            config=config,
            out_dir=out_dir,
            n_planned=len(plan),
            n_skipped=len(plan) - len(todo),
        )
        # Load each dataset once here: a missing file fails before any training.
        for dataset in dict.fromkeys(spec.dataset for spec in todo):
            load_sweep_dataset(
                dataset,
                data_dir=config.data_dir,
                train_size=config.train_size,
                seed=config.seed,
            )
        # The folder's settings are recorded before the first fit, so that a
        # sweep interrupted before it ends can only be resumed with them.
        start_run_info(out_dir / "run_info.json", config)

        bar = tqdm(
            total=len(plan),
            initial=result.n_skipped,
            unit="fit",
            desc="sweep",
            file=stream,
            disable=not progress,
            dynamic_ncols=True,
            mininterval=0.5,
        )
        torch_threads = torch.get_num_threads()
        try:
            for spec, row, error in _execute(
                todo, config, jobs, threads, backend, scheduler, batch
            ):
                if error is None:
                    log.append(row)
                    write_results_csv(log.rows, out_dir / "results.csv")
                    result.n_run += 1
                    bar.set_postfix_str(
                        f"{spec.label()}: masked {row['masked_zone_count']}, "
                        f"error {100 * row['overall_error']:.1f}%",
                        refresh=False,
                    )
                else:
                    message, trace = error
                    result.failures.append((spec.label(), message))
                    _log_failure(out_dir / "failures.log", spec, trace)
                    bar.write(f"FAILED {spec.label()}: {message}", file=stream)
                bar.update(1)
        finally:
            torch.set_num_threads(torch_threads)
            bar.close()
            result.files["results.jsonl"] = log.path
            result.files["results.csv"] = write_results_csv(
                log.rows, out_dir / "results.csv"
            )
        result.rows = list(log.rows)
        if result.rows:
            result.summary = _write_summary(result, plots)
        result.wall_time_s = time.perf_counter() - start
        result.files["run_info.json"] = write_run_info(result, command)
        return result


@contextmanager
def _folder_lock(out_dir):
    """Hold an exclusive lock on the output folder while a sweep writes to it.

    POSIX ``flock`` on ``.sklimb-replicate.lock``; released by the OS if the
    process dies. Where locks are not available (Windows, some network file
    systems) the sweep runs unlocked.
    """
    try:
        import fcntl
    except ImportError:
        yield
        return
    with open(out_dir / ".sklimb-replicate.lock", "a") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise ValueError(
                f"Another sweep is writing to {str(out_dir)!r}. Wait for it to "
                "end (then run again to resume), or use another output folder."
            ) from None
        except OSError:  # no locks on this file system
            yield
            return
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _output_folder(out_dir):
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        blocking = next(
            (p for p in [out_dir, *out_dir.parents] if p.exists() and not p.is_dir()),
            out_dir,
        )
        raise ValueError(
            f"Cannot use {str(out_dir)!r} as the output folder: {str(blocking)!r} "
            "is a file. Choose another --out."
        ) from None
    return out_dir


# Settings that do not change any fit's result: a sweep may be resumed with
# other values.
_RESUMABLE_CHANGES = ("data_dir",)
# Grid values whose order only orders the fits, not what they are.
_UNORDERED = ("datasets", "losses", "alphas", "mask_sizes")


def _comparable(config_dict):
    def ordered(values):
        try:
            return sorted(values)
        except TypeError:  # not a list of one type: compared as written
            return values

    return {
        key: ordered(value) if key in _UNORDERED else value
        for key, value in config_dict.items()
    }


def _check_run_info(path, config):
    """Refuse to resume a folder whose recorded settings differ from ``config``.

    The whole configuration is compared (grid and training settings alike),
    whatever the keys of the fits already recorded: a resumed sweep must
    produce the rows of one uninterrupted run.
    """
    recorded = read_run_info(path)
    if recorded is None:
        return
    old = recorded.get("config")
    if not isinstance(old, dict):
        raise ValueError(
            f"{str(path)!r} is corrupt: it holds no 'config' object. Fix or remove "
            "it (results.jsonl keeps the finished fits) to resume."
        )
    new = _comparable(json.loads(json.dumps(config.as_dict(), default=str)))
    old = _comparable(old)
    changed = {
        key: (old.get(key), new.get(key))
        for key in sorted(old.keys() | new.keys())
        if key not in _RESUMABLE_CHANGES and old.get(key) != new.get(key)
    }
    if changed:
        details = ", ".join(
            f"{key}={before!r} there but {now!r} now"
            for key, (before, now) in changed.items()
        )
        raise ValueError(
            f"The output folder holds a sweep made with other settings ({details}). "
            "Use another output folder, or the same settings to resume."
        )


def _check_device(device, cuda_here=True):
    import torch

    if device == "auto":
        return
    try:
        resolved = torch.device(device)
    except (RuntimeError, TypeError) as exc:
        raise ValueError(f"device {device!r} is not a torch device: {exc}") from None
    if resolved.type == "cuda" and cuda_here and not torch.cuda.is_available():
        raise ValueError(
            f"device={device!r} but CUDA is not available here; use device='cpu' "
            "or 'auto'."
        )


def _execute(todo, config, jobs, threads, backend="loky", scheduler=None, batch=False):
    """Yield ``(spec, row, error)`` as fits finish, in this process or in
    joblib workers (loky processes or Dask workers)."""
    if backend == "dask":
        if todo:
            yield from _execute_on_dask(todo, config, jobs, threads, scheduler, batch)
        return
    if batch:
        yield from _execute_batched(todo, config, jobs, threads)
        return
    if jobs == 1 or len(todo) <= 1:
        for spec in todo:
            yield _run_fit_guarded(spec, config, threads)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
    yield from parallel(
        delayed(_run_fit_guarded)(spec, config, threads) for spec in todo
    )


def _execute_batched(todo, config, jobs, threads):
    """:func:`_execute` with each (dataset, repetition)'s fits trained as
    batched groups (one per loss, see :func:`sklimb._batched.fit_batched`)."""
    groups = _batch_groups(todo)
    if jobs == 1 or len(groups) <= 1:
        for specs in groups:
            yield from _run_batch_guarded(specs, config, threads)
        return
    from joblib import Parallel, delayed

    parallel = Parallel(n_jobs=jobs, backend="loky", return_as="generator_unordered")
    for results in parallel(
        delayed(_run_batch_guarded)(specs, config, threads) for specs in groups
    ):
        yield from results


def _batch_groups(todo):
    """The fits of ``todo`` by (dataset, repetition), in plan order."""
    groups = {}
    for spec in todo:
        groups.setdefault((spec.dataset, spec.rep), []).append(spec)
    return list(groups.values())


def _execute_on_dask(todo, config, jobs, threads, scheduler, batch):
    """:func:`_execute` on Dask workers, through joblib's dask backend: one
    task per fit, or per batched group with ``batch``."""
    from joblib import Parallel, delayed, parallel_backend

    if batch:
        tasks = [
            delayed(_run_batch_guarded)(specs, config, threads)
            for specs in _batch_groups(todo)
        ]
    else:
        tasks = [delayed(_run_fit_guarded)(spec, config, threads) for spec in todo]
    with _dask_client(scheduler, jobs) as client:
        with parallel_backend("dask", client=client):
            parallel = Parallel(return_as="generator_unordered")
        for result in parallel(tasks):
            if batch:
                yield from result
            else:
                yield result


@contextmanager
def _dask_client(scheduler, jobs):
    """A :class:`~dask.distributed.Client` of ``scheduler``, else the current
    client, else of a new local cluster of ``jobs`` single-threaded worker
    processes; what is opened here is closed on exit."""
    try:
        from dask.distributed import Client, LocalCluster, default_client
    except ImportError:
        raise ImportError(
            "backend='dask' needs dask.distributed: pip install 'sklimb[dask]' "
            "(or 'dask[distributed]')."
        ) from None
    with ExitStack() as stack:
        if scheduler is not None:
            try:
                client = Client(scheduler, set_as_default=False)
            except OSError as exc:  # no scheduler there, or a timeout
                raise ValueError(
                    f"Cannot connect to the Dask scheduler at {scheduler!r}: {exc}"
                ) from None
            stack.enter_context(client)
        else:
            try:
                client = default_client()
            except ValueError:  # no client yet
                cluster = stack.enter_context(
                    LocalCluster(
                        n_workers=jobs if jobs > 0 else None,
                        threads_per_worker=1,
                        processes=True,
                        dashboard_address=None,
                    )
                )
                client = stack.enter_context(Client(cluster, set_as_default=False))
        yield client


def _check_settings(rows, config, plan):
    """Refuse to mix, in one grid, fits made with different settings.

    Every recorded fit must belong to the planned grid (run_info.json, when
    present, already says so; without it, rows of another grid would be
    summarised with this one's) and have this grid's training settings.
    """
    planned = {spec.key for spec in plan}
    for row in rows:
        if result_key(row) not in planned:
            raise ValueError(
                "The results file holds fits that are not in this grid (e.g. "
                f"{row.get('dataset')}/{row.get('loss')} n={row.get('mask_size')} "
                f"alpha={row.get('alpha')} rep {row.get('rep')}). Use another "
                "output folder, or the grid those fits were made with."
            )
        expected = config.fit_settings(row["dataset"])
        changed = {k: (row.get(k), v) for k, v in expected.items() if row.get(k) != v}
        if changed:
            details = ", ".join(
                f"{k}={old!r} there but {new!r} now"
                for k, (old, new) in changed.items()
            )
            raise ValueError(
                f"The results file already holds fits of this grid made with "
                f"other settings ({details}). Use another output folder, or "
                "the same settings to resume."
            )


def _write_summary(result, plots):
    from .figures import save_figures
    from .report import summary_markdown
    from .stats import summarize

    out_dir = result.out_dir
    summary = summarize(result.rows)
    path = out_dir / "summary.csv"
    atomic_write(path, summary.to_csv(index=False, float_format="%.6g"))
    result.files["summary.csv"] = path
    path = out_dir / "summary.md"
    atomic_write(path, summary_markdown(summary))
    result.files["summary.md"] = path
    if plots:
        for path in save_figures(summary, out_dir):
            result.files[path.name] = path
    return summary


def _log_failure(path, spec, trace):
    with open(path, "a", encoding="utf-8") as handle:
        stamp = datetime.now(timezone.utc).isoformat(timespec="seconds")
        handle.write(f"--- {stamp} {spec.label()}\n{trace}\n")
