"""Both implementations of the Page interface have all of it, with the same
parameters, and only ``_page`` touches ``js``. ``_page`` imports only in Pyodide,
so it is read as source here. Self-contained: also runs inside Pyodide."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import authtrace.browser
from authtrace.browser import page
from authtrace.browser._detached import DetachedPage

BROWSER = Path(authtrace.browser.__file__).parent


def interface() -> dict[str, list[str]]:
    out = {}
    for cls in page.Page.__mro__:
        if cls.__module__ == page.__name__:
            for name, fn in vars(cls).items():
                if inspect.isfunction(fn) and not name.startswith("_"):
                    out[name] = list(inspect.signature(fn).parameters)
    return out


def test_the_interface_is_grouped_and_complete():
    members = interface()
    assert {"now", "attach_sink", "persist", "broadcast", "load_script", "mount", "expose"} <= set(members)
    assert len(members) == 39  # set_value: the console's input (issue 19)


def test_the_detached_page_implements_all_of_it():
    for name, params in interface().items():
        assert list(inspect.signature(getattr(DetachedPage, name)).parameters) == params, name


def test_the_browser_page_implements_all_of_it():
    tree = ast.parse((BROWSER / "_page.py").read_text())
    [cls] = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "BrowserPage"]
    methods = {n.name: [a.arg for a in n.args.args] for n in cls.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))}
    for name, params in interface().items():
        assert methods.get(name, [])[: len(params)] == [p for p in params if p not in ("args",)], name
    assert not [n for n in methods if not n.startswith("_") and n not in interface()]  # nothing beyond the interface


def test_only_the_browser_page_imports_js():
    for path in BROWSER.rglob("*.py"):
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
        assert not names & {"js", "pyodide"} or path.name == "_page.py", path
