"""Device-resident data and the batch iterator that feeds the nets.

skorch's default path wraps arrays in a ``Dataset`` read one sample at a time
through a ``DataLoader``. Here the whole training set is moved to the device
once per fit and each batch is gathered by tensor indexing. A data set too
large for the free memory of a CUDA device (more than
``DEVICE_MEMORY_SHARE`` of it) stays in pinned host memory instead, and each
batch is gathered there and copied to the device asynchronously.
"""

import numpy as np
import torch

__all__ = [
    "DeviceDataset",
    "BatchIterator",
    "SparseRows",
    "sampling_probabilities",
    "storage_device",
    "to_storage",
]

#: Largest share of a CUDA device's free memory that a fit's data may take
#: before it is kept in pinned host memory and streamed batch by batch.
DEVICE_MEMORY_SHARE = 0.5


def storage_device(nbytes, device):
    """Where the tensors of a fit live: ``device``, or the CPU to stream from.

    Parameters
    ----------
    nbytes : int
        Size of the data set's tensors.
    device : str or torch.device
        The device the network runs on.

    Returns
    -------
    storage : torch.device
        ``device`` itself, unless it is a CUDA device whose free memory times
        ``DEVICE_MEMORY_SHARE`` is smaller than ``nbytes``: then the CPU.
    """
    device = torch.device(device)
    if device.type != "cuda":
        return device
    free, _ = torch.cuda.mem_get_info(device)
    return device if nbytes <= DEVICE_MEMORY_SHARE * free else torch.device("cpu")


class SparseRows:
    """A CSR matrix on a torch device whose rows are gathered dense.

    Sparse inputs (e.g. one-hot encoded categories) stay sparse on the
    device; indexing rows returns them as a dense float tensor, so that only
    one batch at a time is ever dense.

    Parameters
    ----------
    crow, col, values : Tensor
        The CSR arrays (``indptr``, ``indices``, ``data``).
    shape : tuple of (int, int)
    """

    def __init__(self, crow, col, values, shape):
        self.crow, self.col, self.values = crow, col, values
        self.shape = tuple(shape)

    @classmethod
    def from_scipy(cls, matrix, dtype, device):
        """Copy a scipy sparse matrix (converted to CSR) to ``device``."""
        csr = matrix.tocsr()
        csr.sort_indices()

        def t(a, dt):
            return torch.tensor(np.asarray(a), dtype=dt, device=device)

        return cls(
            t(csr.indptr, torch.long),
            t(csr.indices, torch.long),
            t(csr.data, dtype),
            csr.shape,
        )

    @property
    def device(self):
        return self.values.device

    def __len__(self):
        return self.shape[0]

    def _rows(self, idx):
        if isinstance(idx, slice):
            return torch.arange(*idx.indices(self.shape[0]), device=self.device)
        idx = torch.as_tensor(idx, device=self.device)
        return idx.reshape(-1) if idx.ndim else idx.reshape(1)

    def _gather(self, rows):
        # Positions of the stored entries of ``rows``, without a Python loop.
        starts, ends = self.crow[rows], self.crow[rows + 1]
        lengths = ends - starts
        out_row = torch.repeat_interleave(
            torch.arange(len(rows), device=self.device), lengths
        )
        first = torch.cumsum(lengths, 0) - lengths
        pos = (
            torch.arange(int(lengths.sum()), device=self.device)
            - torch.repeat_interleave(first, lengths)
            + torch.repeat_interleave(starts, lengths)
        )
        return out_row, pos

    def __getitem__(self, idx):
        rows = self._rows(idx)
        out_row, pos = self._gather(rows)
        dense = torch.zeros(
            (len(rows), self.shape[1]), dtype=self.values.dtype, device=self.device
        )
        dense[out_row, self.col[pos]] = self.values[pos]
        if not isinstance(idx, slice) and torch.as_tensor(idx).ndim == 0:
            return dense[0]
        return dense

    def take(self, idx):
        """The rows ``idx`` as a new :class:`SparseRows` (still sparse)."""
        rows = self._rows(idx)
        out_row, pos = self._gather(rows)
        counts = torch.bincount(out_row, minlength=len(rows))
        crow = torch.zeros(len(rows) + 1, dtype=torch.long, device=self.device)
        crow[1:] = torch.cumsum(counts, 0)
        shape = (len(rows), self.shape[1])
        return SparseRows(crow, self.col[pos], self.values[pos], shape)


def to_storage(array, dtype, storage, device):
    """A copy of ``array`` as a tensor on ``storage`` (pinned when streamed).

    The copy never shares the caller's memory, so read-only arrays (pandas
    copy-on-write) need no warning. A scipy sparse matrix becomes
    :class:`SparseRows`.
    """
    if array is None:
        return None
    if hasattr(array, "tocsr"):
        return SparseRows.from_scipy(array, dtype, storage)
    tensor = torch.tensor(np.asarray(array), dtype=dtype, device=storage)
    if storage.type == "cpu" and torch.device(device).type == "cuda":
        tensor = tensor.pin_memory()
    return tensor


