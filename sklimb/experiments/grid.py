"""The sweep grid of the masked-zone experiments: settings and planned fits.

A sweep trains one network per (dataset, loss, mask size ``n``, ``alpha``,
repetition). Within a repetition, the random mask and the network's seed
depend only on (dataset, ``n``, repetition), so every ``alpha`` (and both
losses) is trained on the same mask from the same initial weights: the
comparison with ``alpha = 0`` (plain cross-entropy) is paired.
"""

import math
import numbers
import zlib
from dataclasses import dataclass, field, fields, replace

import numpy as np

from ..datasets import normalize_name

__all__ = [
    "DATASETS",
    "LOSSES",
    "PAPER_ALPHAS",
    "PAPER_MASK_SIZES",
    "FitSpec",
    "SweepConfig",
    "fit_seed",
]

#: Datasets the runner knows (``"mnist1d"`` needs the ``mnist1d`` package).
DATASETS = ("digits", "mnist", "fashion-mnist", "mnist1d")
#: How reports and figures name each loss.
LOSS_LABELS = {"bilinear": "bilinear loss", "log_bilinear": "log-bilinear loss"}
#: The two losses of the paper.
LOSSES = ("bilinear", "log_bilinear")
#: Trade-off values of the paper; ``0`` is the cross-entropy baseline.
PAPER_ALPHAS = (0.0, 0.1, 0.5, 0.9, 0.95, 0.99)
#: Masked-zone sizes of the paper (off-diagonal cells of a 10x10 matrix).
PAPER_MASK_SIZES = (10, 20, 30, 40, 50)
MODELS = ("auto", "mlp", "cnn")

# Per-dataset defaults: the paper's MNIST CNN trained for 10 epochs; the small
# datasets use the default MLP, which needs more (cheap) epochs to converge.
_DEFAULT_MODEL = {
    "digits": "mlp",
    "mnist": "cnn",
    "fashion-mnist": "cnn",
    "mnist1d": "mlp",
}
_DEFAULT_EPOCHS = {"digits": 100, "mnist": 10, "fashion-mnist": 10, "mnist1d": 100}
_N_CLASSES = 10  # every dataset above has ten classes

_QUICK = {
    "datasets": ("digits",),
    "losses": LOSSES,
    "alphas": (0.0, 0.5, 0.9, 0.99),
    "mask_sizes": (10, 30),
    "reps": 3,
    "epochs": 40,
}


def fit_seed(base_seed, dataset, mask_size, rep):
    """Seed of the mask and of the network for one (dataset, n, repetition).

    The seed does not depend on the loss nor on ``alpha``, which makes the
    comparison across ``alpha`` paired. It is stable across processes and
    Python versions (no use of ``hash``).

    Parameters
    ----------
    base_seed : int
        Seed of the whole sweep (``--seed``).
    dataset : str
        Dataset name.
    mask_size : int
        Number of masked cells ``n``.
    rep : int
        Repetition index, from 0.

    Returns
    -------
    seed : int
        A seed in ``[0, 2**31 - 1)``.

    Examples
    --------
    >>> from sklimb.experiments.grid import fit_seed
    >>> fit_seed(0, "digits", 10, 0) == fit_seed(0, "digits", 10, 0)
    True
    >>> fit_seed(0, "digits", 10, 0) == fit_seed(0, "digits", 10, 1)
    False
    """
    entropy = [int(base_seed), zlib.crc32(dataset.encode()), int(mask_size), int(rep)]
    state = np.random.SeedSequence(entropy).generate_state(1, dtype=np.uint32)
    return int(state[0] % (2**31 - 1))


@dataclass(frozen=True)
class FitSpec:
    """One planned fit of a sweep.

    Parameters
    ----------
    dataset : str
        Name of the dataset.
    loss : {"bilinear", "log_bilinear"}
        The loss trained with.
    mask_size : int
        Number of masked off-diagonal cells ``n``.
    alpha : float
        Weight of the (log-)bilinear term; 0 is plain cross-entropy.
    rep : int
        Repetition index, from 0.
    seed : int
        Seed of the mask and of the network (see :func:`fit_seed`).
    """

    dataset: str
    loss: str
    mask_size: int
    alpha: float
    rep: int
    seed: int

    @property
    def key(self):
        """The identity of the fit in the results file."""
        return result_key(self.__dict__)

    def label(self):
        """Short human-readable name, e.g. ``digits/bilinear n=10 alpha=0.5 rep 2``.

        Returns
        -------
        label : str
            The name.
        """
        return (
            f"{self.dataset}/{self.loss} n={self.mask_size} "
            f"alpha={self.alpha:g} rep {self.rep}"
        )


