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
"""

import gzip
import hashlib
import numbers
import os
import zlib
from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import Bunch, _safe_indexing, check_random_state
from sklearn.utils.validation import check_consistent_length

__all__ = [
    "available_datasets",
    "default_data_dir",
    "load_dataset",
    "load_digits_dataset",
    "load_idx_dataset",
    "long_tailed_counts",
    "make_long_tailed",
    "read_idx",
]

#: Name of the environment variable that points to the shared data directory.
DATA_DIR_ENV = "SKLIMB_DATA_DIR"

_IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)

# Official SHA-256 checksums of the gzip files (their md5 sums match the ones
# published by the dataset authors; see the README of the shared data folder).
_SHA256 = {
    "mnist": {
        "train-images-idx3-ubyte.gz": (
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609"
        ),
        "train-labels-idx1-ubyte.gz": (
            "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6"
        ),
    },
    "fashion-mnist": {
        "train-images-idx3-ubyte.gz": (
            "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84"
        ),
        "train-labels-idx1-ubyte.gz": (
            "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845"
        ),
        "t10k-images-idx3-ubyte.gz": (
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073"
        ),
        "t10k-labels-idx1-ubyte.gz": (
            "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5"
        ),
    },
}

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
_ALIASES = {"fashion_mnist": "fashion-mnist"}
_PROFILES = ("exponential", "step")


# --------------------------------------------------------------------------
# IDX reading
# --------------------------------------------------------------------------


def _decompress(raw, path):
    """Return the IDX payload of ``raw``, gunzipping it when it is gzip data."""
    if raw[:2] != b"\x1f\x8b":
        return raw
    try:
        return gzip.decompress(raw)
    except (EOFError, OSError, zlib.error) as exc:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: the gzip stream is corrupt or "
            f"truncated ({exc})."
        ) from exc


def _parse_idx(buf, path):
    """Parse the bytes of an uncompressed IDX file into a uint8 array."""
    if len(buf) < 4:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: the file is truncated "
            f"({len(buf)} bytes, the 4-byte magic number is incomplete)."
        )
    magic = int.from_bytes(buf[:4], "big")
    zero0, zero1, dtype_code, ndim = buf[:4]
    if zero0 != 0 or zero1 != 0 or dtype_code != 0x08 or ndim == 0:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: invalid magic number "
            f"0x{magic:08X}. Expected 0x000008NN (unsigned byte data, NN >= 1 "
            "dimensions), e.g. 0x00000803 for images or 0x00000801 for labels."
        )
    header_size = 4 + 4 * ndim
    if len(buf) < header_size:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: the file is truncated "
            f"({len(buf)} bytes, the header of a {ndim}-dimensional array needs "
            f"{header_size} bytes)."
        )
    dims = tuple(int(d) for d in np.frombuffer(buf, dtype=">u4", count=ndim, offset=4))
    n_values = int(np.prod(dims, dtype=np.int64))
    n_data = len(buf) - header_size
    if n_data < n_values:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: the file is truncated; the "
            f"header announces shape {dims} ({n_values} bytes of data) but only "
            f"{n_data} bytes follow."
        )
    if n_data > n_values:
        raise ValueError(
            f"Cannot read IDX file {str(path)!r}: {n_data - n_values} unexpected "
            f"bytes after the {n_values} bytes of data announced by the header "
            f"(shape {dims})."
        )
    data = np.frombuffer(buf, dtype=np.uint8, count=n_values, offset=header_size)
    return data.reshape(dims).copy()


def read_idx(path):
    """Read an IDX file of unsigned bytes into a NumPy array.

    The IDX format (used by MNIST and Fashion-MNIST) starts with a big-endian
    ``uint32`` magic number ``0x000008NN``, where ``0x08`` is the data type
    code for unsigned bytes and ``NN`` the number of dimensions (``0x803`` for
    image files, ``0x801`` for label files). One big-endian ``uint32`` per
    dimension follows, then the raw data in C order.

    Parameters
    ----------
    path : str or path-like
        Path of the file. Gzip-compressed files are detected from their
        content (not their name) and decompressed in memory.

    Returns
    -------
    array : ndarray of dtype uint8
        The array, with the shape stored in the header.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the magic number is invalid (only the unsigned byte type ``0x08``
        is supported), the file is truncated, has trailing bytes, or is a
        corrupt gzip stream. The message names the file.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> from sklimb.datasets import read_idx
    >>> payload = bytes([0, 0, 8, 2, 0, 0, 0, 2, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6])
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = Path(tmp) / "tiny-idx2-ubyte"
    ...     _ = path.write_bytes(payload)
    ...     read_idx(path)
    array([[1, 2, 3],
           [4, 5, 6]], dtype=uint8)
    """
    path = Path(path)
    raw = path.read_bytes()
    return _parse_idx(_decompress(raw, path), path)


# --------------------------------------------------------------------------
# Data directory and loaders
# --------------------------------------------------------------------------


def _candidate_data_dirs():
    """Default locations searched when ``SKLIMB_DATA_DIR`` is not set."""
    return [
        Path(__file__).resolve().parents[2] / "shared" / "data",
        Path.cwd() / ".." / "shared" / "data",
    ]


def default_data_dir():
    """Return the default directory holding the ``mnist/`` and ``fashion-mnist/``
    folders.

    The directory is, in order of precedence:

    1. the value of the ``SKLIMB_DATA_DIR`` environment variable, when set and
       non-empty (returned even if it does not exist, so that loaders can
       report it);
    2. ``<checkout>/../shared/data``, computed relative to this module file
       (``Path(__file__).resolve().parents[2] / "shared" / "data"``), if it
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
    key = name.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in valid:
        raise ValueError(
            f"Unknown dataset name {name!r}. Valid names are {list(valid)}"
            + (" (alias 'fashion_mnist')." if "fashion-mnist" in valid else ".")
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


def _read_checked(path, expected_sha256, verify):
    """Read one IDX file, checking its SHA-256 checksum when ``verify``."""
    raw = path.read_bytes()
    if verify:
        digest = hashlib.sha256(raw).hexdigest()
        if digest != expected_sha256:
            raise ValueError(
                f"Checksum mismatch for {str(path)!r}: sha256 is {digest}, "
                f"expected {expected_sha256}. The file is corrupt or not the "
                "official one; replace it, or pass verify=False to skip the check."
            )
    return _parse_idx(_decompress(raw, path), path)


def _images_to_features(images, path):
    if images.ndim != 3:
        raise ValueError(
            f"{str(path)!r} holds an array of shape {images.shape}; expected "
            "images of shape (n_samples, height, width)."
        )
    X = images.reshape(images.shape[0], -1).astype(np.float32)
    X /= np.float32(255.0)
    return X


def _check_labels(labels, n_images, n_classes, path):
    if labels.ndim != 1 or labels.shape[0] != n_images:
        raise ValueError(
            f"{str(path)!r} holds labels of shape {labels.shape}; expected "
            f"({n_images},) to match the images."
        )
    if labels.size and int(labels.max()) >= n_classes:
        raise ValueError(
            f"{str(path)!r} holds label {int(labels.max())}; expected labels in "
            f"[0, {n_classes})."
        )
    return labels.astype(np.int64)


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


# --------------------------------------------------------------------------
# Long-tailed subsampling
# --------------------------------------------------------------------------


def _check_imbalance_ratio(imbalance_ratio):
    if isinstance(imbalance_ratio, bool | np.bool_) or not isinstance(
        imbalance_ratio, numbers.Real
    ):
        raise TypeError(
            "imbalance_ratio must be a real number >= 1; got "
            f"{type(imbalance_ratio).__name__} {imbalance_ratio!r}."
        )
    ratio = float(imbalance_ratio)
    if not np.isfinite(ratio) or ratio < 1:
        raise ValueError(
            f"imbalance_ratio must be a finite number >= 1; got {imbalance_ratio!r}."
        )
    return ratio


def _check_profile(profile):
    if not isinstance(profile, str) or profile not in _PROFILES:
        raise ValueError(f"profile must be one of {list(_PROFILES)}; got {profile!r}.")
    return profile


def _check_positive_int(value, name, minimum):
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an int >= {minimum}; got {type(value).__name__} {value!r}."
        )
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}; got {value!r}.")
    return int(value)