class DeviceDataset(torch.utils.data.Dataset):
    """Tensors of one fit or prediction, already on their device.

    Parameters
    ----------
    X : Tensor of shape (n_samples, ...)
    y : LongTensor of shape (n_samples,) or None
        Encoded targets (indices into ``classes_``).
    sample_weight : Tensor of shape (n_samples,) or None
    sample_cost : Tensor of shape (n_samples, n_classes) or None
    device : str or torch.device, default=None
        Where batches go. None: where ``X`` is. When the tensors are on the
        CPU (pinned) and ``device`` is a CUDA device, every batch is copied
        there asynchronously (streaming, see :func:`storage_device`).
    """

    def __init__(self, X, y=None, sample_weight=None, sample_cost=None, device=None):
        self.X, self.y = X, y
        self.sample_weight, self.sample_cost = sample_weight, sample_cost
        self.device = X.device if device is None else torch.device(device)
        # Streamed: the rows stay in host memory while the net runs elsewhere
        # (compared by type: "cuda" and "cuda:0" are the same device here).
        self.streamed = X.device.type == "cpu" and self.device.type != "cpu"

    def __len__(self):
        return len(self.X)

    def __getitem__(self, i):
        return self._move(self.X[i]), self.target(i)

    def _move(self, t):
        if not self.streamed:
            return t
        return t.pin_memory().to(self.device, non_blocking=True)

    def target(self, idx):
        """What the loss receives for rows ``idx``: the targets, or a dict of
        targets, sample weights and sample costs when any is set."""
        if self.y is None:
            return None
        if self.sample_weight is None and self.sample_cost is None:
            return self._move(self.y[idx])
        out = {"target": self._move(self.y[idx])}
        if self.sample_weight is not None:
            out["sample_weight"] = self._move(self.sample_weight[idx])
        if self.sample_cost is not None:
            out["sample_cost"] = self._move(self.sample_cost[idx])
        return out

    def subset(self, idx):
        """A new dataset of rows ``idx`` (used for the validation split)."""
        idx = torch.as_tensor(idx, dtype=torch.long, device=self.X.device)

        def take(t):
            if isinstance(t, SparseRows):
                return t.take(idx)
            return None if t is None else t[idx]

        return DeviceDataset(
            take(self.X),
            take(self.y),
            take(self.sample_weight),
            take(self.sample_cost),
            device=self.device,
        )


def sampling_probabilities(sampler, class_counts):
    """Per-class probability of drawing a sample of each class.

    Parameters
    ----------
    sampler : {"balanced", "sqrt"} or callable
        ``"balanced"``: every class equally likely; ``"sqrt"``: proportional
        to the square root of its count; a callable receives the class counts
        and returns non-negative per-class probabilities (normalised here).
    class_counts : array-like of shape (n_classes,)

    Returns
    -------
    proba : ndarray of shape (n_classes,)

    Examples
    --------
    >>> from sklimb._iterator import sampling_probabilities
    >>> sampling_probabilities("sqrt", [1, 4]).round(3)
    array([0.333, 0.667])
    """
    counts = np.asarray(class_counts, dtype=float)
    if sampler == "balanced":
        p = np.ones_like(counts)
    elif sampler == "sqrt":
        p = np.sqrt(counts)
    elif callable(sampler):
        p = np.asarray(sampler(counts.astype(int)), dtype=float)
        if p.shape != counts.shape:
            raise ValueError(
                f"sampler must return one probability per class ({counts.shape}),"
                f" got shape {p.shape}."
            )
    else:
        raise ValueError(
            f"sampler must be None, 'balanced', 'sqrt' or a callable, got {sampler!r}."
        )
    p = np.where(counts > 0, p, 0.0)
    if not np.all(np.isfinite(p)) or (p < 0).any() or p.sum() <= 0:
        raise ValueError(f"sampler gave invalid class probabilities: {p}.")
    return p / p.sum()


class BatchIterator:
    """Iterate over a :class:`DeviceDataset` in batches gathered by indexing.

    Parameters
    ----------
    dataset : DeviceDataset
    batch_size : int
    shuffle : bool, default=False
        Draw a new permutation each epoch (each ``iter()``).
    generator : torch.Generator, default=None
        CPU generator for the permutation and for class-balanced draws.
    class_proba : ndarray of shape (n_classes,), default=None
        When given, each epoch draws ``len(dataset)`` rows with replacement,
        row ``i`` with probability ``class_proba[y_i] / n_{y_i}``
        (class-balanced sampling) instead of a permutation.
    """

    def __init__(
        self, dataset, batch_size, shuffle=False, generator=None, class_proba=None
    ):
        self.dataset = dataset
        self.batch_size = len(dataset) if batch_size == -1 else int(batch_size)
        self.shuffle, self.generator = shuffle, generator
        self.row_proba = None
        if class_proba is not None:
            y = dataset.y.cpu()
            counts = torch.bincount(y, minlength=len(class_proba)).to(torch.float64)
            per_class = torch.as_tensor(class_proba, dtype=torch.float64)
            self.row_proba = (per_class / counts.clamp(min=1))[y]

    def __len__(self):
        n = len(self.dataset)
        return (n + self.batch_size - 1) // self.batch_size

    def _order(self):
        n = len(self.dataset)
        if self.row_proba is not None:
            return torch.multinomial(
                self.row_proba, n, replacement=True, generator=self.generator
            )
        if self.shuffle:
            return torch.randperm(n, generator=self.generator)
        return None

    def __iter__(self):
        ds, n, bs = self.dataset, len(self.dataset), self.batch_size
        take = _batch_reader(ds)
        order = self._order()
        if order is None:
            for start in range(0, n, bs):
                yield take(slice(start, start + bs))
            return
        order = order.to(ds.X.device)
        for start in range(0, n, bs):
            yield take(order[start : start + bs])


def _batch_reader(ds):
    """``ds.__getitem__``, or the same two indexing operations without its
    checks when there is nothing to copy and no weights or costs (one
    Python call per batch instead of four: they show on a small net)."""
    if ds.streamed or ds.sample_weight is not None or ds.sample_cost is not None:
        return ds.__getitem__
    X, y = ds.X, ds.y
    if y is None:
        return lambda idx: (X[idx], None)
    return lambda idx: (X[idx], y[idx])
