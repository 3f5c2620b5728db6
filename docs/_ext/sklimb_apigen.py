"""Write the API reference pages from the ``__all__`` of sklimb's public modules.

Every name in the ``__all__`` of a public module (no leading underscore in its
dotted path) gets one page, under the shortest public path that exports it, so
a name added to an ``__all__`` appears in the reference without editing the
docs. The pages and the index they are listed in are written to
``docs/generated/`` when the build starts; that folder is not under version
control.
"""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

VALIDATION_CHECKS = {
    "all",
    # Summaries that fit on one line do not need a second paragraph.
    "ES01",
    # A See Also section is written where a related name helps, not everywhere.
    "SA01",
    # Examples live in the gallery for many helpers; the estimators,
    # losses, metrics and plots carry doctests.
    "EX01",
    # scikit-learn's convention names the returned value ("self : object",
    # "proba : ndarray of shape ..."), which RT02 asks to leave out.
    "RT02",
}
VALIDATION_EXCLUDE = {
    # Module constants (DATASETS, CLASS_WEIGHT_RULES, ...): numpydoc checks the
    # docstring of their type (tuple, dict), not their ``#:`` comment.
    r"\.[A-Z][A-Z0-9_]+$",
    # Written by skorch and scikit-learn, not by us: the inherited parts of
    # the estimator API (get_params, set_params, score, set_*_request).
    r"\.get_params$",
    r"\.set_params$",
    r"\.score$",
    r"\.set_\w+_request$",
}

# Section titles and order; public modules not listed here follow in
# alphabetical order under the first line of their docstring.
SECTIONS = {
    "sklimb": "Estimators",
    "sklimb.model_selection": "Model selection",
    "sklimb.losses": "Losses",
    "sklimb.penalty": "Penalty matrices",
    "sklimb.metrics": "Metrics and scorers",
    "sklimb.plotting": "Plotting",
    "sklimb.weights": "Class weights",
    "sklimb.callbacks": "Callbacks",
    "sklimb.modules": "Networks",
    "sklimb.datasets": "Data sets",
    "sklimb.experiments": "Replication of the bilinear-loss paper",
}
# Names in an ``__all__`` that are not API objects of their own.
SKIP = {"__version__"}
# The scikit-learn API of an estimator (and of a Display): documented even when
# inherited (``score``, ``get_params``) or overriding a framework method.
API_METHODS = (
    "fit",
    "partial_fit",
    "predict",
    "predict_proba",
    "predict_log_proba",
    "predict_expected_cost",
    "decision_function",
    "transform",
    "score",
    "get_params",
    "set_params",
    "plot",
    "from_estimator",
    "from_predictions",
    "from_cv_results",
    "set_fit_request",
    "set_partial_fit_request",
    "set_predict_request",
    "set_score_request",
)


def public_modules(package="sklimb"):
    """Names of the importable public modules of ``package``, package first."""
    root = importlib.import_module(package)
    names = [package]
    for info in pkgutil.walk_packages(root.__path__, package + "."):
        if not any(part.startswith("_") for part in info.name.split(".")):
            names.append(info.name)
    return names


def _module_order(name):
    if name in SECTIONS:
        return (0, list(SECTIONS).index(name), name)
    return (1, name.count("."), name)


def collect(package="sklimb"):
    """``[(module, title, [(name, kind)])]``: each public object once."""
    seen = set()
    sections = []
    modules = sorted(public_modules(package), key=_module_order)
    # Shortest public path first: an object is documented where it is
    # exported closest to the package root.
    by_depth = sorted(modules, key=lambda m: (m.count("."), _module_order(m)))
    owner = {}
    for modname in by_depth:
        module = importlib.import_module(modname)
        for name in getattr(module, "__all__", ()):
            if name in SKIP:
                continue
            obj = getattr(module, name)
            key = id(obj)
            if key in seen:
                continue
            seen.add(key)
            owner.setdefault(modname, []).append((name, _kind(obj)))
    for modname in modules:
        if modname not in owner:
            continue
        module = importlib.import_module(modname)
        doc = (module.__doc__ or modname).strip().splitlines()[0].rstrip(".")
        sections.append((modname, SECTIONS.get(modname, doc), owner[modname]))
    return sections


