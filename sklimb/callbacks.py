"""skorch callbacks: training guards, progress and class re-weighting."""

import math
import numbers

import numpy as np
import torch
from skorch.callbacks import Callback

from ._monitoring import EpochProgressBar, FiniteLossGuard
from .weights import compute_class_weight

__all__ = [
    "FiniteLossGuard",
    "EpochProgressBar",
    "DeferredReweighting",
    "LearnabilityReweighting",
]


# ----------------------------------------------------------------------
# class re-weighting
# ----------------------------------------------------------------------


def _net_device(net):
    for tensor in net.module_.parameters():
        return tensor.device
    return torch.device("cpu")


def _as_weight_tensor(weight, net):
    if weight is None:
        return None
    return torch.as_tensor(weight, dtype=torch.float32, device=_net_device(net))


def _classes(net, y):
    """The net's ``classes_``, or the labels of ``y`` before skorch infers them.

    A plain skorch classifier sets ``classes_`` only once its fit loop has
    started, after ``on_train_begin``.
    """
    try:
        return np.asarray(net.classes_)
    except AttributeError:
        if y is None:
            raise
        return np.unique(_to_numpy(y))


def _to_numpy(y):
    return np.asarray(y.cpu() if isinstance(y, torch.Tensor) else y)


def _class_counts(net, y, classes):
    """Training samples per class: the net's ``class_counts_`` or from ``y``."""
    counts = getattr(net, "class_counts_", None)
    if counts is not None:
        return np.asarray(counts)
    if y is None:
        raise ValueError(
            "DeferredReweighting needs the class counts: the net has no "
            "class_counts_ and fit received no y."
        )
    y = _to_numpy(y)
    return np.array([np.sum(y == c) for c in classes])


class _ClassReweighting(Callback):
    """Set the class weights of the loss for the training batches.

    Subclasses call :meth:`_use` with the weights of the coming training
    batches. Validation batches keep the weights the loss was built with, so
    that the validation loss, and early stopping on it, stays comparable
    from epoch to epoch; after training the criterion keeps the last
    training weights.
    """

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        criterion = getattr(net, "criterion_", None)
        if criterion is None or not hasattr(criterion, "weight"):
            raise TypeError(
                f"{type(self).__name__} sets the class weights of the loss, but "
                f"the criterion {type(criterion).__name__} has no 'weight' "
                "attribute. Use one of sklimb's losses (cross_entropy, focal, "
                "ldam, ...) or a torch loss with a weight buffer."
            )
        # A fresh fit starts from an empty history; partial_fit and warm_start
        # go on from the weights captured at the start of the first fit.
        if len(net.history) == 0 or not hasattr(self, "initial_weight_"):
            weight = criterion.weight
            self.initial_weight_ = (
                None if weight is None else weight.detach().cpu().numpy().astype(float)
            )
            self.train_weight_ = weight
        self.valid_weight_ = _as_weight_tensor(self.initial_weight_, net)

    def _use(self, net, weight):
        self.train_weight_ = _as_weight_tensor(weight, net)
        net.criterion_.weight = self.train_weight_

    def _record(self, net):
        """Record the class weights of this epoch's training loss."""
        weight = self.train_weight_
        if weight is None:
            weight = torch.ones(len(net.classes_))
        net.history.record("class_weight", [float(w) for w in weight.cpu()])

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        net.criterion_.weight = self.train_weight_ if training else self.valid_weight_

    def on_train_end(self, net, X=None, y=None, **kwargs):
        net.criterion_.weight = self.train_weight_


