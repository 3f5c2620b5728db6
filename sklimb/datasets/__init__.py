"""Image-classification datasets and long-tailed subsampling.

This module reads the MNIST and Fashion-MNIST datasets from their original
gzip-compressed IDX files (nothing is ever downloaded or cached), wraps the
small scikit-learn ``digits`` dataset in the same layout, and turns a roughly
balanced training set into a long-tailed one following the protocol of
Cao et al. (2019) and Cui et al. (2019).

All loaders return a :class:`sklearn.utils.Bunch` with the keys
``X_train``, ``y_train``, ``X_test``, ``y_test``, ``image_shape``,
``target_names`` and ``name``. Images are flattened to
``(n_samples, n_features)`` ``float32`` arrays scaled to ``[0, 1]``; use
``X.reshape(-1, *image_shape)`` to get ``(n_samples, channels, height, width)``
tensors for convolutional networks.

The IDX format and checksums live in ``sklimb/datasets/_idx.py``, the
long-tailed subsampling in ``sklimb/datasets/_long_tailed.py``; this module
holds the registry of names, the data-directory lookup and the loaders.
"""

import os
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch

from ._idx import (
    _IDX_FILES,
    _SHA256,
    _check_labels,
    _images_to_features,
    _read_checked,
    read_idx,
)
from ._long_tailed import long_tailed_counts, make_long_tailed

__all__ = [
    "available_datasets",
    "default_data_dir",
    "load_dataset",
    "load_digits_dataset",
    "load_idx_dataset",
    "long_tailed_counts",
    "make_long_tailed",
    "normalize_name",
    "read_idx",
]

#: Name of the environment variable that points to the shared data directory.
DATA_DIR_ENV = "SKLIMB_DATA_DIR"

_TARGET_NAMES = {
    "mnist": tuple(str(i) for i in range(10)),
    "fashion-mnist": (
        "T-shirt/top",
        "Trouser",
        "Pullover",
        "Dress",
        "Coat",
        "Sandal",
        "Shirt",
        "Sneaker",
        "Bag",
        "Ankle boot",
    ),
}

_IDX_DATASETS = ("mnist", "fashion-mnist")
_ALL_DATASETS = ("digits", *_IDX_DATASETS)
#: Other spellings of dataset names, for the loaders and the sweep alike.
ALIASES = {"fashion_mnist": "fashion-mnist", "fashionmnist": "fashion-mnist"}


def normalize_name(name):
    """Lower-case a dataset name and resolve its :data:`ALIASES`.

    Parameters
    ----------
    name : str
        A dataset name or alias, in any case.

    Returns
    -------
    name : str
        The canonical name.

    Examples
    --------
    >>> from sklimb.datasets import normalize_name
    >>> normalize_name(" FashionMNIST")
    'fashion-mnist'
    """
    if not isinstance(name, str):
        raise TypeError(f"dataset names must be strings, got {name!r}.")
    key = name.strip().lower()
    return ALIASES.get(key, key)


def _candidate_data_dirs():
    """Default locations searched when ``SKLIMB_DATA_DIR`` is not set."""
    return [
        Path(__file__).resolve().parents[3] / "shared" / "data",
        Path.cwd() / ".." / "shared" / "data",
    ]


def default_data_dir():
    """Return the directory that holds the ``mnist/`` and ``fashion-mnist/`` folders.

    The directory is, in order of precedence:

    1. the value of the ``SKLIMB_DATA_DIR`` environment variable, when set and
       non-empty (returned even if it does not exist, so that loaders can
       report it);
    2. ``<checkout>/../shared/data``, computed relative to this module file
       (``Path(__file__).resolve().parents[3] / "shared" / "data"``), if it
       exists;
    3. ``Path.cwd() / "../shared/data"``, if it exists.

    Returns
    -------
    data_dir : pathlib.Path or None
        The directory, or ``None`` when the variable is unset and no default
        location exists.

    Examples
    --------
    >>> from sklimb.datasets import default_data_dir
    >>> data_dir = default_data_dir()
    >>> data_dir is None or hasattr(data_dir, "is_dir")
    True
    """
    env = os.environ.get(DATA_DIR_ENV, "")
    if env:
        return Path(env).expanduser()
    for candidate in _candidate_data_dirs():
        if candidate.is_dir():
            return candidate
    return None


def _check_name(name, valid):
    """Normalise a dataset name and check it against ``valid``."""
    if not isinstance(name, str):
        raise TypeError(
            f"name must be a string, one of {list(valid)}; got "
            f"{type(name).__name__} {name!r}."
        )
    key = normalize_name(name)
    if key not in valid:
        aliases = [a for a, target in ALIASES.items() if target in valid]
        raise ValueError(
            f"Unknown dataset name {name!r}. Valid names are {list(valid)}"
            + (f" (aliases {aliases})." if aliases else ".")
        )
    return key