def long_tailed_counts(n_max, n_classes, imbalance_ratio, profile="exponential"):
    """Number of samples per class of a long-tailed dataset.

    With ``C = n_classes`` and ``rho = imbalance_ratio``, the count of the
    ``i``-th class (``i = 0 .. C - 1``, head class first) is

    * ``"exponential"`` profile (Cui et al. 2019, Cao et al. 2019)::

          n_i = int(n_max * rho ** (-i / (C - 1)))

      so the counts decay geometrically from ``n_max`` to
      ``int(n_max / rho)``;

    * ``"step"`` profile (Buda et al. 2018, Cao et al. 2019): the first
      ``floor(C / 2)`` classes keep ``n_max`` samples and the remaining
      ``C - floor(C / 2)`` classes get ``int(n_max / rho)`` samples (with an
      odd number of classes, the minority half is the larger one).

    ``int`` truncates towards zero, and every count is then raised to at
    least 1. The ratio between the largest and the smallest count is
    therefore ``rho`` up to this rounding.

    Parameters
    ----------
    n_max : int
        Number of samples of the head (largest) class, at least 1.
    n_classes : int
        Number of classes, at least 2.
    imbalance_ratio : float
        Ratio ``rho >= 1`` between the largest and the smallest class.
        ``1`` gives a balanced dataset.
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.

    Returns
    -------
    counts : ndarray of shape (n_classes,), dtype int64
        Target count of each class, non-increasing.

    References
    ----------
    .. [1] K. Cao, C. Wei, A. Gaidon, N. Arechiga and T. Ma, "Learning
       Imbalanced Datasets with Label-Distribution-Aware Margin Loss",
       NeurIPS 2019.
    .. [2] Y. Cui, M. Jia, T.-Y. Lin, Y. Song and S. Belongie, "Class-Balanced
       Loss Based on Effective Number of Samples", CVPR 2019.

    Examples
    --------
    >>> from sklimb.datasets import long_tailed_counts
    >>> long_tailed_counts(5000, 10, 100)
    array([5000, 2997, 1796, 1077,  645,  387,  232,  139,   83,   50])
    >>> long_tailed_counts(5000, 10, 10, profile="step")
    array([5000, 5000, 5000, 5000, 5000,  500,  500,  500,  500,  500])
    """
    n_max = _check_positive_int(n_max, "n_max", 1)
    n_classes = _check_positive_int(n_classes, "n_classes", 2)
    ratio = _check_imbalance_ratio(imbalance_ratio)
    profile = _check_profile(profile)
    if profile == "exponential":
        counts = [
            int(n_max * ratio ** (-i / (n_classes - 1))) for i in range(n_classes)
        ]
    else:
        n_head = n_classes // 2
        n_tail = int(n_max / ratio)
        counts = [n_max] * n_head + [n_tail] * (n_classes - n_head)
    return np.maximum(np.asarray(counts, dtype=np.int64), 1)


