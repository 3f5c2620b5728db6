"""Replication of the bilinear-loss paper's masked-zone experiments.

Run from the command line with ``sklimb-replicate`` (or
``python -m sklimb.replicate``); ``sklimb-replicate --quick`` is a
few-minute CPU demo. From Python::

    from sklimb.experiments import SweepConfig, run_sweep
    result = run_sweep(SweepConfig.quick(), "sklimb-results")
    print(result.summary)

The tables and figures need pandas and matplotlib
(``pip install sklimb[replicate]``).
"""

from .data import available_sweep_datasets, load_sweep_dataset
from .figures import plot_masked_zone_errors, plot_overall_error, save_figures
from .grid import (
    DATASETS,
    LOSSES,
    PAPER_ALPHAS,
    PAPER_MASK_SIZES,
    FitSpec,
    SweepConfig,
    fit_seed,
)
from .report import console_summary, summary_markdown
from .results import RESULT_FIELDS, ResultsLog, read_results, write_results_csv
from .runner import SweepResult, run_fit, run_sweep
from .stats import mean_ci, paired_differences, summarize

__all__ = [
    "DATASETS",
    "LOSSES",
    "PAPER_ALPHAS",
    "PAPER_MASK_SIZES",
    "RESULT_FIELDS",
    "FitSpec",
    "ResultsLog",
    "SweepConfig",
    "SweepResult",
    "available_sweep_datasets",
    "console_summary",
    "fit_seed",
    "load_sweep_dataset",
    "mean_ci",
    "paired_differences",
    "plot_masked_zone_errors",
    "plot_overall_error",
    "read_results",
    "run_fit",
    "run_sweep",
    "save_figures",
    "summarize",
    "summary_markdown",
    "write_results_csv",
]
