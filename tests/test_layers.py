"""Data flows one way: no module of a layer imports a layer above it, not even inside a function
or an `if TYPE_CHECKING:` block. bench/ and tests/ sit above every layer."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LAYERS = ["models", "permissions", "resolvers", "schema", "leadbridge"]
"""From the lowest to the highest: each may import the layers below it."""
ABOVE_ALL = ["bench", "tests", "examples"]
RANK = {name: rank for rank, name in enumerate(LAYERS + ABOVE_ALL)}


def imported_modules(source: str, module: str) -> list[tuple[int, str]]:
    """Every module the source imports, with its line: `import`, `from ... import` (relative ones
    resolved against `module`, the dotted name of the file) and `importlib.import_module("...")`."""
    package = module.split(".")[:-1]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.append((node.lineno, ".".join([*base, *([node.module] if node.module else [])])))
            else:
                found.append((node.lineno, node.module or ""))
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute | ast.Name)
            and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
            in ("import_module", "__import__")
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
        ):
            found.append((node.lineno, node.args[0].value))
    return sorted(found)


def upward_imports(source: str, module: str) -> list[str]:
    layer = module.split(".")[0]
    return [
        f"{module}:{line} imports {name}"
        for line, name in imported_modules(source, module)
        if RANK.get(name.split(".")[0], -1) > RANK[layer]
    ]


def modules_of(layer: str) -> list[tuple[str, Path]]:
    return [
        (".".join(path.relative_to(ROOT).with_suffix("").parts), path) for path in sorted((ROOT / layer).rglob("*.py"))
    ]


@pytest.mark.parametrize("layer", LAYERS)
def test_no_module_imports_a_layer_above_its_own(layer):
    modules = modules_of(layer)

    violations = [
        found for module, path in modules for found in upward_imports(path.read_text(encoding="utf-8"), module)
    ]

    assert modules
    assert violations == []


UPWARD = """
from typing import TYPE_CHECKING

import models.lead
from permissions.roles import may

if TYPE_CHECKING:
    from schema.lead import Lead


def later():
    import leadbridge.settings
    from importlib import import_module
    return import_module("tests.factories")
"""


def test_the_check_sees_imports_in_functions_type_checking_blocks_and_import_module():
    assert upward_imports(UPWARD, "resolvers.example") == [
        "resolvers.example:8 imports schema.lead",
        "resolvers.example:12 imports leadbridge.settings",
        "resolvers.example:14 imports tests.factories",
    ]


def test_the_check_resolves_relative_imports_within_their_package():
    assert upward_imports("from ..schema import lead\nfrom . import scopes\n", "permissions.roles") == [
        "permissions.roles:1 imports schema"
    ]
    assert upward_imports("from .roles import may\n", "permissions.__init__") == []
