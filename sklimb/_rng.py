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

__all__ = ["accelerator_index", "seeded_global_rng"]

_GLOBAL_RNG_LOCK = threading.RLock()


@contextmanager
def seeded_global_rng(seed, device=None):
    """Seed torch's global generators for the ``with`` block, in one thread.

    Parameters
    ----------
    seed : int or None
        Seed of the CPU generator and of ``device``'s generator. None leaves
        the generators alone and takes no lock.
    device : str, torch.device or None, default=None
        The device a fit runs on. An accelerator's (``"cuda"``, ``"cuda:1"``,
        ``"mps"``, ...) generator is seeded and restored too; for the CPU (or
        None) only the CPU generator is.

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
    accelerator = accelerator_index(device)
    if accelerator is None:
        kind, devices = None, []
    else:
        kind, index = accelerator
        devices = [index]
    with (
        _GLOBAL_RNG_LOCK,
        torch.random.fork_rng(devices=devices, device_type=kind),
    ):
        # fork_rng has read (and so initialised) the device's generator.
        torch.default_generator.manual_seed(seed)
        if accelerator is not None:
            module = torch.get_device_module(kind)
            generators = getattr(module, "default_generators", None)
            if generators is not None:  # cuda, xpu: one per device
                generators[index].manual_seed(seed)
            else:  # mps: one device
                module.manual_seed(seed)
        yield


def accelerator_index(device):
    """The accelerator whose generator a fit on ``device`` draws from.

    Parameters
    ----------
    device : str, torch.device or None
        A net's ``device`` (``"cpu"``, ``"cuda"``, ``"cuda:1"``, ``"mps"``,
        ...).

    Returns
    -------
    accelerator : (str, int) or None
        The device type and index (``"cuda"`` alone: the current device), or
        None for the CPU, for None and for a device type that is not
        available.
    """
    if device is None:
        return None
    device = torch.device(device)
    if device.type in ("cpu", "meta"):
        return None
    try:
        module = torch.get_device_module(device.type)
    except RuntimeError:  # a device type torch has no module for
        return None
    if not module.is_available():
        return None
    if device.index is not None:
        return device.type, device.index
    current = getattr(module, "current_device", None)
    return device.type, (current() if current is not None else 0)