def make_long_tailed(
    X, y, imbalance_ratio, profile="exponential", *, random_state=None, class_order=None
):
    """Subsample a (roughly balanced) dataset into a long-tailed one.

    This is the protocol used to build CIFAR-10-LT and similar benchmarks
    (Cui et al. 2019; Cao et al. 2019). Let ``C`` be the number of classes
    and ``n_max`` the *smallest* class count in ``y``, so that every class can
    supply its target. The ``i``-th class in ``class_order`` (sorted labels
    by default) keeps ``n_i`` samples given by :func:`long_tailed_counts`:
    ``n_i = int(n_max * imbalance_ratio ** (-i / (C - 1)))`` for the
    ``"exponential"`` profile, and for the ``"step"`` profile ``n_max`` for
    the first ``floor(C / 2)`` classes and ``int(n_max / imbalance_ratio)``
    for the others. Every class keeps at least one sample.

    The samples of each class are drawn uniformly without replacement; the
    selected rows are returned in their original order.

    Parameters
    ----------
    X : array-like of shape (n_samples, ...)
        Samples; any array (or list, or DataFrame) indexable along its first
        axis, e.g. images of shape ``(n_samples, channels, height, width)``.
    y : array-like of shape (n_samples,)
        Class labels (integers, strings, ...).
    imbalance_ratio : float
        Ratio ``>= 1`` between the largest and the smallest class of the
        result (up to the rounding of the counts).
    profile : {"exponential", "step"}, default="exponential"
        Shape of the class distribution.
    random_state : int, RandomState instance or None, default=None
        Controls which samples are kept. Pass an int for reproducible output.
    class_order : array-like of shape (n_classes,), default=None
        The classes from head (most frequent) to tail (least frequent). It
        must contain each class of ``y`` exactly once. Defaults to the sorted
        unique labels.

    Returns
    -------
    X_lt : array-like of shape (n_samples_lt, ...)
        The selected samples, same type as ``X``.
    y_lt : ndarray of shape (n_samples_lt,)
        Their labels.

    Raises
    ------
    ValueError
        If ``imbalance_ratio < 1``, ``profile`` is unknown, ``y`` has fewer
        than two classes, ``X`` and ``y`` have different lengths, or
        ``class_order`` is not a permutation of the classes of ``y``.

    See Also
    --------
    long_tailed_counts : The per-class target counts.

    Examples
    --------
    >>> import numpy as np
    >>> from sklimb.datasets import make_long_tailed
    >>> X = np.arange(300).reshape(100, 3)
    >>> y = np.repeat(["cat", "dog", "emu", "fox"], 25)
    >>> X_lt, y_lt = make_long_tailed(X, y, imbalance_ratio=10, random_state=0)
    >>> np.unique(y_lt, return_counts=True)
    (array(['cat', 'dog', 'emu', 'fox'], dtype='<U3'), array([25, 11,  5,  2]))
    >>> X_lt.shape
    (43, 3)
    """
    ratio = _check_imbalance_ratio(imbalance_ratio)
    profile = _check_profile(profile)
    y = np.asarray(y)
    if y.ndim != 1:
        if y.ndim == 2 and y.shape[1] == 1:
            y = y.ravel()
        else:
            raise ValueError(
                f"y must be 1-dimensional (n_samples,); got shape {y.shape}."
            )
    check_consistent_length(X, y)
    classes, y_idx, counts = np.unique(y, return_inverse=True, return_counts=True)
    if len(classes) < 2:
        raise ValueError(
            f"make_long_tailed needs at least 2 classes in y; got {len(classes)}."
        )
    if class_order is None:
        order = np.arange(len(classes))
    else:
        class_order = np.asarray(class_order)
        if class_order.ndim != 1:
            raise ValueError(
                f"class_order must be 1-dimensional; got shape {class_order.shape}."
            )
        position = {c: i for i, c in enumerate(classes.tolist())}
        unknown = [c for c in class_order.tolist() if c not in position]
        if unknown:
            raise ValueError(
                f"class_order contains labels that are not in y: {unknown}."
            )
        order = np.asarray([position[c] for c in class_order.tolist()], dtype=int)
        if len(np.unique(order)) != len(order):
            raise ValueError("class_order contains duplicate labels.")
        if len(order) != len(classes):
            missing = [c for i, c in enumerate(classes.tolist()) if i not in order]
            raise ValueError(
                f"class_order must list every class of y; missing {missing}."
            )
    n_max = int(counts.min())
    targets = long_tailed_counts(n_max, len(classes), ratio, profile)
    rng = check_random_state(random_state)
    selected = []
    for class_index, n_keep in zip(order, targets, strict=True):
        members = np.flatnonzero(y_idx == class_index)
        selected.append(rng.choice(members, size=int(n_keep), replace=False))
    indices = np.sort(np.concatenate(selected))
    return _safe_indexing(X, indices), y[indices]
