"""IDX files: reading, decompression and checksums of MNIST-style data."""

import gzip
import hashlib
import zlib
from pathlib import Path

import numpy as np

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