def result_key(row):
    """``(dataset, loss, mask_size, alpha, rep)`` of a result row or spec."""
    return (
        str(row["dataset"]),
        str(row["loss"]),
        int(row["mask_size"]),
        round(float(row["alpha"]), 10),
        int(row["rep"]),
    )


@dataclass(frozen=True)
class SweepConfig:
    """Settings of a masked-zone sweep.

    Parameters
    ----------
    datasets : tuple of str, default=("digits",)
        Any of ``"digits"``, ``"mnist"``, ``"fashion-mnist"``, ``"mnist1d"``.
    losses : tuple of str, default=("bilinear", "log_bilinear")
        The losses to train with.
    alphas : tuple of float, default=PAPER_ALPHAS
        Values in [0, 1]; include 0 to get the paired comparison with
        cross-entropy.
    mask_sizes : tuple of int, default=PAPER_MASK_SIZES
        Numbers of masked off-diagonal cells, each in [1, 90].
    reps : int, default=10
        Repetitions (a new mask and seed each).
    epochs : int or None, default=None
        Training epochs; None uses each dataset's default (100 for digits and
        mnist1d, 10 for MNIST and Fashion-MNIST as in the paper).
    model : {"auto", "mlp", "cnn"}, default="auto"
        ``"auto"`` trains the paper's MNIST CNN
        (:class:`~sklimb.modules.MNISTConvNet`) on MNIST and Fashion-MNIST and
        the default MLP on digits and mnist1d.
    train_size : int or None, default=None
        Train on a stratified subset of this many training samples (the same
        subset for every fit); None uses the whole training set.
    batch_size : int, default=128
        Mini-batch size.
    lr : float, default=1e-3
        Adam learning rate.
    device : str, default="auto"
        Torch device; ``"auto"`` uses CUDA when available.
    data_dir : str or None, default=None
        Directory holding the ``mnist/`` and ``fashion-mnist/`` IDX folders;
        None uses :func:`sklimb.datasets.default_data_dir`.
    seed : int, default=0
        Base seed of the sweep (see :func:`fit_seed`).

    Examples
    --------
    >>> from sklimb.experiments import SweepConfig
    >>> config = SweepConfig(alphas=(0, 0.9), mask_sizes=(10,), reps=2)
    >>> len(config.fits())  # 1 dataset x 2 losses x 1 n x 2 alphas x 2 reps
    8
    >>> SweepConfig.quick().alphas
    (0.0, 0.5, 0.9, 0.99)
    """

    datasets: tuple = ("digits",)
    losses: tuple = LOSSES
    alphas: tuple = PAPER_ALPHAS
    mask_sizes: tuple = PAPER_MASK_SIZES
    reps: int = 10
    epochs: int | None = None
    model: str = "auto"
    train_size: int | None = None
    batch_size: int = 128
    lr: float = 1e-3
    device: str = "auto"
    data_dir: str | None = field(default=None, compare=False)
    seed: int = 0

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "datasets", _check_datasets(self.datasets))
        set_(self, "losses", _check_choices(self.losses, LOSSES, "losses"))
        set_(self, "alphas", _check_alphas(self.alphas))
        set_(self, "mask_sizes", _check_mask_sizes(self.mask_sizes))
        set_(self, "reps", _check_int(self.reps, "reps", 1))
        if self.epochs is not None:
            set_(self, "epochs", _check_int(self.epochs, "epochs", 1))
        if self.train_size is not None:
            set_(self, "train_size", _check_int(self.train_size, "train_size", 10))
        set_(self, "batch_size", _check_int(self.batch_size, "batch_size", 1))
        set_(self, "seed", _check_int(self.seed, "seed", 0))
        if self.model not in MODELS:
            raise ValueError(f"model must be one of {MODELS}, got {self.model!r}.")
        if self.model == "cnn" and "mnist1d" in self.datasets:
            raise ValueError(
                "model='cnn' needs image data; mnist1d holds 1-D signals. Use "
                "model='auto' or 'mlp' with mnist1d."
            )
        if (
            isinstance(self.lr, bool)
            or not isinstance(self.lr, numbers.Real)
            or not 0 < self.lr < math.inf
        ):
            raise ValueError(f"lr must be a positive finite number, got {self.lr!r}.")
        set_(self, "lr", float(self.lr))
        if not isinstance(self.device, str) or not self.device:
            raise ValueError(
                f"device must be a torch device string, got {self.device!r}."
            )

    @classmethod
    def quick(cls, **overrides):
        """Build the few-minute CPU demo's settings.

        Digits, both losses, 4 alphas, n in {10, 30}, 3 repetitions, 40
        epochs.

        Parameters
        ----------
        **overrides : dict
            Settings to change from the demo's.

        Returns
        -------
        config : SweepConfig
            The demo's settings.
        """
        return cls(**{**_QUICK, **overrides})

    def replace(self, **changes):
        """Return a copy with some settings changed (and validated).

        Parameters
        ----------
        **changes : dict
            The settings to change, by name.

        Returns
        -------
        config : SweepConfig
            The new settings.
        """
        return replace(self, **changes)

    def model_for(self, dataset):
        """Return the network trained on ``dataset``.

        Parameters
        ----------
        dataset : str
            Name of the dataset.

        Returns
        -------
        model : {"mlp", "cnn"}
            The network.
        """
        return _DEFAULT_MODEL[dataset] if self.model == "auto" else self.model

    def epochs_for(self, dataset):
        """Return the number of training epochs for ``dataset``.

        Parameters
        ----------
        dataset : str
            Name of the dataset.

        Returns
        -------
        epochs : int
            Training epochs.
        """
        return _DEFAULT_EPOCHS[dataset] if self.epochs is None else self.epochs

    def fit_settings(self, dataset):
        """Return the settings that change a fit's result besides its key.

        A results file can only be resumed with the same settings.

        Parameters
        ----------
        dataset : str
            Name of the dataset.

        Returns
        -------
        settings : dict
            The settings, by name.
        """
        return {
            "model": self.model_for(dataset),
            "epochs": self.epochs_for(dataset),
            "train_size": self.train_size,
            "batch_size": self.batch_size,
            "lr": self.lr,
            "base_seed": self.seed,
        }

    def fits(self):
        """All planned fits, repetition-major.

        Fits are ordered dataset, repetition, mask size, loss, alpha, so an
        interrupted sweep holds complete repetitions of the grid.

        Returns
        -------
        fits : list of FitSpec
            The planned fits.
        """
        plan = []
        for dataset in self.datasets:
            for rep in range(self.reps):
                for n in self.mask_sizes:
                    seed = fit_seed(self.seed, dataset, n, rep)
                    for loss in self.losses:
                        for alpha in self.alphas:
                            plan.append(FitSpec(dataset, loss, n, alpha, rep, seed))
        return plan

    def as_dict(self):
        """Return the settings as a plain dict (for logs and reports).

        Returns
        -------
        settings : dict
            The settings, by name.
        """
        return {f.name: getattr(self, f.name) for f in fields(self)}


