"""The gallery examples and the documentation's doctests run as written.

Every ``examples/**/plot_*.py`` runs end to end in its quick mode
(``SKLIMB_QUICK=1``, a few seconds each) and must draw at least one figure,
as sphinx-gallery runs it for the documentation. The ``>>>`` snippets of the
getting-started page and of the user guide run as doctests. Public text
cites papers by name, never by the project's internal seed-file names.
"""

import doctest
import re
import runpy
from pathlib import Path

import matplotlib
import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").rglob("plot_*.py"))
DOCTEST_PAGES = [
    ROOT / "docs" / "getting_started.rst",
    ROOT / "docs" / "user_guide.rst",
]


def test_gallery_has_examples():
    assert len(EXAMPLES) >= 8, [p.name for p in EXAMPLES]


# Quick mode stops training early on purpose.
@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize(
    "path", EXAMPLES, ids=lambda p: str(p.relative_to(ROOT / "examples"))
)
def test_example_runs_quick(path, monkeypatch, tmp_path):
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    monkeypatch.setenv("SKLIMB_QUICK", "1")
    monkeypatch.chdir(tmp_path)
    runpy.run_path(str(path), run_name="__main__")
    try:
        assert plt.get_fignums(), f"{path.name} drew no figure"
        for num in plt.get_fignums():
            fig = plt.figure(num)
            assert any(ax.has_data() for ax in fig.axes), (
                f"{path.name}: figure {num} has no plotted data"
            )
    finally:
        plt.close("all")


@pytest.mark.parametrize("page", DOCTEST_PAGES, ids=lambda p: p.name)
def test_documentation_doctests(page):
    matplotlib.use("Agg")
    result = doctest.testfile(
        str(page),
        module_relative=False,
        optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE,
        verbose=False,
    )
    assert result.attempted > 0, f"{page.name} has no doctest"
    assert result.failed == 0, f"{result.failed} doctest(s) failed in {page.name}"


PUBLIC_TEXT = sorted(
    [
        *ROOT.glob("sklimb/**/*.py"),
        *ROOT.glob("examples/**/*.py"),
        *ROOT.glob("examples/**/*.rst"),
        *(p for p in ROOT.glob("docs/**/*.rst") if "_build" not in p.parts),
        *(p for p in ROOT.glob("docs/**/*.md") if "_build" not in p.parts),
        ROOT / "README.md",
    ]
)


def test_papers_are_cited_by_name_not_by_seed_file():
    """Readers know the papers by authors and title, not by the project's
    internal file names ("seed 004", "000_cf4b...txt")."""
    pattern = re.compile(r"seed (?:document )?0\d\d|\b00\d_[0-9a-f]{16}\.txt", re.I)
    found = [
        f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
        for path in PUBLIC_TEXT
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if pattern.search(line)
    ]
    assert not found, "\n".join(found)


def _toctree_entries(page):
    """Docnames listed in the toctrees of ``page`` (relative to docs/)."""
    entries, inside = set(), False
    for line in page.read_text(encoding="utf-8").splitlines():
        if line.strip().startswith(".. toctree::"):
            inside = True
            continue
        if inside:
            if line and not line.startswith(" "):
                inside = False
                continue
            text = line.strip()
            if not text or text.startswith(":"):
                continue
            target = re.sub(r"^.*<(.+)>$", r"\1", text)
            docname = (page.parent / target).relative_to(ROOT / "docs")
            entries.add(docname.as_posix())
    return entries


def test_every_page_is_in_a_toctree():
    """sphinx-build -W fails on a page no toctree lists; say which, early."""
    docs = ROOT / "docs"
    skip = {"_build", "auto_examples", "generated", "_templates", "_static", "_ext"}
    pages = [
        p
        for p in [*docs.rglob("*.rst"), *docs.rglob("*.md")]
        if not skip & set(p.relative_to(docs).parts)
        # result tables written by the runs, excluded in docs/conf.py
        and not p.match("baselines/*.md")
        and not p.match("replication/*/summary.md")
    ]
    listed = set().union(*(_toctree_entries(p) for p in pages))
    listed.add("index")
    names = {p.relative_to(docs).with_suffix("").as_posix() for p in pages}
    assert not names - listed, f"pages in no toctree: {sorted(names - listed)}"
