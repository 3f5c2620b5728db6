"""Tests for sklimb.datasets."""

import gzip
from pathlib import Path

import numpy as np
import pytest

from sklimb import datasets
from sklimb.datasets import (
    available_datasets,
    default_data_dir,
    load_dataset,
    load_digits_dataset,
    load_idx_dataset,
    long_tailed_counts,
    make_long_tailed,
    read_idx,
)

# Same location as the module's default: <checkout>/../shared/data.
SHARED_DATA = Path(datasets.__file__).resolve().parents[3] / "shared" / "data"
IDX_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def _has_dataset(name):
    return all((SHARED_DATA / name / f).is_file() for f in IDX_FILES)


needs_mnist = pytest.mark.skipif(
    not _has_dataset("mnist"), reason=f"MNIST files not found in {SHARED_DATA}"
)
needs_fashion = pytest.mark.skipif(
    not _has_dataset("fashion-mnist"),
    reason=f"Fashion-MNIST files not found in {SHARED_DATA}",
)


def idx_bytes(array):
    """Serialise a uint8 array in the IDX format."""
    array = np.asarray(array, dtype=np.uint8)
    header = bytes([0, 0, 0x08, array.ndim])
    header += b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.tobytes()


def write_idx(path, array, compress=True):
    payload = idx_bytes(array)
    path.write_bytes(gzip.compress(payload) if compress else payload)
    return path


