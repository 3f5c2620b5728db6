"""Callbacks every sklimb net uses: a finite-loss guard and a progress bar."""

import math

from skorch.callbacks import Callback

__all__ = ["FiniteLossGuard", "EpochProgressBar"]


class FiniteLossGuard(Callback):
    """Stop training with an error when a batch loss is NaN or infinite.

    A non-finite loss would otherwise silently turn every weight into NaN and
    leave a fitted-looking model that predicts garbage. The batch losses are
    checked at the end of each epoch, when the epoch loop has read them from
    the device in one transfer.
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
