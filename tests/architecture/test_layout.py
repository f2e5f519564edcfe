"""The layout rules of docs/architecture.md that no linter checks: module and function size,
no citation of the old design file, the front ends' URLconfs included from the root."""

import ast
import pathlib

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGES = ("core", "workloads", "credits", "matching", "api", "portal", "founders", "cloudroute")
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 80


def _modules() -> list[pathlib.Path]:
    return sorted(
        path
        for package in PACKAGES
        for path in (ROOT / package).rglob("*.py")
        if "migrations" not in path.parts
    )


def module_sizes(paths) -> list[str]:
    return [
        f"{path}: {lines} lines"
        for path in paths
        if (lines := path.read_text().count("\n")) > MAX_MODULE_LINES
    ]


def function_sizes(paths) -> list[str]:
    too_long = []
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    too_long.append(f"{path}::{node.name}: {lines} lines")
    return too_long


def test_it_finds_the_packages():
    assert len(_modules()) > 100


def test_no_module_is_over_600_lines():
    assert module_sizes(_modules()) == []


def test_no_function_is_over_80_lines():
    assert function_sizes(_modules()) == []


def test_the_checks_bite(tmp_path):
    long_module = tmp_path / "long.py"
    long_module.write_text("x = 1\n" * (MAX_MODULE_LINES + 1))
    long_function = tmp_path / "long_function.py"
    long_function.write_text("def f():\n" + "    x = 1\n" * MAX_FUNCTION_LINES)
    short_function = tmp_path / "short_function.py"
    short_function.write_text("def f():\n" + "    x = 1\n" * (MAX_FUNCTION_LINES - 1))

    assert module_sizes([long_module]) == [f"{long_module}: 601 lines"]
    assert function_sizes([long_function]) == [f"{long_function}::f: 81 lines"]
    assert function_sizes([short_function]) == []
    assert module_sizes([short_function]) == []


@pytest.mark.parametrize("text", ["DESIGN " + "§"])  # split: this file must not match
def test_nothing_cites_the_old_design_file(text):
    cited = [
        str(path.relative_to(ROOT))
        for path in [*_modules(), *(ROOT / "tests").rglob("*.py"), *(ROOT / "docs").rglob("*.md")]
        if text in path.read_text()
    ]
    cited += ["README.md"] if text in (ROOT / "README.md").read_text() else []
    assert cited == []


def test_the_root_urlconf_only_includes_the_front_ends():
    source = (ROOT / "cloudroute" / "urls.py").read_text()
    for front_end in ("api.urls", "portal.urls", "founders.urls"):
        assert f'include("{front_end}")' in source
    imported = {
        node.module
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.ImportFrom) and node.module
    }
    assert not imported & {"api", "portal", "founders", "matching", "credits", "workloads"}


def test_the_api_serializers_build_their_fields_once():
    """docs/architecture.md: every serializer the API declares derives from core.serializers
    (DRF's own ListSerializer, made by many=True, is the one exception)."""
    from rest_framework import serializers

    import api.urls  # noqa: F401  (imports every view module, and with it their serializers)
    from core.serializers import FieldsOnce

    def declared(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from declared(sub)

    ours = {
        cls for cls in declared(serializers.BaseSerializer) if cls.__module__.startswith("api.")
    }
    assert len(ours) > 40
    slow = sorted(cls.__qualname__ for cls in ours if not issubclass(cls, FieldsOnce))
    assert not slow, f"derive these from core.serializers: {slow}"