def _resolve_data_dir(data_dir):
    """Return ``data_dir`` as a Path, falling back to :func:`default_data_dir`."""
    if data_dir is not None:
        return Path(data_dir).expanduser()
    found = default_data_dir()
    if found is None:
        looked = ", ".join(str(p) for p in _candidate_data_dirs())
        raise FileNotFoundError(
            f"No data directory found: the {DATA_DIR_ENV} environment variable "
            f"is not set and none of the default locations exists ({looked}). "
            f"Pass data_dir=... or set {DATA_DIR_ENV} to the directory holding "
            "the 'mnist' and 'fashion-mnist' folders."
        )
    return found


def _find_idx_files(name, data_dir):
    """Return the folder of ``data_dir`` that holds the four files of ``name``.

    ``data_dir / name`` is tried first, then ``data_dir`` itself (so that the
    dataset folder may also be passed directly).
    """
    candidates = [data_dir / name, data_dir]
    for folder in candidates:
        if all((folder / fname).is_file() for fname in _IDX_FILES):
            return folder
    primary = candidates[0]
    missing = [fname for fname in _IDX_FILES if not (primary / fname).is_file()]
    looked = " and ".join(repr(str(p)) for p in candidates)
    raise FileNotFoundError(
        f"Dataset {name!r} not found: looked for the files {list(_IDX_FILES)} in "
        f"{looked} (missing in the first: {missing}). Pass data_dir=... (the "
        f"directory holding the {name!r} folder) or set the {DATA_DIR_ENV} "
        "environment variable."
    )


def load_idx_dataset(name, data_dir=None, *, verify=True):
    """Load MNIST or Fashion-MNIST from the original gzip IDX files.

    Nothing is downloaded and nothing is cached to disk: the four files
    ``train-images-idx3-ubyte.gz``, ``train-labels-idx1-ubyte.gz``,
    ``t10k-images-idx3-ubyte.gz`` and ``t10k-labels-idx1-ubyte.gz`` are read
    from ``data_dir / name`` (or from ``data_dir`` itself).

    Parameters
    ----------
    name : {"mnist", "fashion-mnist"}
        Dataset to load; ``"fashion_mnist"`` is accepted as an alias.
    data_dir : str or path-like, default=None
        Directory holding the ``mnist/`` and ``fashion-mnist/`` folders. If
        None, :func:`default_data_dir` is used.
    verify : bool, default=True
        Check the SHA-256 checksum of each file against the official value
        before reading it.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        X_train : ndarray of shape (60000, 784), dtype float32
            Training images, flattened, scaled to ``[0, 1]``.
        y_train : ndarray of shape (60000,), dtype int64
            Training labels in ``0..9``.
        X_test : ndarray of shape (10000, 784), dtype float32
            Test images.
        y_test : ndarray of shape (10000,), dtype int64
            Test labels.
        image_shape : tuple of int
            ``(channels, height, width)``, i.e. ``(1, 28, 28)``.
        target_names : ndarray of str of shape (10,)
            Class names: the digits ``"0"`` .. ``"9"`` for MNIST, the ten
            clothing categories for Fashion-MNIST.
        name : str
            The canonical dataset name.

    Raises
    ------
    FileNotFoundError
        If the data directory or one of the files is missing.
    ValueError
        If ``name`` is unknown, a checksum does not match (the message names
        the file) or a file is not a valid IDX file.

    References
    ----------
    .. [1] Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, "Gradient-based
       learning applied to document recognition", Proceedings of the IEEE,
       86(11):2278-2324, 1998.
    .. [2] H. Xiao, K. Rasul and R. Vollgraf, "Fashion-MNIST: a Novel Image
       Dataset for Benchmarking Machine Learning Algorithms",
       arXiv:1708.07747, 2017.

    Examples
    --------
    >>> from sklimb.datasets import load_idx_dataset
    >>> data = load_idx_dataset("fashion-mnist")  # doctest: +SKIP
    >>> data.X_train.shape, data.X_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    >>> data.target_names[0]  # doctest: +SKIP
    'T-shirt/top'
    """
    key = _check_name(name, _IDX_DATASETS)
    if not isinstance(verify, bool | np.bool_):
        raise TypeError(f"verify must be a bool; got {type(verify).__name__}.")
    root = _resolve_data_dir(data_dir)
    if not root.is_dir():
        raise FileNotFoundError(
            f"Data directory {str(root)!r} does not exist. Pass data_dir=... or "
            f"set the {DATA_DIR_ENV} environment variable to the directory "
            f"holding the {key!r} folder."
        )
    folder = _find_idx_files(key, root)
    checksums = _SHA256[key]
    target_names = np.asarray(_TARGET_NAMES[key])
    arrays = {}
    for split, prefix in (("train", "train"), ("test", "t10k")):
        img_path = folder / f"{prefix}-images-idx3-ubyte.gz"
        lab_path = folder / f"{prefix}-labels-idx1-ubyte.gz"
        images = _read_checked(img_path, checksums[img_path.name], verify)
        labels = _read_checked(lab_path, checksums[lab_path.name], verify)
        arrays[f"image_shape_{split}"] = (1, *images.shape[1:])
        arrays[f"X_{split}"] = _images_to_features(images, img_path)
        arrays[f"y_{split}"] = _check_labels(
            labels, images.shape[0], len(target_names), lab_path
        )
    if arrays["image_shape_train"] != arrays["image_shape_test"]:
        raise ValueError(
            f"Training images have shape {arrays['image_shape_train'][1:]} but "
            f"test images have shape {arrays['image_shape_test'][1:]} in "
            f"{str(folder)!r}."
        )
    return Bunch(
        X_train=arrays["X_train"],
        y_train=arrays["y_train"],
        X_test=arrays["X_test"],
        y_test=arrays["y_test"],
        image_shape=arrays["image_shape_train"],
        target_names=target_names,
        name=key,
    )


