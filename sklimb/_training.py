"""The training epoch of the nets: batch losses read once per epoch.

skorch's epoch loop reads every batch loss back to the host (``.item()``, a
device synchronisation per batch) and notifies ``on_batch_begin`` /
``on_batch_end`` for every batch. When neither the net nor any callback acts
on single batches, :func:`run_epoch` keeps the batch losses on the device,
reads them in one transfer after the epoch and only then writes the batch rows
of the history, so that the host never waits for the device inside an epoch.
``history_`` ends up exactly as skorch writes it. Otherwise skorch's own loop
runs.
"""

import torch

from ._skorch_compat import hooks_in_use

__all__ = ["acts_per_batch", "run_epoch"]


def acts_per_batch(net):
    """Whether the net or one of its callbacks implements a per-batch hook."""
    return hooks_in_use(net, "on_batch_begin", "on_batch_end")


def _batch_len(batch):
    X = batch[0] if isinstance(batch, (tuple, list)) else batch
    if isinstance(X, dict):
        X = next(iter(X.values()))
    return len(X)


def run_epoch(net, iterator, training, prefix, step_fn, **fit_params):
    """One training or validation epoch of ``net`` with losses read once.

    The caller checks :func:`acts_per_batch` first; the history rows written
    here (``<prefix>_loss``, ``<prefix>_batch_size`` per batch and
    ``<prefix>_batch_count``) are those of skorch's ``run_single_epoch``.
    """
    if iterator is None:
        return
    losses, sizes = [], []
    for batch in iterator:
        step = step_fn(batch, **fit_params)
        losses.append(step["loss"].detach().reshape(()))
        sizes.append(_batch_len(batch))
    values = torch.stack(losses).float().tolist() if losses else []
    history = net.history
    for value, size in zip(values, sizes, strict=True):
        history.new_batch()
        history.record_batch(prefix + "_loss", value)
        history.record_batch(prefix + "_batch_size", size)
    history.record(prefix + "_batch_count", len(values))