def normalize_dataset_name(name):
    """Lower-case a dataset name and resolve its aliases (the table of
    :mod:`sklimb.datasets`, shared with its loaders)."""
    return normalize_name(name)


def _as_tuple(values, name):
    if isinstance(values, str) or not hasattr(values, "__iter__"):
        values = (values,)
    values = tuple(values)
    if not values:
        raise ValueError(f"{name} must not be empty.")
    return values


def _check_datasets(datasets):
    names = tuple(normalize_dataset_name(d) for d in _as_tuple(datasets, "datasets"))
    return _check_choices(names, DATASETS, "datasets")


def _check_choices(values, valid, name):
    values = _as_tuple(values, name)
    unknown = [v for v in values if v not in valid]
    if unknown:
        raise ValueError(
            f"{name} must be chosen from {list(valid)}, got unknown {unknown}."
        )
    return tuple(dict.fromkeys(values))


def _check_alphas(alphas):
    out = []
    for a in _as_tuple(alphas, "alphas"):
        if isinstance(a, bool) or not isinstance(a, numbers.Real) or not 0 <= a <= 1:
            raise ValueError(f"alphas must be numbers in [0, 1], got {a!r}.")
        out.append(float(a))
    return tuple(dict.fromkeys(out))


def _check_mask_sizes(mask_sizes):
    n_max = _N_CLASSES * (_N_CLASSES - 1)
    out = []
    for n in _as_tuple(mask_sizes, "mask_sizes"):
        if (
            isinstance(n, bool)
            or not isinstance(n, numbers.Integral)
            or not 1 <= n <= n_max
        ):
            raise ValueError(
                f"mask_sizes must be integers in [1, {n_max}] (off-diagonal cells "
                f"of a {_N_CLASSES}-class confusion matrix), got {n!r}."
            )
        out.append(int(n))
    return tuple(dict.fromkeys(out))


def _check_int(value, name, minimum):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Integral)
        or value < minimum
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value!r}.")
    return int(value)
