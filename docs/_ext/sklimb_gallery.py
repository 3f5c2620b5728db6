"""Order of the examples within each gallery section: from first steps on."""

ORDER = (
    # cost_sensitive/
    "plot_bilinear_mask.py",
    "plot_tune_alpha_matrix.py",
    "plot_bilinear_vs_log_bilinear.py",
    "plot_costs_by_label.py",
    "plot_minimum_risk.py",
    "plot_sample_cost.py",
    # imbalanced/
    "plot_long_tailed_losses.py",
    "plot_balanced_batches.py",
    "plot_imbalanced_baselines.py",
    # pipelines/
    "plot_pandas_column_transformer.py",
    "plot_cnn_image_rows.py",
)


class ExampleOrder:
    """Sort key of sphinx-gallery's ``within_subsection_order``.

    Listed examples come in the order of ``ORDER``, others after them by
    file name.

    Parameters
    ----------
    src_dir : str
        The gallery section's folder (unused).
    """

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        rank = ORDER.index(filename) if filename in ORDER else len(ORDER)
        return (rank, filename)

    def __repr__(self):
        # sphinx-gallery compares the configuration between builds by repr.
        return f"<{type(self).__name__}>"
