"""torch's global random generators, seeded for one fit at a time.

A seeded fit seeds torch's global generators (weights, dropout) and restores
them afterwards with :func:`torch.random.fork_rng`. Those generators are
shared by every thread of a process, so two seeded fits running at once in
threads (joblib's ``"threading"`` backend, a Dask ``LocalCluster`` with
``processes=False``, a Dask worker with ``--nthreads 2``) would draw from
each other's seeds and give results that depend on timing. The lock below
makes seeded fits of one process run one after the other; fits in separate
processes (loky, Dask worker processes) are not affected.
"""

import threading
from contextlib import contextmanager

import torch

__all__ = ["cuda_devices", "seeded_global_rng"]

_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def seeded_global_rng(seed, devices=()):
    """Seed torch's global generators for the ``with`` block, in one thread.

    Parameters
    ----------
    seed : int or None
        Seed of the CPU generator and of the generators of ``devices``. None
        leaves the generators alone and takes no lock.
    devices : sequence of int, default=()
        CUDA device indices whose generators are seeded and restored too.

    Yields
    ------
    None
        Inside the block the generators are seeded; after it they are back
        to their state before it. Other threads entering a seeded block wait
        until this one ends; the same thread may nest blocks.

    Notes
    -----
    Only the generators that are restored are seeded: ``torch.manual_seed``
    would also seed every other accelerator's generators (all CUDA devices),
    which ``fork_rng`` does not restore, so a fit on the CPU or on one GPU
    would leave the user's other generators reseeded.
    """
    if seed is None:
        yield
        return
    devices = list(devices)
    with _GLOBAL_RNG_LOCK, torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        for index in devices:
            torch.cuda.default_generators[index].manual_seed(seed)
        yield


def cuda_devices(device):
    """The CUDA device index whose generator a fit on ``device`` draws from.

    Parameters
    ----------
    device : str, torch.device or None
        A net's ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ...).

    Returns
    -------
    devices : list of int
        ``[index]`` for a CUDA device (``"cuda"`` alone: the current device),
        ``[]`` otherwise or when CUDA is not available.
    """
    if device is None:
        return []
    device = torch.device(device)
    if device.type != "cuda" or not torch.cuda.is_available():
        return []
    return [torch.cuda.current_device() if device.index is None else device.index]
