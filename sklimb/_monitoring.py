"""Callbacks every sklimb net uses: a finite-loss guard and a progress bar."""

import math

from skorch.callbacks import Callback

__all__ = ["FiniteLossGuard", "EpochProgressBar"]


class FiniteLossGuard(Callback):
    """Stop training with an error as soon as a batch loss is NaN or infinite.

    A non-finite loss would otherwise silently turn every weight into NaN and
    leave a fitted-looking model that predicts garbage.
    """

    def on_batch_end(self, net, batch=None, training=False, **kwargs):
        # skorch has just recorded this batch's loss as a float: reading it back
        # costs no second device synchronisation.
        batches = net.history[-1]["batches"]
        key = "train_loss" if training else "valid_loss"
        value = batches[-1].get(key) if batches else None
        if value is None:
            loss = kwargs.get("loss")
            if loss is None:
                return
            value = float(loss.detach())
        if not math.isfinite(value):
            epoch = len(net.history)
            phase = "training" if training else "validation"
            raise FloatingPointError(
                f"The {phase} loss became {value} in epoch {epoch}. Check the "
                "inputs for extreme values, lower the learning rate (lr) or the "
                "loss parameters (alpha, gamma, scale)."
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
