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