class DeferredReweighting(_ClassReweighting):
    """Deferred re-weighting (DRW): uniform class weights, then re-balanced ones.

    The loss trains with the class weights it was built with (uniform unless
    the net's ``class_weight`` is set) until epoch ``start_epoch``; from that
    epoch on, its class weights are ``compute_class_weight(class_weight,
    class_counts=net.class_counts_, beta=beta)``. Cao et al. (2019) train
    with the LDAM loss for the first 160 of 200 epochs and re-weight the
    last 40 with the effective-number weights of Cui et al. (2019),
    :math:`w_c \\propto (1 - \\beta) / (1 - \\beta^{n_c})`: the representation
    is learnt on the natural distribution, and the re-weighting then moves
    the decision boundaries towards the frequent classes. The callback works
    with every loss that keeps class weights in a ``weight`` buffer
    (``"cross_entropy"``, ``"focal"``, ``"ldam"``, the bilinear losses, ...).

    Only the training batches are re-weighted: the validation loss (and
    early stopping on it) keeps the initial weights, so that the switch does
    not make it jump. After training, the criterion holds the weights of the
    last epoch.

    Each epoch records two keys in the net's history: ``"drw"`` (True once
    the re-balanced weights are in use) and ``"class_weight"`` (the weights
    of that epoch's training loss, in the order of ``classes_``).

    Parameters
    ----------
    start_epoch : int or float, default=0.8
        First epoch trained with the re-balanced weights. An int ``k >= 1``
        is an epoch number, counted from 1 as in ``net.history[:, "epoch"]``
        and over the whole history (``partial_fit`` and ``warm_start``
        continue the count). A float ``f`` in (0, 1) is a fraction of
        ``max_epochs``: the first ``floor(f * max_epochs)`` epochs keep the
        initial weights; ``0.8`` reproduces Cao et al.'s 160 of 200.
    class_weight : {"effective_number", "balanced", "inverse_sqrt"}, dict or \
array-like, default="effective_number"
        The re-balanced weights, passed to
        :func:`sklimb.weights.compute_class_weight` with the net's class
        counts.
    beta : float, default=0.9999
        Effective-number parameter (Cao et al. use 0.9999).

    Attributes
    ----------
    initial_weight_ : ndarray of shape (n_classes,) or None
        The loss's class weights at the start of training, used before
        ``start_epoch`` (None: uniform).
    weight_ : ndarray of shape (n_classes,)
        The re-balanced weights used from ``start_epoch`` on.

    See Also
    --------
    LearnabilityReweighting : Weights from per-class true-positive rates.
    sklimb.weights.compute_class_weight : The weighting rules.

    References
    ----------
    K. Cao, C. Wei, A. Gaidon, N. Arechiga and T. Ma, "Learning Imbalanced
    Datasets with Label-Distribution-Aware Margin Loss", NeurIPS 2019.

    Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced Loss
    Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    LDAM-DRW: LDAM loss, re-weighted from the 4th of 5 epochs.

    >>> import numpy as np
    >>> from sklearn.datasets import load_iris
    >>> from sklimb import CostSensitiveNetClassifier
    >>> from sklimb.callbacks import DeferredReweighting
    >>> X, y = load_iris(return_X_y=True)
    >>> keep = np.r_[0:50, 50:70, 100:105]
    >>> net = CostSensitiveNetClassifier(
    ...     loss="ldam", max_epochs=5, random_state=0,
    ...     callbacks=[("drw", DeferredReweighting(start_epoch=4))],
    ... ).fit(X[keep], y[keep])
    >>> net.history[:, "drw"]
    [False, False, False, True, True]
    >>> np.round(net.history[-1, "class_weight"], 2)
    array([0.22, 0.56, 2.22])
    """

    def __init__(self, start_epoch=0.8, class_weight="effective_number", beta=0.9999):
        self.start_epoch = start_epoch
        self.class_weight = class_weight
        self.beta = beta

    def initialize(self):
        _check_start_epoch(self.start_epoch)
        return self

    def _switch_epoch(self, net):
        start = self.start_epoch
        if isinstance(start, numbers.Integral):
            return int(start)
        return int(math.floor(start * net.max_epochs)) + 1

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        _check_start_epoch(self.start_epoch)
        super().on_train_begin(net, X=X, y=y, **kwargs)
        classes = _classes(net, y)
        self.weight_ = compute_class_weight(
            self.class_weight,
            classes=classes,
            class_counts=_class_counts(net, y, classes),
            beta=self.beta,
        )

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        active = len(net.history) >= self._switch_epoch(net)
        self._use(net, self.weight_ if active else self.initial_weight_)
        net.history.record("drw", active)
        self._record(net)


def _check_start_epoch(start_epoch):
    if isinstance(start_epoch, bool | np.bool_):
        ok = False
    elif isinstance(start_epoch, numbers.Integral):
        ok = start_epoch >= 1
    elif isinstance(start_epoch, numbers.Real):
        ok = 0 < start_epoch < 1
    else:
        ok = False
    if not ok:
        raise ValueError(
            "start_epoch must be an int >= 1 (an epoch number) or a float in "
            f"(0, 1) (a fraction of max_epochs), got {start_epoch!r}."
        )


