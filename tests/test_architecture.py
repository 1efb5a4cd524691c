"""The import graph holds the house rules: no two modules import each other (through any chain),
and no module imports another's `_private` name (`from x import _name`, or `x._name`).

The graph is grimp's (the engine of import-linter): every import counts, including those inside
functions and under `if TYPE_CHECKING:`, since a circle there still ties the two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

REPO = Path(__file__).resolve().parent.parent
PACKAGES = (
    "bot",
    "library",
    "retrieval",
    "answering",
    "planner",
    "prompts",
    "evaluation",
    "benchmarks",
    "training",
)


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    present = [p for p in PACKAGES if (REPO / p / "__init__.py").exists()]
    return grimp.build_graph(*present, cache_dir=None)


def test_the_graph_covers_every_package(graph: grimp.ImportGraph) -> None:
    # An empty or partial graph would make the circle check pass vacuously.
    for package in ("bot", "retrieval", "answering", "planner", "evaluation", "benchmarks"):
        assert package in graph.modules
    assert "answering.grounding" in graph.modules
    assert graph.direct_import_exists(importer="answering.grounding", imported="answering.meaning")


def circles(graph: grimp.ImportGraph) -> list[str]:
    """Each direct import whose target leads back to the importer, with the way back."""
    found = []
    for importer in sorted(graph.modules):
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            back = graph.find_shortest_chain(importer=imported, imported=importer)
            if back:
                found.append(" -> ".join((importer, *back)))
    return found


def test_no_import_circles(graph: grimp.ImportGraph) -> None:
    found = circles(graph)
    assert not found, "import circles:\n" + "\n".join(found)


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_imports(module: str, path: Path, modules: frozenset[str] = frozenset()) -> list[str]:
    """`from x import _name`, and `x._name` where `x` names one of `modules` it imported."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found, bound = [], {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            source = "." * node.level + (node.module or "")
            parts = package.split(".")
            base = node.module or ""
            if node.level:
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{module}:{node.lineno} imports {alias.name} from {source}")
                elif f"{base}.{alias.name}" in modules:
                    bound[alias.asname or alias.name] = f"{base}.{alias.name}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.asname and alias.name in modules:
                    bound[alias.asname] = alias.name
                elif alias.name in modules:
                    bound[alias.name.split(".")[0]] = alias.name.split(".")[0]
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in bound
            and _private(node.attr)
        ):
            found.append(f"{module}:{node.lineno} uses {node.attr} of {bound[node.value.id]}")
    return found


def test_no_private_names_imported_across_modules(graph: grimp.ImportGraph) -> None:
    found = []
    for module in sorted(graph.modules):
        relative = Path(*module.split("."))
        path = REPO / relative / "__init__.py"
        if not path.exists():
            path = (REPO / relative).with_suffix(".py")
        found += _private_imports(module, path, frozenset(graph.modules))
    assert not found, "private names imported from another module:\n" + "\n".join(found)


def test_the_checks_see_a_circle_and_a_private_import(tmp_path: Path) -> None:
    graph = grimp.ImportGraph()
    for module in ("pkg", "pkg.a", "pkg.b", "pkg.c"):
        graph.add_module(module)
    graph.add_import(importer="pkg.a", imported="pkg.b")
    graph.add_import(importer="pkg.b", imported="pkg.c")
    assert circles(graph) == []
    graph.add_import(importer="pkg.c", imported="pkg.a")
    assert circles(graph) == [
        "pkg.a -> pkg.b -> pkg.c -> pkg.a",
        "pkg.b -> pkg.c -> pkg.a -> pkg.b",
        "pkg.c -> pkg.a -> pkg.b -> pkg.c",
    ]
    source = tmp_path / "a.py"
    source.write_text(
        "from __future__ import annotations\n\nfrom . import b\nfrom .b import _helper, public\n"
        "import pkg.c as c\n\nb._cache.clear()\nc._run()\nb.__name__\n"
    )
    assert sorted(_private_imports("pkg.a", source, frozenset({"pkg.b", "pkg.c"}))) == [
        "pkg.a:4 imports _helper from .b",
        "pkg.a:7 uses _cache of pkg.b",
        "pkg.a:8 uses _run of pkg.c",
    ]


# Data flows one way (README, Architecture): each package may import only these of ours.
ALLOWED = {
    "retrieval": set(),
    "prompts": set(),
    "answering": {"retrieval", "prompts"},
    "planner": {"retrieval"},
    "library": {"retrieval", "answering", "planner"},
    "evaluation": {"retrieval", "answering"},
    "training": {"retrieval", "answering"},
    "bot": {"retrieval", "answering", "planner", "library", "evaluation", "prompts"},
    "benchmarks": {"retrieval", "answering", "planner", "library", "evaluation", "bot"},
}


def layer_breaches(graph: grimp.ImportGraph) -> list[str]:
    """Each import from one of our packages into another that the one-way flow forbids."""
    found = []
    for importer in sorted(graph.modules):
        top = importer.split(".")[0]
        for imported in sorted(graph.find_modules_directly_imported_by(importer)):
            target = imported.split(".")[0]
            if target != top and target in ALLOWED and target not in ALLOWED.get(top, set()):
                found.append(f"{importer} imports {imported}")
    return found


def test_packages_import_only_downstream(graph: grimp.ImportGraph) -> None:
    assert set(ALLOWED) == set(PACKAGES)
    found = layer_breaches(graph)
    assert not found, "imports against the one-way flow:\n" + "\n".join(found)


def test_the_layer_check_sees_a_core_package_importing_a_surface() -> None:
    graph = grimp.ImportGraph()
    for module in ("library", "library.admin", "bot", "bot.replies"):
        graph.add_module(module)
    graph.add_import(importer="bot.replies", imported="library.admin")
    assert layer_breaches(graph) == []
    graph.add_import(importer="library.admin", imported="bot.replies")
    assert layer_breaches(graph) == ["library.admin imports bot.replies"]