def _kind(obj):
    if inspect.isclass(obj):
        return "class"
    if callable(obj):
        return "function"
    return "data"


def class_members(cls):
    """Methods to document: the estimator API, then sklimb's own new methods.

    Methods a sklimb class only overrides from skorch, PyTorch or
    scikit-learn (``train_step``, ``forward``, callback hooks) are internals
    of those frameworks and stay off the page.
    """
    members = [m for m in API_METHODS if callable(getattr(cls, m, None))]
    foreign = [c for c in cls.__mro__ if not c.__module__.startswith("sklimb")]
    for klass in cls.__mro__:
        if not klass.__module__.startswith("sklimb"):
            continue
        for name, value in vars(klass).items():
            if name.startswith("_") or name in members:
                continue
            if not (inspect.isfunction(value) or isinstance(value, classmethod)):
                continue
            if any(name in vars(base) for base in foreign):
                continue
            members.append(name)
    return members


def _data_doc(name, obj):
    """The ``#:`` comment of the module that defines constant ``name``."""
    from sphinx.pycode import ModuleAnalyzer

    root = importlib.import_module("sklimb")
    for info in pkgutil.walk_packages(root.__path__, "sklimb."):
        module = importlib.import_module(info.name)
        if vars(module).get(name) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(info.name).find_attr_docs()
        except Exception:  # no source to analyse
            continue
        if ("", name) in docs:
            return [line.rstrip() for line in docs[("", name)]]
    return []


def _page(modname, name, kind):
    full = f"{modname}.{name}"
    lines = [full, "=" * len(full), "", f".. currentmodule:: {modname}", ""]
    if kind == "class":
        obj = getattr(importlib.import_module(modname), name)
        lines.append(f".. autoclass:: {name}")
        # One directive per method keeps the order of ``class_members``:
        # fit and predict first, the inherited get_params and friends last.
        for member in class_members(obj):
            lines += ["", f"   .. automethod:: {member}"]
    elif kind == "function":
        lines.append(f".. autofunction:: {name}")
    else:
        # Written out rather than autodata: a constant re-exported by a
        # package has its ``#:`` comment where it is defined, which autodoc
        # would not find, and it would show the docstring of ``tuple``.
        obj = getattr(importlib.import_module(modname), name)
        value = " ".join(repr(obj).split())
        lines += [f".. data:: {name}", f"   :value: {value}", ""]
        lines += [f"   {line}" if line else "" for line in _data_doc(name, obj)]
    lines += [
        "",
        f".. minigallery:: {full}",
        "   :add-heading: Gallery examples",
        "",
    ]
    return "\n".join(lines)


def _index(sections):
    lines = []
    for modname, title, names in sections:
        lines += [title, "-" * len(title), ""]
        lines += [f".. automodule:: {modname}", "   :no-members:", "   :no-index:", ""]
        lines += [f".. currentmodule:: {modname}", ""]
        lines += [".. autosummary::", "   :toctree: generated", "   :nosignatures:", ""]
        lines += [f"   {name}" for name, _ in names]
        lines.append("")
    return "\n".join(lines)


def write_api(app):
    """Write ``generated/<name>.rst`` pages and ``generated/api_index.inc``."""
    out = Path(app.srcdir) / "generated"
    out.mkdir(exist_ok=True)
    sections = collect()
    wanted = {"api_index.inc"}
    for modname, _, names in sections:
        for name, kind in names:
            filename = f"{modname}.{name}.rst"
            wanted.add(filename)
            text = _page(modname, name, kind)
            path = out / filename
            if not path.exists() or path.read_text() != text:
                path.write_text(text)
    index = _index(sections)
    path = out / "api_index.inc"
    if not path.exists() or path.read_text() != index:
        path.write_text(index)
    for stale in out.glob("*.rst"):
        if stale.name not in wanted:
            stale.unlink()


_FOREIGN_ROLE = re.compile(r":(?:ref|term|doc):`([^`<]*?)\s*(?:<[^`>]*>)?`")


