"""Every public docstring passes the documentation build's numpydoc checks.

The documentation is built with ``sphinx-build -W``, where a docstring that
fails numpydoc's validation is an error. This test runs the same checks on
the same objects (every name in every public ``__all__``, and the methods
their API pages list), so a docstring problem shows up in the test suite
first, with its name and codes.
"""

import importlib
import inspect
import re
import sys
from pathlib import Path

import pytest

numpydoc = pytest.importorskip("numpydoc", reason="numpydoc is in the docs extra")
sphinx = pytest.importorskip("sphinx", reason="sphinx is in the docs extra")

from numpydoc.docscrape_sphinx import get_doc_object  # noqa: E402
from numpydoc.validate import get_validation_checks, validate  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "docs" / "_ext"))
import sklimb_apigen  # noqa: E402

CHECKS = get_validation_checks(set(sklimb_apigen.VALIDATION_CHECKS))
EXCLUDE = re.compile("|".join(sklimb_apigen.VALIDATION_EXCLUDE))


def _documented():
    """``(qualified name, object, what)`` of everything the API pages show."""
    items = []
    for modname, _, names in sklimb_apigen.collect():
        module = importlib.import_module(modname)
        for name, kind in names:
            obj = getattr(module, name)
            full = f"{modname}.{name}"
            items.append((full, obj, kind))
            if kind == "class":
                for member in sklimb_apigen.class_members(obj):
                    items.append((f"{full}.{member}", getattr(obj, member), "method"))
    return [item for item in items if not EXCLUDE.search(item[0])]


def _errors(name, obj, what):
    lines = (inspect.getdoc(obj) or "").splitlines()
    # the docs build's own docstring processing (inherited parameters, ...)
    for hook in (
        sklimb_apigen.strip_foreign_references,
        sklimb_apigen.inherit_parameters,
    ):
        hook(None, what, name, obj, {}, lines)
    doc = get_doc_object(obj, what, "\n".join(lines), config={})
    report = validate(doc)
    return sorted(
        f"{code}: {message}" for code, message in report["errors"] if code in CHECKS
    )


DOCUMENTED = _documented()


@pytest.mark.parametrize(
    "name, obj, what", DOCUMENTED, ids=[item[0] for item in DOCUMENTED]
)
def test_docstring_passes_numpydoc_validation(name, obj, what):
    errors = _errors(name, obj, what)
    assert not errors, f"{name}:\n" + "\n".join(errors)
