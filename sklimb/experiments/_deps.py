"""Optional dependencies of the replication runner (pandas, matplotlib)."""

_HINT = "pip install sklimb[replicate]"


def require_pandas():
    """Return the pandas module, or raise an ImportError saying how to get it."""
    try:
        import pandas
    except ImportError as exc:
        raise ImportError(
            f"The replication tables need pandas, which is not installed: {_HINT}"
        ) from exc
    return pandas


def require_figure():
    """Return matplotlib's ``Figure`` class, or raise an ImportError.

    Figures are built with the object-oriented API and saved through the Agg
    canvas, so no pyplot backend is selected or changed.
    """
    try:
        from matplotlib.figure import Figure
    except ImportError as exc:
        raise ImportError(
            f"The replication figures need matplotlib, which is not installed: {_HINT}"
        ) from exc
    return Figure