def make_fake_dataset(folder, n_train=12, n_test=5, n_classes=10, seed=0):
    """Write four small gzip IDX files that look like MNIST."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    arrays = {
        "train_images": rng.integers(0, 256, (n_train, 28, 28), dtype=np.uint8),
        "train_labels": rng.integers(0, n_classes, n_train, dtype=np.uint8),
        "test_images": rng.integers(0, 256, (n_test, 28, 28), dtype=np.uint8),
        "test_labels": rng.integers(0, n_classes, n_test, dtype=np.uint8),
    }
    arrays["train_images"][0, 0, 0] = 255
    arrays["train_images"][0, 0, 1] = 0
    write_idx(folder / "train-images-idx3-ubyte.gz", arrays["train_images"])
    write_idx(folder / "train-labels-idx1-ubyte.gz", arrays["train_labels"])
    write_idx(folder / "t10k-images-idx3-ubyte.gz", arrays["test_images"])
    write_idx(folder / "t10k-labels-idx1-ubyte.gz", arrays["test_labels"])
    return arrays


# --------------------------------------------------------------------------
# read_idx
# --------------------------------------------------------------------------


@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize("shape", [(7,), (3, 4), (2, 3, 5)])
def test_read_idx_round_trip(tmp_path, compress, shape):
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, shape, dtype=np.uint8)
    path = write_idx(tmp_path / "data-idx", array, compress=compress)
    out = read_idx(path)
    assert out.dtype == np.uint8
    assert out.shape == shape
    np.testing.assert_array_equal(out, array)
    out[...] = 0  # the result is a writable copy
    assert read_idx(str(path)).shape == shape


def test_read_idx_detects_gzip_by_content(tmp_path):
    array = np.arange(6, dtype=np.uint8).reshape(2, 3)
    path = tmp_path / "no-gz-suffix"
    path.write_bytes(gzip.compress(idx_bytes(array)))
    np.testing.assert_array_equal(read_idx(path), array)


def test_read_idx_empty_array(tmp_path):
    path = write_idx(tmp_path / "empty", np.zeros((0, 2), dtype=np.uint8))
    out = read_idx(path)
    assert out.shape == (0, 2)


@pytest.mark.parametrize(
    "magic",
    [
        bytes([0, 0, 0x0D, 1]),  # float data
        bytes([0, 0, 0x0C, 1]),  # int32 data
        bytes([1, 0, 0x08, 1]),  # non-zero leading byte
        bytes([0, 0, 0x08, 0]),  # zero dimensions
        b"GIF8",
    ],
)
@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_bad_magic(tmp_path, magic, compress):
    payload = magic + (3).to_bytes(4, "big") + bytes([1, 2, 3])
    path = tmp_path / "bad-magic"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match="invalid magic number") as excinfo:
        read_idx(path)
    assert str(path) in str(excinfo.value)


@pytest.mark.parametrize(
    "payload, match",
    [
        (b"", "truncated"),
        (bytes([0, 0, 8]), "truncated"),
        (bytes([0, 0, 8, 3, 0, 0, 0, 2]), "truncated"),  # incomplete header
        (bytes([0, 0, 8, 1, 0, 0, 0, 5, 1, 2]), "truncated"),  # missing data
        (bytes([0, 0, 8, 1, 0, 0, 0, 2, 1, 2, 3]), "unexpected bytes"),
    ],
)
@pytest.mark.parametrize("compress", [True, False])
def test_read_idx_truncated_or_trailing(tmp_path, payload, match, compress):
    path = tmp_path / "broken-idx"
    path.write_bytes(gzip.compress(payload) if compress else payload)
    with pytest.raises(ValueError, match=match) as excinfo:
        read_idx(path)
    assert str(path) in str(excinfo.value)


def test_read_idx_truncated_gzip_stream(tmp_path):
    array = np.arange(200, dtype=np.uint8).reshape(10, 20)
    compressed = gzip.compress(idx_bytes(array))
    path = tmp_path / "cut.gz"
    path.write_bytes(compressed[: len(compressed) // 2])
    with pytest.raises(ValueError, match="gzip stream is corrupt or truncated") as exc:
        read_idx(path)
    assert str(path) in str(exc.value)


def test_read_idx_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError):
        read_idx(tmp_path / "nope.gz")


# --------------------------------------------------------------------------
# Data directory
# --------------------------------------------------------------------------


def test_default_data_dir_env(monkeypatch, tmp_path):
    monkeypatch.setenv("SKLIMB_DATA_DIR", str(tmp_path))
    assert default_data_dir() == tmp_path
    # The variable wins even when the directory does not exist.
    monkeypatch.setenv("SKLIMB_DATA_DIR", str(tmp_path / "missing"))
    assert default_data_dir() == tmp_path / "missing"


def test_default_data_dir_fallbacks(monkeypatch, tmp_path):
    monkeypatch.delenv("SKLIMB_DATA_DIR", raising=False)
    first, second = tmp_path / "first", tmp_path / "second"
    monkeypatch.setattr(datasets, "_candidate_data_dirs", lambda: [first, second])
    assert default_data_dir() is None
    second.mkdir()
    assert default_data_dir() == second
    first.mkdir()
    assert default_data_dir() == first


def test_default_candidates_are_relative_to_checkout():
    candidates = datasets._candidate_data_dirs()
    assert candidates[0] == SHARED_DATA
    assert candidates[1] == Path.cwd() / ".." / "shared" / "data"


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="no shared data directory")
def test_default_data_dir_finds_shared_data(monkeypatch):
    monkeypatch.delenv("SKLIMB_DATA_DIR", raising=False)
    assert default_data_dir() == SHARED_DATA


# --------------------------------------------------------------------------
# load_idx_dataset on small fake files
# --------------------------------------------------------------------------


def test_fake_files_fail_checksum(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    with pytest.raises(ValueError, match="Checksum mismatch") as excinfo:
        load_idx_dataset("mnist", tmp_path)
    message = str(excinfo.value)
    assert "train-images-idx3-ubyte.gz" in message
    assert "verify=False" in message


@needs_mnist
def test_checksum_mismatch_names_the_modified_file(tmp_path):
    # Copies of the real files pass; a modified copy of one of them does not.
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in IDX_FILES:
        (folder / name).write_bytes((SHARED_DATA / "mnist" / name).read_bytes())
    assert load_idx_dataset("mnist", tmp_path).y_test.shape == (10000,)
    # Same IDX content, but a different gzip file.
    labels = folder / "t10k-labels-idx1-ubyte.gz"
    labels.write_bytes(gzip.compress(gzip.decompress(labels.read_bytes())))
    with pytest.raises(ValueError, match="Checksum mismatch") as excinfo:
        load_idx_dataset("mnist", tmp_path)
    assert "t10k-labels-idx1-ubyte.gz" in str(excinfo.value)
    assert "train-images" not in str(excinfo.value)
    data = load_idx_dataset("mnist", tmp_path, verify=False)
    assert data.y_test.shape == (10000,)


def test_fake_files_load_without_verification(tmp_path):
    arrays = make_fake_dataset(tmp_path / "fashion-mnist", n_train=12, n_test=5)
    data = load_idx_dataset("fashion-mnist", tmp_path, verify=False)
    assert set(data) == {
        "X_train",
        "y_train",
        "X_test",
        "y_test",
        "image_shape",
        "target_names",
        "name",
    }
    assert data.X_train.shape == (12, 784)
    assert data.X_test.shape == (5, 784)
    assert data.X_train.dtype == np.float32
    assert data.y_train.dtype == np.int64
    assert data.X_train.min() == 0.0
    assert data.X_train.max() == 1.0
    np.testing.assert_allclose(
        data.X_train, arrays["train_images"].reshape(12, -1) / 255.0, rtol=1e-6
    )
    np.testing.assert_array_equal(data.y_train, arrays["train_labels"])
    np.testing.assert_array_equal(data.y_test, arrays["test_labels"])
    assert data.image_shape == (1, 28, 28)
    assert data.name == "fashion-mnist"
    assert list(data.target_names)[:2] == ["T-shirt/top", "Trouser"]


def test_dataset_folder_can_be_passed_directly(tmp_path):
    make_fake_dataset(tmp_path)
    data = load_idx_dataset("mnist", tmp_path, verify=False)
    assert data.X_train.shape == (12, 784)
    assert list(data.target_names) == [str(i) for i in range(10)]


def test_env_var_is_used(monkeypatch, tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    monkeypatch.setenv("SKLIMB_DATA_DIR", str(tmp_path))
    data = load_dataset("mnist", verify=False)
    assert data.X_test.shape == (5, 784)
    assert available_datasets() == ["digits", "mnist"]


def test_missing_file(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz").unlink()
    with pytest.raises(FileNotFoundError, match="t10k-labels-idx1-ubyte.gz") as exc:
        load_idx_dataset("mnist", tmp_path, verify=False)
    message = str(exc.value)
    assert str(tmp_path / "mnist") in message
    assert "data_dir" in message
    assert "SKLIMB_DATA_DIR" in message


def test_missing_directory(tmp_path):
    with pytest.raises(FileNotFoundError, match="does not exist") as exc:
        load_idx_dataset("mnist", tmp_path / "nowhere")
    assert "SKLIMB_DATA_DIR" in str(exc.value)


def test_no_default_directory(monkeypatch, tmp_path):
    monkeypatch.delenv("SKLIMB_DATA_DIR", raising=False)
    monkeypatch.setattr(
        datasets, "_candidate_data_dirs", lambda: [tmp_path / "a", tmp_path / "b"]
    )
    with pytest.raises(FileNotFoundError, match="SKLIMB_DATA_DIR") as exc:
        load_idx_dataset("mnist")
    assert str(tmp_path / "a") in str(exc.value)
    assert available_datasets() == ["digits"]


def test_labels_out_of_range(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-labels-idx1-ubyte.gz", [0, 1, 2, 3, 10])
    with pytest.raises(ValueError, match=r"label 10.*\[0, 10\)"):
        load_idx_dataset("mnist", tmp_path, verify=False)


def test_labels_length_mismatch(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "train-labels-idx1-ubyte.gz", [0, 1, 2])
    with pytest.raises(ValueError, match=r"train-labels.*\(12,\)"):
        load_idx_dataset("mnist", tmp_path, verify=False)


def test_images_wrong_rank(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    write_idx(tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz", np.zeros((5, 784)))
    with pytest.raises(ValueError, match="t10k-images"):
        load_idx_dataset("mnist", tmp_path, verify=False)


def test_corrupt_file_in_dataset(tmp_path):
    make_fake_dataset(tmp_path / "mnist")
    (tmp_path / "mnist" / "t10k-images-idx3-ubyte.gz").write_bytes(b"\x00\x00\x09\x03")
    with pytest.raises(ValueError, match="t10k-images-idx3-ubyte.gz"):
        load_idx_dataset("mnist", tmp_path, verify=False)


@pytest.mark.parametrize("bad", ["cifar10", "MNIST-", ""])
def test_unknown_name(bad):
    with pytest.raises(ValueError, match="Valid names") as exc:
        load_dataset(bad)
    for name in ("digits", "mnist", "fashion-mnist"):
        assert repr(name) in str(exc.value)
    with pytest.raises(ValueError, match="Valid names"):
        load_idx_dataset("digits")


def test_name_must_be_string():
    with pytest.raises(TypeError, match="name must be a string"):
        load_dataset(3)


def test_available_datasets(tmp_path):
    assert available_datasets(tmp_path) == ["digits"]
    assert available_datasets(tmp_path / "missing") == ["digits"]
    make_fake_dataset(tmp_path / "fashion-mnist")
    assert available_datasets(tmp_path) == ["digits", "fashion-mnist"]
    make_fake_dataset(tmp_path / "mnist")
    assert available_datasets(tmp_path) == ["digits", "mnist", "fashion-mnist"]


# --------------------------------------------------------------------------
# Real data
# --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def mnist():
    return load_idx_dataset("mnist", SHARED_DATA)


@pytest.fixture(scope="module")
def fashion():
    return load_dataset("fashion_mnist", SHARED_DATA)


def _check_real(data):
    assert data.X_train.shape == (60000, 784)
    assert data.X_test.shape == (10000, 784)
    assert data.y_train.shape == (60000,)
    assert data.y_test.shape == (10000,)
    for X in (data.X_train, data.X_test):
        assert X.dtype == np.float32
        assert X.min() == 0.0
        assert X.max() == 1.0
    for y in (data.y_train, data.y_test):
        assert y.dtype == np.int64
        np.testing.assert_array_equal(np.unique(y), np.arange(10))
    assert data.image_shape == (1, 28, 28)
    assert len(data.target_names) == 10


@needs_mnist
def test_real_mnist(mnist):
    _check_real(mnist)
    assert mnist.name == "mnist"
    assert list(mnist.target_names) == [str(i) for i in range(10)]
    np.testing.assert_array_equal(
        np.bincount(mnist.y_train),
        [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949],
    )
    np.testing.assert_array_equal(
        np.bincount(mnist.y_test),
        [980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009],
    )
    # The first training digit of MNIST is a 5, the first test digit a 7.
    assert mnist.y_train[0] == 5
    assert mnist.y_test[0] == 7


@needs_fashion
def test_real_fashion_mnist(fashion):
    _check_real(fashion)
    assert fashion.name == "fashion-mnist"
    assert list(fashion.target_names) == [
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
    ]
    np.testing.assert_array_equal(np.bincount(fashion.y_train), [6000] * 10)
    np.testing.assert_array_equal(np.bincount(fashion.y_test), [1000] * 10)


@needs_mnist
@needs_fashion
def test_real_available_datasets():
    assert available_datasets(SHARED_DATA) == ["digits", "mnist", "fashion-mnist"]


@needs_fashion
def test_real_fashion_long_tailed(fashion):
    images = fashion.X_train.reshape(-1, *fashion.image_shape)
    X_lt, y_lt = make_long_tailed(images, fashion.y_train, 100, random_state=0)
    expected = long_tailed_counts(6000, 10, 100)
    np.testing.assert_array_equal(np.bincount(y_lt), expected)
    assert X_lt.shape == (expected.sum(), 1, 28, 28)


# --------------------------------------------------------------------------
# digits
# --------------------------------------------------------------------------


def test_load_digits_dataset():
    data = load_digits_dataset()
    assert data.X_train.shape == (1347, 64)
    assert data.X_test.shape == (450, 64)
    assert data.X_train.dtype == np.float32
    assert data.y_train.dtype == np.int64
    assert data.X_train.min() == 0.0
    assert data.X_train.max() == 1.0
    assert data.image_shape == (1, 8, 8)
    assert data.name == "digits"
    assert list(data.target_names) == [str(i) for i in range(10)]
    # Stratified: the class proportions of the test set follow the full set.
    full = np.bincount(np.concatenate([data.y_train, data.y_test]))
    np.testing.assert_allclose(np.bincount(data.y_test) / full, 0.25, atol=0.02)


def test_load_digits_dataset_random_state():
    a = load_digits_dataset(random_state=1)
    b = load_dataset("digits", random_state=1)
    c = load_digits_dataset(random_state=2)
    np.testing.assert_array_equal(a.X_train, b.X_train)
    np.testing.assert_array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.y_train, c.y_train)
    small = load_digits_dataset(test_size=0.1)
    assert small.X_test.shape[0] == 180


# --------------------------------------------------------------------------
# Long-tailed subsampling
# --------------------------------------------------------------------------


def test_long_tailed_counts_cifar10_lt():
    # The class sizes of CIFAR-10-LT (Cao et al. 2019), with 5000 images per
    # class in the balanced training set.
    np.testing.assert_array_equal(
        long_tailed_counts(5000, 10, 100),
        [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50],
    )
    assert long_tailed_counts(5000, 10, 100).sum() == 12406
    np.testing.assert_array_equal(
        long_tailed_counts(5000, 10, 10),
        [5000, 3871, 2997, 2320, 1796, 1391, 1077, 834, 645, 500],
    )
    assert long_tailed_counts(5000, 10, 10).sum() == 20431


def test_long_tailed_counts_step():
    np.testing.assert_array_equal(
        long_tailed_counts(5000, 10, 10, profile="step"), [5000] * 5 + [500] * 5
    )
    np.testing.assert_array_equal(
        long_tailed_counts(5000, 10, 100, "step"), [5000] * 5 + [50] * 5
    )
    # Odd number of classes: floor(C / 2) head classes.
    np.testing.assert_array_equal(
        long_tailed_counts(100, 5, 3, "step"), [100, 100, 33, 33, 33]
    )


@pytest.mark.parametrize("n_max, n_classes, ratio", [(600, 10, 7.5), (37, 3, 2.0)])
def test_long_tailed_counts_formula(n_max, n_classes, ratio):
    expected = [
        max(1, int(n_max * ratio ** (-i / (n_classes - 1)))) for i in range(n_classes)
    ]
    counts = long_tailed_counts(n_max, n_classes, ratio)
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(counts, expected)
    assert counts[0] == n_max
    assert np.all(np.diff(counts) <= 0)


def test_long_tailed_counts_edge_cases():
    np.testing.assert_array_equal(long_tailed_counts(50, 4, 1), [50] * 4)
    np.testing.assert_array_equal(long_tailed_counts(50, 4, 1, "step"), [50] * 4)
    # Every class keeps at least one sample.
    np.testing.assert_array_equal(long_tailed_counts(10, 3, 1000), [10, 1, 1])
    np.testing.assert_array_equal(long_tailed_counts(10, 2, 1000, "step"), [10, 1])
    np.testing.assert_array_equal(long_tailed_counts(np.int64(8), 2, 2), [8, 4])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_max": 0}, ValueError, "n_max"),
        ({"n_max": 2.5}, TypeError, "n_max"),
        ({"n_classes": 1}, ValueError, "n_classes"),
        ({"imbalance_ratio": 0.5}, ValueError, "imbalance_ratio"),
        ({"imbalance_ratio": float("inf")}, ValueError, "imbalance_ratio"),
        ({"imbalance_ratio": "10"}, TypeError, "imbalance_ratio"),
        ({"profile": "linear"}, ValueError, "profile"),
    ],
)
def test_long_tailed_counts_errors(kwargs, error, match):
    params = {"n_max": 10, "n_classes": 3, "imbalance_ratio": 2.0}
    params.update(kwargs)
    with pytest.raises(error, match=match):
        long_tailed_counts(**params)


def _balanced(n_per_class=500, n_classes=10, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.permutation(np.repeat(np.arange(n_classes), n_per_class))
    X = np.column_stack([np.arange(len(y)), y])
    return X, y


@pytest.mark.parametrize("ratio", [10, 100])
@pytest.mark.parametrize("profile", ["exponential", "step"])
def test_make_long_tailed_counts(ratio, profile):
    X, y = _balanced()
    X_lt, y_lt = make_long_tailed(X, y, ratio, profile, random_state=0)
    if profile == "exponential":
        expected = {
            10: [500, 387, 299, 232, 179, 139, 107, 83, 64, 50],
            100: [500, 299, 179, 107, 64, 38, 23, 13, 8, 5],
        }[ratio]
    else:
        expected = [500] * 5 + [500 // ratio] * 5
    np.testing.assert_array_equal(np.bincount(y_lt, minlength=10), expected)
    np.testing.assert_array_equal(expected, long_tailed_counts(500, 10, ratio, profile))
    # Rows are kept intact, without duplicates, in their original order.
    assert X_lt.shape == (sum(expected), 2)
    np.testing.assert_array_equal(X_lt[:, 1], y_lt)
    assert np.all(np.diff(X_lt[:, 0]) > 0)
    np.testing.assert_array_equal(y[X_lt[:, 0]], y_lt)


def test_make_long_tailed_uses_smallest_class():
    y = np.repeat([0, 1, 2], [100, 80, 120])
    X = np.arange(len(y))
    _, y_lt = make_long_tailed(X, y, 4, random_state=0)
    np.testing.assert_array_equal(np.bincount(y_lt), [80, 40, 20])


def test_make_long_tailed_string_labels_and_class_order():
    y = np.repeat(["ant", "bee", "cat"], 40)
    X = np.arange(120)
    X_lt, y_lt = make_long_tailed(X, y, 4, random_state=0)
    labels, counts = np.unique(y_lt, return_counts=True)
    assert labels.tolist() == ["ant", "bee", "cat"]
    assert counts.tolist() == [40, 20, 10]
    assert y_lt.dtype == y.dtype
    X_lt, y_lt = make_long_tailed(
        X, list(y), 4, random_state=0, class_order=["cat", "ant", "bee"]
    )
    labels, counts = np.unique(y_lt, return_counts=True)
    assert dict(zip(labels.tolist(), counts.tolist(), strict=True)) == {
        "cat": 40,
        "ant": 20,
        "bee": 10,
    }
    np.testing.assert_array_equal(y[X_lt], y_lt)


def test_make_long_tailed_images_and_lists():
    rng = np.random.default_rng(0)
    images = rng.random((60, 1, 4, 4)).astype(np.float32)
    y = np.tile([0, 1, 2], 20)
    X_lt, y_lt = make_long_tailed(images, y, 2, random_state=0)
    assert X_lt.shape == (20 + 14 + 10, 1, 4, 4)
    assert X_lt.dtype == np.float32
    index = [np.flatnonzero((images == x).all(axis=(1, 2, 3)))[0] for x in X_lt]
    np.testing.assert_array_equal(y[index], y_lt)
    X_list = [[i] for i in range(60)]
    X_lt, y_lt = make_long_tailed(X_list, y, 2, random_state=0)
    assert isinstance(X_lt, list)
    assert [y[row[0]] for row in X_lt] == y_lt.tolist()


def test_make_long_tailed_deterministic():
    X, y = _balanced(n_per_class=50)
    a = make_long_tailed(X, y, 10, random_state=42)
    b = make_long_tailed(X, y, 10, random_state=42)
    c = make_long_tailed(X, y, 10, random_state=np.random.RandomState(7))
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    assert not np.array_equal(a[0], c[0])


def test_make_long_tailed_ratio_one_keeps_balanced_subset():
    y = np.repeat([0, 1], [30, 20])
    X = np.arange(50)
    X_lt, y_lt = make_long_tailed(X, y, 1.0, random_state=0)
    np.testing.assert_array_equal(np.bincount(y_lt), [20, 20])
    X_all, _ = make_long_tailed(X[10:], y[10:], 1.0, random_state=0)
    np.testing.assert_array_equal(X_all, X[10:])


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"imbalance_ratio": 0.9}, ValueError, "imbalance_ratio"),
        ({"imbalance_ratio": float("nan")}, ValueError, "imbalance_ratio"),
        ({"imbalance_ratio": None}, TypeError, "imbalance_ratio"),
        ({"imbalance_ratio": True}, TypeError, "imbalance_ratio"),
        ({"profile": "exp"}, ValueError, "profile must be one of"),
        ({"class_order": [0, 1]}, ValueError, r"missing \[2\]"),
        ({"class_order": [0, 1, 2, 3]}, ValueError, r"not in y: \[3\]"),
        ({"class_order": [0, 1, 1]}, ValueError, "duplicate"),
        ({"class_order": [[0, 1, 2]]}, ValueError, "class_order"),
    ],
)
def test_make_long_tailed_errors(kwargs, error, match):
    y = np.tile([0, 1, 2], 10)
    params = {"imbalance_ratio": 2.0}
    params.update(kwargs)
    with pytest.raises(error, match=match):
        make_long_tailed(np.arange(30), y, **params)


def test_make_long_tailed_bad_inputs():
    with pytest.raises(ValueError, match="at least 2 classes"):
        make_long_tailed(np.arange(5), np.zeros(5), 2)
    with pytest.raises(ValueError, match="inconsistent numbers of samples"):
        make_long_tailed(np.arange(5), [0, 1, 0, 1], 2)
    with pytest.raises(ValueError, match="y must be 1-dimensional"):
        make_long_tailed(np.arange(4), np.zeros((4, 2)), 2)


def test_make_long_tailed_dataframe_and_tensor():
    pd = pytest.importorskip("pandas")
    y = np.tile([0, 1, 2], 10)
    X = pd.DataFrame({"a": np.arange(30), "b": y})
    X_lt, y_lt = make_long_tailed(X, pd.Series(y), 2, random_state=0)
    assert isinstance(X_lt, pd.DataFrame)
    assert X_lt.shape == (10 + 7 + 5, 2)
    np.testing.assert_array_equal(X_lt["b"].to_numpy(), y_lt)
    torch = pytest.importorskip("torch")
    X_lt, y_lt = make_long_tailed(torch.arange(30), y, 2, random_state=0)
    assert isinstance(X_lt, torch.Tensor)
    np.testing.assert_array_equal(y[X_lt.numpy()], y_lt)


def test_one_alias_table_for_loaders_and_sweeps():
    from sklimb.experiments.grid import normalize_dataset_name

    for alias in ("fashion_mnist", "fashionmnist", " Fashion-MNIST "):
        assert datasets.normalize_name(alias) == "fashion-mnist"
        assert normalize_dataset_name(alias) == "fashion-mnist"
    match = "aliases \\['fashion_mnist', 'fashionmnist'\\]"
    with pytest.raises(ValueError, match=match):
        load_dataset("cifar10")


@pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="shared data not found")
def test_fashionmnist_alias_loads_like_the_sweep_name():
    a = load_dataset("fashionmnist", SHARED_DATA)
    assert a.name == "fashion-mnist" and a.X_train.shape == (60000, 784)


def test_long_tailed_counts_floor_the_exact_value():
    # 98 * 49 ** -1 is 1.9999999999999998 in floating point: the tail got 1
    # sample (an imbalance ratio of 98 instead of 49).
    from sklimb.datasets import long_tailed_counts

    counts = long_tailed_counts(98, 10, 49)
    assert counts[0] == 98 and counts[-1] == 2
    np.testing.assert_array_equal(
        long_tailed_counts(5000, 10, 100),
        [5000, 2997, 1796, 1077, 645, 387, 232, 139, 83, 50],
    )
