"""The hand-written stubs agree with the module they describe."""

from __future__ import annotations

import ast
import inspect
import subprocess
import sys
from pathlib import Path

import pytest

import tokenguard
from tokenguard import _native

PACKAGE = Path(tokenguard.__file__).parent


def stub_names(path: Path) -> dict[str, ast.AST]:
    tree = ast.parse(path.read_text())
    names: dict[str, ast.AST] = {}
    for node in tree.body:
        if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
            names[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    names[target.id] = node
        elif isinstance(node, ast.ImportFrom):
            for alias in node.names:
                names[alias.asname or alias.name] = node
    return names


def test_stub_files_installed():
    assert (PACKAGE / "py.typed").exists()
    assert (PACKAGE / "__init__.pyi").exists()
    assert (PACKAGE / "_native.pyi").exists()


def test_package_stub_matches_all():
    names = set(stub_names(PACKAGE / "__init__.pyi")) - {"__all__"}
    assert names == set(tokenguard.__all__)
    for name in tokenguard.__all__:
        assert hasattr(tokenguard, name), name


def test_native_stub_matches_module():
    stub = stub_names(PACKAGE / "_native.pyi")
    defined = {
        name
        for name, node in stub.items()
        if not name.startswith("_") and not isinstance(node, ast.ImportFrom)
    }
    defined.discard("datetime")
    public = {name for name in dir(_native) if not name.startswith("_")}
    assert public == defined
    assert sorted(_native.__all__) == sorted(defined)


def test_native_stub_methods_match():
    stub = stub_names(PACKAGE / "_native.pyi")
    for cls in (_native.Validator, _native.VerifiedToken, _native.RevocationList):
        node = stub[cls.__name__]
        assert isinstance(node, ast.ClassDef)
        stubbed = {item.name for item in node.body if isinstance(item, ast.FunctionDef)}
        actual = {name for name in dir(cls) if not name.startswith("_")}
        assert actual == stubbed - {"__new__"}, cls.__name__


@pytest.mark.skipif(
    sys.version_info < (3, 10), reason="abi3 classes carry no text signature before Python 3.10"
)
def test_native_stub_signatures_match():
    stub = stub_names(PACKAGE / "_native.pyi")
    node = stub["Validator"]
    assert isinstance(node, ast.ClassDef)
    init = next(i for i in node.body if isinstance(i, ast.FunctionDef) and i.name == "__new__")
    stubbed = [arg.arg for arg in init.args.args[1:] + init.args.kwonlyargs]
    actual = list(inspect.signature(_native.Validator).parameters)
    assert stubbed == actual


def test_stub_docstrings_present():
    for path in (PACKAGE / "_native.pyi",):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, (ast.ClassDef, ast.FunctionDef)):
                assert ast.get_docstring(node), f"{path.name}: {node.name}"


def test_stubtest_agrees(tmp_path: Path):
    # mypy's stubtest imports the installed package and compares every name,
    # signature and default with the stubs. It runs outside the source folder so
    # that it checks what pip installed. On Python 3.9 it also flags the stdlib
    # generics the pure-Python modules import, so only the native module is checked.
    module = "tokenguard" if sys.version_info >= (3, 10) else "tokenguard._native"
    result = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", module],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_package_type_checks(tmp_path: Path):
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "-p", "tokenguard"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