def strip_foreign_references(app, what, name, obj, options, lines):
    """Unlink cross-references in docstrings that sklimb inherits.

    ``score``, ``set_fit_request`` and the other methods sklimb inherits from
    scikit-learn and skorch point at labels and glossary terms of
    scikit-learn's own site (``metadata_routing``, ``accuracy_score``), which
    do not exist here; their text is kept, the link dropped.
    """
    module = getattr(obj, "__module__", None) or ""
    if module.startswith("sklimb"):
        return
    for i, line in enumerate(lines):
        lines[i] = _FOREIGN_ROLE.sub(
            lambda m: f"*{m.group(1).strip() or 'link'}*", line
        )


_SECTIONS = ("Parameters", "Attributes", "See Also", "Notes", "References", "Examples")


def _sections(lines):
    """``{title: (start, end)}`` of the numpydoc sections in ``lines``."""
    starts = [
        (i, line.strip())
        for i, line in enumerate(lines[:-1])
        if line.strip() in _SECTIONS and set(lines[i + 1].strip()) == {"-"}
    ]
    bounds = {}
    for k, (i, title) in enumerate(starts):
        end = starts[k + 1][0] if k + 1 < len(starts) else len(lines)
        bounds[title] = (i, end)
    return bounds


def inherit_parameters(app, what, name, obj, options, lines):
    """Give a preset class the Parameters and Attributes of its sklimb base.

    ``BilinearNetClassifier`` only changes the default ``loss`` of
    ``CostSensitiveNetClassifier`` and says so instead of repeating 40
    parameters; its page still lists them all, with its own defaults.
    """
    if what != "class" or not inspect.isclass(obj):
        return
    if not obj.__module__.startswith("sklimb") or "Parameters" in _sections(lines):
        return
    for base in obj.__mro__[1:]:
        if not base.__module__.startswith("sklimb"):
            return
        base_lines = inspect.cleandoc(base.__doc__ or "").splitlines()
        found = _sections(base_lines)
        if "Parameters" not in found:
            continue
        try:
            defaults = inspect.signature(obj).parameters
        except (TypeError, ValueError):
            defaults = {}
        borrowed = []
        for title in ("Parameters", "Attributes"):
            if title not in found:
                continue
            start, end = found[title]
            for line in base_lines[start:end]:
                head = line.split(" : ", 1)
                param = defaults.get(head[0].strip())
                if len(head) == 2 and not line.startswith(" ") and param is not None:
                    if param.default is not inspect.Parameter.empty:
                        line = re.sub(
                            r"default=.*$", f"default={param.default!r}", line
                        ).replace("'", '"')
                borrowed.append(line)
        here = _sections(lines)
        later = [here[t][0] for t in _SECTIONS[2:] if t in here]
        at = min(later) if later else len(lines)
        # numpydoc sees a section only after a blank line
        if at > 0 and lines[at - 1].strip():
            borrowed = ["", *borrowed]
        if borrowed[-1].strip():
            borrowed.append("")
        lines[at:at] = borrowed
        return


def document_constants(app, what, name, obj, options, lines):
    """Give a sklimb constant its ``#:`` comment instead of its type's docstring.

    The API index's summary table asks autodoc for the docstring of each
    name; for a tuple constant that is the docstring of ``tuple``.
    """
    if what not in ("data", "attribute") or not name.startswith("sklimb."):
        return
    if inspect.isclass(obj) or callable(obj) or inspect.ismodule(obj):
        return
    type_doc = inspect.cleandoc(type(obj).__doc__ or "").splitlines()
    if lines and [line.strip() for line in lines if line.strip()] != [
        line.strip() for line in type_doc if line.strip()
    ]:
        return
    lines[:] = _data_doc(name.rsplit(".", 1)[-1], obj) or ["A constant of sklimb."]


def setup(app):
    app.connect("builder-inited", write_api)
    app.connect("autodoc-process-docstring", document_constants, priority=400)
    app.connect("autodoc-process-docstring", strip_foreign_references, priority=400)
    app.connect("autodoc-process-docstring", inherit_parameters, priority=400)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
