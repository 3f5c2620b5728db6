"""The results file of a sweep: one JSON line per finished fit.

``results.jsonl`` is the source of truth. Each finished fit is appended as
one line and flushed to disk (``os.fsync``) before the next fit starts, so a
killed sweep loses at most the fit in progress. A line cut short by a kill is
detected and removed when the file is read again. ``results.csv`` is
regenerated from the JSON lines through a temporary file and ``os.replace``,
so it is never left half-written.
"""

import csv
import json
import os
import tempfile
import warnings
from pathlib import Path

from .grid import result_key

__all__ = [
    "RESULT_FIELDS",
    "ResultsLog",
    "atomic_write",
    "read_results",
    "write_results_csv",
]

#: Columns of ``results.csv``, in order.
RESULT_FIELDS = (
    "dataset",
    "loss",
    "mask_size",
    "alpha",
    "rep",
    "seed",
    "mask",
    "masked_zone_error",
    "masked_zone_count",
    "masked_zone_error_share",
    "overall_error",
    "n_errors",
    "n_test",
    "n_train",
    "fit_time_s",
    "device",
    "model",
    "epochs",
    "train_size",
    "batch_size",
    "lr",
    "base_seed",
    "versions",
    "finished_at",
)


def read_results(path, *, repair=False):
    """Read the finished fits of a ``results.jsonl`` file.

    A last line without its newline, or a last line that is not valid JSON,
    is the trace of a fit interrupted while it was being written: it is
    ignored with a warning, and cut from the file when ``repair`` is True.

    Parameters
    ----------
    path : str or path-like
        The file; a missing file holds no results.
    repair : bool, default=False
        Truncate the file after its last complete line.

    Returns
    -------
    rows : list of dict
        One dict per finished fit, in the order of the file.

    Raises
    ------
    ValueError
        If a line other than the last is not valid JSON (the file is corrupt
        in a way an interruption cannot explain).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from sklimb.experiments.results import read_results
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = pathlib.Path(tmp) / "results.jsonl"
    ...     _ = path.write_text('{"rep": 0}\\n{"rep": 1}\\n{"re')
    ...     with warnings.catch_warnings(record=True):
    ...         rows = read_results(path, repair=True)
    ...     rows, path.read_text()
    ([{'rep': 0}, {'rep': 1}], '{"rep": 0}\\n{"rep": 1}\\n')
    """
    path = Path(path)
    if not path.exists():
        return []
    data = path.read_bytes()
    # Only lines ending with a newline are complete; what follows the last
    # newline was cut short.
    lines = data[: data.rfind(b"\n") + 1].split(b"\n")[:-1]
    rows, good_end = [], 0
    for number, line in enumerate(lines, 1):
        if line.strip():
            try:
                row = json.loads(line)
                if not isinstance(row, dict):
                    raise ValueError("not a JSON object")
            except ValueError as exc:
                if number < len(lines):
                    raise ValueError(
                        f"{str(path)!r} is corrupt: line {number} is not a JSON "
                        f"object ({exc}). Fix or remove that line to resume."
                    ) from None
                break
            rows.append(row)
        good_end += len(line) + 1
    if good_end < len(data):
        dropped = len(data) - good_end
        warnings.warn(
            f"Ignoring an incomplete last line ({dropped} bytes) in {str(path)!r}: "
            "the fit being written when the sweep stopped will run again.",
            RuntimeWarning,
            stacklevel=2,
        )
        if repair:
            with open(path, "r+b") as handle:
                handle.truncate(good_end)
                handle.flush()
                os.fsync(handle.fileno())
    return rows


class ResultsLog:
    """Append-only ``results.jsonl`` of a sweep.

    Parameters
    ----------
    path : str or path-like
        The JSON-lines file; created (with its folder) if needed. An
        incomplete last line left by an interruption is removed.

    Attributes
    ----------
    rows : list of dict
        All finished fits, those read at start and those appended since;
        a fit recorded twice is kept once (the first record), with a warning.
    """

    def __init__(self, path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.rows, self._keys = [], set()
        repeated = 0
        for row in read_results(self.path, repair=True):
            key = result_key(row)
            if key in self._keys:
                repeated += 1
                continue
            self.rows.append(row)
            self._keys.add(key)
        if repeated:
            # Only two runs writing at once (or a hand edit) repeat a fit; its
            # copies would weigh twice in the summary.
            warnings.warn(
                f"{self.path} records {repeated} fit(s) more than once; the "
                "first record of each is used.",
                UserWarning,
                stacklevel=2,
            )

    def __contains__(self, key):
        return key in self._keys

    def __len__(self):
        return len(self.rows)

    def append(self, row):
        """Write one finished fit and force it to disk before returning.

        Parameters
        ----------
        row : dict
            The fit's results.
        """
        line = json.dumps(row, sort_keys=False, allow_nan=False) + "\n"
        with open(self.path, "a", encoding="utf-8") as handle:
            handle.write(line)
            handle.flush()
            os.fsync(handle.fileno())
        self.rows.append(row)
        self._keys.add(result_key(row))


def write_results_csv(rows, path):
    """Write rows to a CSV file atomically (temporary file + ``os.replace``).

    Columns are :data:`RESULT_FIELDS` followed by any other keys, in order
    of appearance; missing values are left empty.

    Parameters
    ----------
    rows : list of dict
        One dict per fit.
    path : str or path-like
        The CSV file to write.

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(path)
    columns = list(RESULT_FIELDS)
    for row in rows:
        columns += [k for k in row if k not in columns]

    def write(tmp):
        with open(tmp, "w", newline="", encoding="utf-8") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns, restval="")
            writer.writeheader()
            writer.writerows(rows)

    return atomic_write(path, write)


def atomic_write(path, content):
    """Replace a file at once, so that a reader never sees half a file.

    Writes a temporary file in the same folder, forces it to disk, then
    ``os.replace``-s it.

    Parameters
    ----------
    path : str or path-like
        The file to write.
    content : str or callable
        The text, or ``content(tmp_path)`` that writes the temporary file
        (e.g. a figure's ``savefig``).

    Returns
    -------
    path : pathlib.Path
        The file written.
    """
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.close(fd)
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp creates the file as 0600
        if callable(content):
            content(tmp)
        else:
            Path(tmp).write_text(content, encoding="utf-8")
        with open(tmp, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask
