"""Sphinx configuration of the sklimb documentation."""

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import sklimb  # noqa: E402

project = "sklimb"
author = "The sklimb developers"
release = version = sklimb.__version__

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",  # the replication and benchmark reports are Markdown
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = [
    "_build",
    "auto_examples/*.ipynb",
    "auto_examples/*.py",
    "auto_examples/*.zip",
    "auto_examples/*.md5",
    # result tables written by the runs; the report pages link to them
    "baselines/*.md",
    "replication/*/summary.md",
]
# The reports link to their result folders, which are not pages.
suppress_warnings = ["myst.xref_missing"]
autosummary_generate = True
numpydoc_show_class_members = False
html_theme = "alabaster"

intersphinx_mapping = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "imblearn": ("https://imbalanced-learn.org/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "torch": ("https://pytorch.org/docs/stable", None),
}
# Building offline must not fail on unreachable inventories.
if os.environ.get("SKLIMB_DOCS_OFFLINE") == "1":
    intersphinx_mapping = {}

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "plot_gallery": os.environ.get("SKLIMB_DOCS_RUN_EXAMPLES", "False"),
    "download_all_examples": False,
}
