"""Every function of the package stays small enough to read: at most 20 parameters and
a body of at most 120 lines (issue 27).

An estimator's ``__init__`` is the exception: scikit-learn requires every
hyper-parameter to be an explicit parameter of it (and its body only stores them).
"""

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "spikencg"
MAX_PARAMETERS = 20
MAX_BODY_LINES = 120


def _estimator_inits(tree):
    """The ``__init__`` nodes of the classes derived from ``BaseEstimator``."""
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef):
            continue
        bases = {b.id if isinstance(b, ast.Name) else getattr(b, "attr", None)
                 for b in cls.bases}
        if "BaseEstimator" in bases:
            yield from (f for f in cls.body
                        if isinstance(f, ast.FunctionDef) and f.name == "__init__")


def _body_lines(node):
    """Lines from the first statement after the docstring to the end of the function."""
    body = node.body
    if (len(body) > 1 and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)):
        body = body[1:]
    return node.end_lineno - body[0].lineno + 1


def _too_large(source):
    """``line name (what)`` for every function of ``source`` over the limits."""
    tree = ast.parse(source)
    exempt = set(_estimator_inits(tree))
    out = []
    for node in ast.walk(tree):
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        a = node.args
        n_params = (len(a.posonlyargs) + len(a.args) + len(a.kwonlyargs)
                    + (a.vararg is not None) + (a.kwarg is not None))
        if n_params > MAX_PARAMETERS and node not in exempt:
            out.append(f"{node.lineno} {node.name} ({n_params} parameters)")
        if _body_lines(node) > MAX_BODY_LINES:
            out.append(f"{node.lineno} {node.name} (body of {_body_lines(node)} lines)")
    return out


def test_the_check_finds_large_functions():
    def params(n):
        return ", ".join(f"a{i}" for i in range(n))

    def body(n):
        return "".join(f"    x{i} = {i}\n" for i in range(n))

    doc = '    """Doc."""\n'
    source = (f"def wide({params(MAX_PARAMETERS + 1)}):\n{doc}    pass\n\n"
              f"def long():\n{doc}{body(MAX_BODY_LINES + 1)}\n"
              f"def fits({params(MAX_PARAMETERS)}):\n{doc}{body(MAX_BODY_LINES)}\n"
              "class E(BaseEstimator):\n"
              f"    def __init__(self, {params(MAX_PARAMETERS + 1)}):\n        pass\n")
    assert _too_large(source) == ["1 wide (21 parameters)", "5 long (body of 121 lines)"]


@pytest.mark.parametrize("path", sorted(SRC.rglob("*.py")),
                         ids=lambda p: str(p.relative_to(SRC)))
def test_functions_are_small(path):
    assert _too_large(path.read_text(encoding="utf-8")) == []
