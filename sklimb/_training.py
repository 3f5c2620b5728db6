"""The training epoch of the nets: batch losses read once per epoch.

skorch's epoch loop reads every batch loss back to the host (``.item()``, a
device synchronisation per batch) and notifies ``on_batch_begin`` /
``on_batch_end`` for every batch. When neither the net nor any callback acts
on single batches, :func:`run_epoch` keeps the batch losses on the device,
reads them in one transfer after the epoch and only then writes the batch rows
of the history, so that the host never waits for the device inside an epoch.
``history_`` ends up exactly as skorch writes it. Otherwise skorch's own loop
runs.

:func:`lean_train_step` is the eager training step when nothing needs
skorch's per-batch plumbing around it (see :func:`lean_step_allowed`).
"""

import torch
from skorch import NeuralNet
from skorch.dataset import unpack_data
from skorch.history import History

from ._skorch_compat import grad_hooks_in_use, hooks_in_use

__all__ = ["acts_per_batch", "lean_step_allowed", "lean_train_step", "run_epoch"]


def acts_per_batch(net):
    """Whether the net or one of its callbacks implements a per-batch hook."""
    return hooks_in_use(net, "on_batch_begin", "on_batch_end")


def lean_step_allowed(net):
    """Whether :func:`lean_train_step` does all that skorch's step would.

    True when no optimiser re-evaluates the loss (LBFGS), nothing acts in
    ``on_grad_computed``, and neither ``train_step_single`` nor
    ``_zero_grad_optimizer`` is overridden. Read once per fit.
    """
    cls = type(net)
    optimizers = [getattr(net, name + "_") for name in net._optimizers]
    return (
        cls.train_step_single is NeuralNet.train_step_single
        and cls._zero_grad_optimizer is NeuralNet._zero_grad_optimizer
        and not any(isinstance(opt, torch.optim.LBFGS) for opt in optimizers)
        and not grad_hooks_in_use(net)
    )


def lean_train_step(net, batch, **fit_params):
    """One eager training step: skorch's ``train_step_single`` between
    ``zero_grad`` and ``step`` of every optimiser, without skorch's optimiser
    closure, step accumulator and gradient notification.

    On a small net every Python call between the kernels costs time (see
    ``benchmarks/README.md``), so this is one flat function; the net's
    ``infer`` and ``get_loss`` are still called, overridden or not.
    """
    optimizers = [getattr(net, name + "_") for name in net._optimizers]
    for opt in optimizers:
        opt.zero_grad()
    net._set_training(True)
    Xi, yi = unpack_data(batch)
    y_pred = net.infer(Xi, **fit_params)
    loss = net.get_loss(y_pred, yi, X=Xi, training=True)
    loss.backward()
    for opt in optimizers:
        opt.step()
    return {"loss": loss, "y_pred": y_pred}


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
        # Detached, so that each batch's autograd graph (and whatever its
        # nodes hold) is freed with the batch, not at the end of the epoch.
        losses.append(step_fn(batch, **fit_params)["loss"].detach())
        sizes.append(_batch_len(batch))
    values = torch.stack(losses).reshape(-1).float().tolist() if losses else []
    history = net.history
    loss_key, size_key = prefix + "_loss", prefix + "_batch_size"
    if type(history) is History:
        # What History.new_batch and record_batch write, one row per batch.
        rows = history[-1]["batches"]
        for value, size in zip(values, sizes, strict=True):
            rows.append({loss_key: value, size_key: size})
    else:  # e.g. skorch's DistributedHistory, which shares rows through its API
        for value, size in zip(values, sizes, strict=True):
            history.new_batch()
            history.record_batch(loss_key, value)
            history.record_batch(size_key, size)
    history.record(prefix + "_batch_count", len(values))
