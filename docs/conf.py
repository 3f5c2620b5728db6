"""Sphinx configuration of the sklimb documentation.

The build needs no network: formulas are rendered by a copy of MathJax
installed with the ``docs`` extra, intersphinx inventories are only fetched
with ``SKLIMB_DOCS_ONLINE=1``, and the gallery examples run on the data that
scikit-learn ships. The examples run in their quick mode (``SKLIMB_QUICK=1``)
unless the environment says otherwise; ``-D plot_gallery=0`` skips them.
"""

import os
import sys
import warnings
from pathlib import Path

import torch
from sklearn.exceptions import ConvergenceWarning

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE / "_ext"))
import sklimb_apigen  # noqa: E402

import sklimb  # noqa: E402

# The examples read these when sphinx-gallery runs them in this process.
os.environ.setdefault("SKLIMB_QUICK", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# The examples train small nets, for which torch's thread pool costs more
# than it saves (many times more on a busy machine): one thread, as the
# test suite does.
torch.set_num_threads(1)
# Quick mode stops training after a few epochs on purpose; the nets' warning
# that the loss was still falling would fill the example pages.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

project = "sklimb"
author = "The sklimb developers"
copyright = "2026, The sklimb developers"
release = version = sklimb.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # a local MathJax 3, no CDN
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "sphinx_copybutton",
    "myst_parser",  # the replication and benchmark reports are Markdown
    "sklimb_apigen",  # docs/_ext: one API page per name in every __all__
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "auto_examples/**/*.ipynb",
    "auto_examples/**/*.py",
    "auto_examples/**/*.zip",
    "auto_examples/**/*.md5",
    "auto_examples/**/*.json",
    # result tables written by the runs; the report pages link to or include them
    "baselines/*.md",
    "replication/*/summary.md",
]
# The reports link to their result folders, which are not pages; the
# benchmark report is included from benchmarks/README.md, written for GitHub,
# whose heading levels need not suit a page.
suppress_warnings = ["myst.xref_missing", "myst.header"]
myst_heading_anchors = 3

# -- API pages ----------------------------------------------------------------
# docs/_ext/sklimb_apigen.py writes generated/*.rst from the __all__ lists.
autosummary_generate = False
autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
# numpydoc validation: the checks, their few exclusions and why, live in
# docs/_ext/sklimb_apigen.py, where tests/test_docstrings.py reads them too.
numpydoc_validation_checks = sklimb_apigen.VALIDATION_CHECKS
numpydoc_validation_exclude = sklimb_apigen.VALIDATION_EXCLUDE

# -- Math: MathJax from the local copy installed by sphinx-mathjax-offline ----
mathjax3_config = {"chtml": {"displayAlign": "left"}}

# -- Cross-references ---------------------------------------------------------
intersphinx_mapping = {}
if os.environ.get("SKLIMB_DOCS_ONLINE") == "1":
    intersphinx_mapping = {
        "python": ("https://docs.python.org/3", None),
        "numpy": ("https://numpy.org/doc/stable", None),
        "sklearn": ("https://scikit-learn.org/stable", None),
        "imblearn": ("https://imbalanced-learn.org/stable", None),
        "skorch": ("https://skorch.readthedocs.io/en/stable", None),
        "torch": ("https://pytorch.org/docs/stable", None),
        "matplotlib": ("https://matplotlib.org/stable", None),
        "pandas": ("https://pandas.pydata.org/docs", None),
    }

# -- Gallery ------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "within_subsection_order": "sklimb_gallery.ExampleOrder",
    "plot_gallery": "True",
    "download_all_examples": False,
    "write_computation_times": False,
    "doc_module": ("sklimb",),
    "backreferences_dir": "generated/backreferences",
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 1,
}

# -- HTML ---------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklimb {version}"
html_static_path = ["_static"]
html_css_files = ["sklimb.css"]
html_show_sourcelink = False
html_theme_options = {
    "logo": {"text": "sklimb"},
    "navbar_start": ["navbar-logo", "sklimb-version"],
    "navbar_center": ["navbar-nav"],
    "navbar_end": ["theme-switcher"],
    "navbar_persistent": ["search-button"],
    "header_links_before_dropdown": 8,
    "navigation_with_keys": False,
    "show_prev_next": False,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_sidebars = {
    # pages without sub-pages: no empty "Section Navigation"
    "replication/README": [],
    "benchmarks": [],
    "install": [],
    "getting_started": [],
    "changelog": [],
    "index": [],
}
copybutton_prompt_text = r">>> |\.\.\. |\$ "
copybutton_prompt_is_regexp = True