_SPLITS = ("auto", "valid", "train")


class LearnabilityReweighting(_ClassReweighting):
    """Class weights that rise as a class's true-positive rate falls.

    Some classes are harder to learn than others even in a balanced data set
    (Peifer's "learnability imbalance"). Every ``every`` epochs this
    callback measures the true-positive rate (recall) :math:`r_c` of each
    class on a held-out split, turns it into target weights that grow with
    the error :math:`1 - r_c`, and moves the loss's class weights a step
    towards them, to lower the variance of the per-class rates.

    The rule, at the end of epoch :math:`t` when :math:`t` is a multiple of
    ``every``:

    .. math::
        v_c = \\frac{(1 - r_c + \\epsilon)^p}{\\frac{1}{K}\\sum_k
        (1 - r_k + \\epsilon)^p}, \\qquad
        w_c \\leftarrow \\frac{(1 - \\mu)\\, w_c + \\mu\\, v_c}
        {\\frac{1}{K}\\sum_k \\left((1 - \\mu)\\, w_k + \\mu\\, v_k\\right)}

    with :math:`K` classes, :math:`\\epsilon` = ``eps`` (a perfect class
    still gets a positive weight; the largest ratio of two target weights is
    :math:`((1 + \\epsilon)/\\epsilon)^p`), :math:`p` = ``power`` and
    :math:`\\mu` = ``momentum``. Weights start at 1 and keep a mean of 1;
    the exponential moving average (:math:`\\mu < 1`) damps the oscillation
    that re-weighting from one noisy measurement to the next would cause (a
    class up-weighted too much overtakes the others and is then
    down-weighted). The training loss uses :math:`w_c` times the class
    weights it was built with (the net's ``class_weight``, uniform when
    None) from the next epoch on. A class absent from the split keeps its
    weight. The validation loss keeps the initial weights, so that early
    stopping compares epochs on the same loss.

    The rates are those of the network's most probable class (argmax of the
    logits), computed in evaluation mode. They are measured on the
    validation split when the net has one (``early_stopping=True`` holds out
    ``validation_fraction`` of the training data; a large
    ``n_iter_no_change`` lets every epoch run), otherwise on the training
    data, where the rates are optimistic but still rank the classes.

    The history records, each epoch, ``"class_weight"`` (the weights of that
    epoch's training loss) and, in measured epochs, ``"tpr"`` (the rates
    :math:`r_c`, in the order of ``classes_``, NaN for a class absent from
    the split) and ``"tpr_variance"`` (their population variance, the
    quantity the method lowers).

    Parameters
    ----------
    every : int, default=1
        Measure and update every ``every`` epochs.
    power : float, default=1.0
        Exponent :math:`p > 0`; larger values up-weight the worst classes
        more.
    eps : float, default=0.1
        :math:`\\epsilon > 0` added to each class's error rate.
    momentum : float, default=0.5
        Step :math:`\\mu` in (0, 1] towards the new target; 1 uses the latest
        measurement only.
    split : {"auto", "valid", "train"}, default="auto"
        Where to measure the rates: ``"auto"`` uses the validation split when
        there is one and the training data otherwise; ``"valid"`` requires a
        validation split.
    batch_size : int, default=1024
        Rows per forward pass when measuring.

    Attributes
    ----------
    weight_ : ndarray of shape (n_classes,)
        The current learnability weights :math:`w` (mean 1).
    initial_weight_ : ndarray of shape (n_classes,) or None
        The loss's class weights at the start of training (None: uniform).

    See Also
    --------
    DeferredReweighting : Frequency-based weights switched on late.

    References
    ----------
    T. Peifer, "Loss weighting for learnability imbalance in
    multiclass-classification", unpublished draft.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.datasets import load_digits
    >>> from sklimb import CostSensitiveNetClassifier
    >>> from sklimb.callbacks import LearnabilityReweighting
    >>> X, y = load_digits(return_X_y=True)
    >>> net = CostSensitiveNetClassifier(
    ...     max_epochs=4, lr=1e-3, random_state=0, early_stopping=True,
    ...     n_iter_no_change=4, validation_fraction=0.2,
    ...     callbacks=[("learn", LearnabilityReweighting(momentum=1.0))],
    ... ).fit(X / 16, y)
    >>> tpr = np.array(net.history[-1, "tpr"])
    >>> weight = net.criterion_.weight.numpy()
    >>> bool(np.argmax(weight) == np.argmin(tpr))
    True
    """

    def __init__(
        self, every=1, power=1.0, eps=0.1, momentum=0.5, split="auto", batch_size=1024
    ):
        self.every = every
        self.power = power
        self.eps = eps
        self.momentum = momentum
        self.split = split
        self.batch_size = batch_size

    def _check_params(self):
        for name in ("every", "batch_size"):
            value = getattr(self, name)
            if (
                isinstance(value, bool | np.bool_)
                or not isinstance(value, numbers.Integral)
                or value < 1
            ):
                raise ValueError(f"{name} must be an int >= 1, got {value!r}.")
        for name in ("power", "eps"):
            value = getattr(self, name)
            if not isinstance(value, numbers.Real) or not value > 0:
                raise ValueError(f"{name} must be a positive number, got {value!r}.")
        mu = self.momentum
        if not isinstance(mu, numbers.Real) or not 0 < mu <= 1:
            raise ValueError(f"momentum must be in (0, 1], got {mu!r}.")
        if self.split not in _SPLITS:
            raise ValueError(f"split must be one of {_SPLITS}, got {self.split!r}.")

    def initialize(self):
        self._check_params()
        return self

    def on_train_begin(self, net, X=None, y=None, **kwargs):
        self._check_params()
        fresh = len(net.history) == 0 or not hasattr(self, "weight_")
        super().on_train_begin(net, X=X, y=y, **kwargs)
        if fresh:
            self.weight_ = np.ones(len(_classes(net, y)))

    def _training_weight(self):
        if self.initial_weight_ is None:
            return self.weight_
        return self.weight_ * self.initial_weight_

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        self._use(net, self._training_weight())
        self._record(net)

    def on_epoch_end(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        if len(net.history) % self.every:
            return
        dataset = dataset_valid
        if self.split == "train" or (self.split == "auto" and dataset is None):
            dataset = dataset_train
        if dataset is None:
            raise ValueError(
                "LearnabilityReweighting(split='valid') needs a validation "
                "split: fit the net with early_stopping=True."
            )
        tpr = self._true_positive_rates(net, dataset)
        measured = ~np.isnan(tpr)
        target = self.weight_.copy()
        error = (1.0 - tpr[measured] + self.eps) ** self.power
        target[measured] = error / error.mean()
        target /= target.mean()
        weight = (1.0 - self.momentum) * self.weight_ + self.momentum * target
        self.weight_ = weight / weight.mean()
        net.history.record("tpr", [float(r) for r in tpr])
        net.history.record("tpr_variance", float(np.var(tpr[measured])))
        # The criterion holds the new weights from now on: they train the
        # next epoch (or the next partial_fit).
        self._use(net, self._training_weight())

    def _true_positive_rates(self, net, dataset):
        """Per-class recall of the net's argmax predictions on ``dataset``."""
        X, y = getattr(dataset, "X", None), getattr(dataset, "y", None)
        if X is None or y is None:
            raise TypeError(
                "LearnabilityReweighting needs a dataset with X and y "
                f"attributes (targets as class indices), got {type(dataset)}."
            )
        device = _net_device(net)
        X = torch.as_tensor(X, device=device)
        y = torch.as_tensor(y).cpu().long()
        predictions = []
        for start in range(0, len(X), self.batch_size):
            logits = net.evaluation_step((X[start : start + self.batch_size], None))
            if isinstance(logits, tuple):
                logits = logits[0]
            predictions.append(logits.argmax(dim=-1).cpu())
        predicted = torch.cat(predictions)
        n_classes = len(net.classes_)
        total = torch.bincount(y, minlength=n_classes).numpy()
        hits = torch.bincount(y[predicted == y], minlength=n_classes).numpy()
        tpr = np.full(n_classes, np.nan)
        tpr[total > 0] = hits[total > 0] / total[total > 0]
        return tpr