def load_digits_dataset(test_size=0.25, random_state=0):
    """Load scikit-learn's 8x8 digits as a stratified train/test split.

    The data ship with scikit-learn, so this loader always works offline and
    is handy for quick tests.

    Parameters
    ----------
    test_size : float or int, default=0.25
        Fraction (float in ``(0, 1)``) or number (int) of test samples,
        passed to :func:`sklearn.model_selection.train_test_split`.
    random_state : int, RandomState instance or None, default=0
        Controls the shuffling of the stratified split.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Same layout as :func:`load_idx_dataset`: ``X_train`` and ``X_test``
        (float32, pixel values divided by 16 so that they lie in ``[0, 1]``,
        64 features), ``y_train`` and ``y_test`` (int64), ``image_shape``
        ``(1, 8, 8)``, ``target_names`` ``"0"`` .. ``"9"`` and ``name``
        ``"digits"``.

    Examples
    --------
    >>> from sklimb.datasets import load_digits_dataset
    >>> data = load_digits_dataset()
    >>> data.X_train.shape, data.X_test.shape
    ((1347, 64), (450, 64))
    >>> data.image_shape
    (1, 8, 8)
    """
    digits = load_digits()
    X = digits.data.astype(np.float32) / np.float32(16.0)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_size, random_state=random_state, stratify=y
    )
    return Bunch(
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y_test,
        image_shape=(1, 8, 8),
        target_names=np.asarray([str(i) for i in range(10)]),
        name="digits",
    )


def load_dataset(name, data_dir=None, *, verify=True, random_state=0):
    """Load a dataset by name.

    Parameters
    ----------
    name : {"digits", "mnist", "fashion-mnist"}
        Dataset to load; ``"fashion_mnist"`` is accepted as an alias. The
        name is case-insensitive.
    data_dir : str or path-like, default=None
        Directory holding the IDX folders (ignored for ``"digits"``). See
        :func:`load_idx_dataset`.
    verify : bool, default=True
        Check the checksums of the IDX files (ignored for ``"digits"``).
    random_state : int, RandomState instance or None, default=0
        Seed of the train/test split of ``"digits"`` (MNIST and Fashion-MNIST
        come with their official split and ignore it).

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        See :func:`load_idx_dataset`.

    Raises
    ------
    ValueError
        If ``name`` is not one of the valid names (they are listed in the
        message).

    Examples
    --------
    >>> from sklimb.datasets import load_dataset
    >>> load_dataset("digits").name
    'digits'
    >>> load_dataset("mnist").X_train.shape  # doctest: +SKIP
    (60000, 784)
    """
    key = _check_name(name, _ALL_DATASETS)
    if key == "digits":
        return load_digits_dataset(random_state=random_state)
    return load_idx_dataset(key, data_dir, verify=verify)


def available_datasets(data_dir=None):
    """List the datasets that can be loaded without downloading anything.

    ``"digits"`` is always available; ``"mnist"`` and ``"fashion-mnist"`` are
    listed when their four IDX files are present (checksums are not
    verified here).

    Parameters
    ----------
    data_dir : str or path-like, default=None
        Directory holding the IDX folders; :func:`default_data_dir` if None.

    Returns
    -------
    names : list of str
        Names accepted by :func:`load_dataset`.

    Examples
    --------
    >>> from sklimb.datasets import available_datasets
    >>> "digits" in available_datasets()
    True
    """
    names = ["digits"]
    root = Path(data_dir).expanduser() if data_dir is not None else default_data_dir()
    if root is None or not root.is_dir():
        return names
    for key in _IDX_DATASETS:
        try:
            _find_idx_files(key, root)
        except FileNotFoundError:
            continue
        names.append(key)
    return names
