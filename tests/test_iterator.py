"""Tests for sklimb._iterator: sparse rows gathered dense, batch by batch."""

import numpy as np
import pytest
import scipy.sparse as sp
import torch

from sklimb._iterator import BatchIterator, DeviceDataset, SparseRows


@pytest.fixture
def matrix():
    return sp.random(60, 9, density=0.25, format="csc", random_state=0, dtype=float)


def test_sparse_rows_gather_like_scipy(matrix, device):
    rows = SparseRows.from_scipy(matrix, torch.float32, device)
    dense = matrix.toarray().astype(np.float32)
    idx = torch.tensor([5, 0, 59, 5, 17])
    np.testing.assert_array_equal(rows[idx].cpu().numpy(), dense[idx.numpy()])
    np.testing.assert_array_equal(rows[10:25].cpu().numpy(), dense[10:25])
    np.testing.assert_array_equal(rows[3].cpu().numpy(), dense[3])
    np.testing.assert_array_equal(rows[55:100].cpu().numpy(), dense[55:])
    assert len(rows) == 60 and rows[idx].dtype == torch.float32
    # An empty row and an empty selection.
    empty = SparseRows.from_scipy(sp.csr_matrix((3, 4)), torch.float32, device)
    assert empty[torch.tensor([0, 2])].abs().sum() == 0
    assert rows[torch.tensor([], dtype=torch.long)].shape == (0, 9)


def test_sparse_take_stays_sparse(matrix, device):
    rows = SparseRows.from_scipy(matrix, torch.float32, device)
    idx = torch.tensor([7, 1, 40])
    part = rows.take(idx)
    assert isinstance(part, SparseRows) and len(part) == 3
    assert part.values.numel() == matrix[idx.numpy()].nnz
    np.testing.assert_array_equal(
        part[0:3].cpu().numpy(), matrix.toarray()[idx.numpy()].astype(np.float32)
    )


def test_batches_of_a_sparse_dataset_are_dense(matrix):
    rows = SparseRows.from_scipy(matrix, torch.float32, "cpu")
    y = torch.arange(60) % 3
    dataset = DeviceDataset(rows, y)
    seen = []
    for Xb, yb in BatchIterator(dataset, 16, shuffle=True, generator=torch.Generator()):
        assert Xb.layout == torch.strided and Xb.shape[1] == 9 and len(Xb) <= 16
        seen.append(len(yb))
    assert sum(seen) == 60
    train = dataset.subset(np.arange(0, 60, 2))
    assert isinstance(train.X, SparseRows) and len(train) == 30


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("shuffle", [False, True])
def test_batches_are_the_rows_the_dataset_gives(weighted, shuffle):
    X = torch.arange(50.0).reshape(25, 2)
    y = torch.arange(25) % 3
    sw = torch.linspace(0.5, 1.5, 25) if weighted else None
    ds = DeviceDataset(X, y, sample_weight=sw)
    gen = torch.Generator().manual_seed(0)
    order = torch.randperm(25, generator=torch.Generator().manual_seed(0))
    batches = list(BatchIterator(ds, 10, shuffle=shuffle, generator=gen))
    assert [len(b[0]) for b in batches] == [10, 10, 5]
    for k, (Xb, yb) in enumerate(batches):
        idx = slice(10 * k, 10 * k + 10)
        rows = order[idx] if shuffle else torch.arange(25)[idx]
        expected_X, expected_y = ds[rows]
        torch.testing.assert_close(Xb, expected_X)
        if weighted:
            torch.testing.assert_close(yb["sample_weight"], expected_y["sample_weight"])
            yb, expected_y = yb["target"], expected_y["target"]
        torch.testing.assert_close(yb, expected_y)
    # Without targets (prediction) the reader gives None in their place.
    assert all(t is None for _, t in BatchIterator(DeviceDataset(X), 10))
