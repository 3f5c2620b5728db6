"""Callbacks every sklimb net uses: epoch losses, a finite-loss guard and a
progress bar."""

import math

import torch
from skorch.callbacks import Callback, PassthroughScoring

__all__ = ["EpochLoss", "FiniteLossGuard", "EpochProgressBar"]


class EpochLoss(PassthroughScoring):
    """skorch's :class:`~skorch.callbacks.PassthroughScoring`, reading the
    epoch's batch rows directly.

    The same parameters and the same history entries (the batch-size
    weighted mean of ``name`` over the epoch, and ``name + "_best"``);
    skorch's version selects the rows through ``History`` slicing, which
    costs about as much as a training batch of a small network.
    """

    graph_safe = True  # reads the history after the epoch only

    def on_epoch_end(self, net, **kwargs):
        size_key = "train_batch_size" if self.on_train else "valid_batch_size"
        rows = [
            row
            for row in net.history[-1]["batches"]
            if self.name in row and size_key in row
        ]
        if not rows:  # no batches of this phase (no validation data)
            return
        score = _weighted_mean(
            [row[self.name] for row in rows], [row[size_key] for row in rows]
        )
        is_best = self._is_best_score(score)
        if is_best:
            self.best_score_ = score
        net.history.record(self.name, score)
        if is_best is not None:
            net.history.record(self.name + "_best", bool(is_best))


def _weighted_mean(values, weights):
    """skorch's ``np.average(values, weights=weights)``, exactly rounded and
    without NumPy's per-call cost; NaN where the sum is undefined (both
    infinities), as NumPy gives, so that FiniteLossGuard reports it."""
    try:
        total = math.fsum(v * w for v, w in zip(values, weights, strict=True))
    except (ValueError, OverflowError):  # inf - inf, or an overflowing sum
        total = sum(v * w for v, w in zip(values, weights, strict=True))
    return total / math.fsum(weights)


class FiniteLossGuard(Callback):
    """Stop training with an error when a batch loss is NaN or infinite.

    A non-finite loss would otherwise silently turn every weight into NaN and
    leave a fitted-looking model that predicts garbage. The batch losses are
    checked at the end of each epoch, when the epoch loop has read them from
    the device in one transfer; the weights once more at the end of
    training, since the last optimiser step can break them after a finite
    loss.
    """

    def on_epoch_end(self, net, **kwargs):
        epoch = len(net.history)
        for key, phase in (("train_loss", "training"), ("valid_loss", "validation")):
            for batch in net.history[-1]["batches"]:
                value = batch.get(key)
                if value is not None and not math.isfinite(value):
                    raise FloatingPointError(
                        f"The {phase} loss became {value} in epoch {epoch}. Check "
                        "the inputs for extreme values, lower the learning rate "
                        "(lr) or the loss parameters (alpha, gamma, scale)."
                    )

    def on_train_end(self, net, **kwargs):
        params = [p.detach() for p in net.module_.parameters()]
        if params and not bool(torch.stack([p.isfinite().all() for p in params]).all()):
            raise FloatingPointError(
                "The network's weights became NaN or infinite in the last "
                "optimiser step (the losses were finite until then). Lower the "
                "learning rate (lr)."
            )


class EpochProgressBar(Callback):
    """A tqdm progress bar over epochs showing the latest losses."""

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        from tqdm.auto import tqdm

        self.bar_ = tqdm(total=net.max_epochs, desc=type(net).__name__, unit="epoch")

    def on_epoch_end(self, net, **kwargs):
        row = net.history[-1]
        self.bar_.set_postfix(
            {k: f"{row[k]:.4f}" for k in ("train_loss", "valid_loss") if k in row}
        )
        self.bar_.update(1)

    def on_train_end(self, net, X=None, y=None, **kwargs):
        self.bar_.close()
        del self.bar_
