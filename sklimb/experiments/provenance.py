"""Provenance of a sweep: hardware, library versions, ``run_info.json``."""

import json
import os
import platform
from datetime import datetime, timezone

import numpy as np

from .results import atomic_write

__all__ = [
    "atomic_write",
    "hardware_description",
    "library_versions",
    "read_run_info",
    "start_run_info",
    "write_run_info",
]


def read_run_info(path):
    """Read a ``run_info.json``.

    Parameters
    ----------
    path : str or path-like
        The file.

    Returns
    -------
    info : dict or None
        Its content, or None when there is no such file.

    Raises
    ------
    ValueError
        If the file is not a JSON object with a ``runs`` list: it is never
        silently replaced, since it holds the sweep's settings and history.
    """
    if not path.exists():
        return None
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(info, dict) or not isinstance(info.get("runs"), list):
            raise ValueError("not a JSON object with a 'runs' list")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"{str(path)!r} is corrupt ({exc}). Fix or remove it (results.jsonl "
            "keeps the finished fits) to resume."
        ) from None
    return info


def start_run_info(path, config):
    """Record a new sweep's settings in ``run_info.json`` before its first fit.

    Nothing is written when the file exists.

    Parameters
    ----------
    path : pathlib.Path
        The ``run_info.json`` file.
    config : SweepConfig
        The sweep's settings.
    """
    if path.exists():
        return
    info = {"config": config.as_dict(), "fits_recorded": 0, "runs": []}
    atomic_write(path, json.dumps(info, indent=2, default=str) + "\n")


def write_run_info(result, command):
    """Write ``run_info.json`` after a sweep.

    It holds the settings, the totals of the results file, and one entry per
    invocation (a resumed sweep adds one).

    Parameters
    ----------
    result : SweepResult
        What the sweep did.
    command : str or None
        The command line that ran it, when known.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = result.out_dir / "run_info.json"
    info = read_run_info(path)
    runs = [] if info is None else list(info["runs"])
    runs.append(
        {
            "command": command,
            "fits_planned": result.n_planned,
            "fits_skipped": result.n_skipped,
            "fits_run": result.n_run,
            "fits_failed": len(result.failures),
            "wall_time_s": round(result.wall_time_s, 1),
            "hardware": hardware_description(),
            "versions": library_versions(),
            "finished_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        }
    )
    info = {
        "config": result.config.as_dict(),
        "fits_recorded": len(result.rows),
        "fit_time_s_total": round(
            sum(r["fit_time_s"] for r in result.rows if "fit_time_s" in r), 1
        ),
        "wall_time_s_total": round(sum(r["wall_time_s"] for r in runs), 1),
        "runs": runs,
    }
    atomic_write(path, json.dumps(info, indent=2, default=str) + "\n")
    return path


def hardware_description():
    """Describe this machine's CPU model, core count and GPU in one line.

    Returns
    -------
    description : str
        The description.
    """
    import torch

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else None
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{cpu}, {cores or os.cpu_count()} CPU cores, {gpu}"


def library_versions():
    """Return the versions of sklimb and of the libraries that shape its results.

    Returns
    -------
    versions : dict
        Version strings by package name.
    """
    import sklearn
    import skorch
    import torch

    from .. import __version__

    return (
        f"sklimb {__version__}, torch {torch.__version__}, skorch "
        f"{skorch.__version__}, scikit-learn {sklearn.__version__}, numpy "
        f"{np.__version__}, python {platform.python_version()}"
    )
