"""The package's house: layers as sub-packages, imports flow one way, no circles, no private names
borrowed across modules. Imports inside functions count; imports under ``TYPE_CHECKING`` do not."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "ortsprofil"

#: Lowest first. A module may import from its own layer or any lower one, never from a higher one.
LAYERS = [
    ("base", {"ortsprofil", "ortsprofil.config", "ortsprofil.errors", "ortsprofil.text"}),
    ("data", "ortsprofil.data"),
    ("figures", "ortsprofil.figures"),
    ("present", "ortsprofil.present"),
    ("region", "ortsprofil.region"),
    ("run", "ortsprofil.run"),
    ("top", {"ortsprofil.cli", "ortsprofil.commands", "ortsprofil.explore"}),
]


def _modules() -> dict[str, Path]:
    out = {}
    for f in PACKAGE.rglob("*.py"):
        parts = ("ortsprofil",) + f.relative_to(PACKAGE).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        out[name] = f
    return out


MODULES = _modules()


def layer_of(module: str) -> int:
    for i, (_name, members) in enumerate(LAYERS):
        if isinstance(members, set):
            if module in members:
                return i
        elif module == members or module.startswith(members + "."):
            return i
    raise AssertionError(f"{module} belongs to no layer: add it to LAYERS or move it")


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skip |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skip


def imports_of(module: str) -> list[tuple[str, list[str], int]]:
    """(imported module, names, line) for every package import of ``module``, function-level included."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skip = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    out = []
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if not target.startswith("ortsprofil"):
                continue
            for alias in node.names:  # "from ortsprofil.present import charts" imports a module
                sub = f"{target}.{alias.name}"
                out.append((sub, [], node.lineno) if sub in MODULES else (target, [alias.name], node.lineno))
        elif isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.startswith("ortsprofil")]
    return out


def test_every_module_has_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_upward_import():
    bad = []
    for module in MODULES:
        for target, _names, line in imports_of(module):
            if target in MODULES and layer_of(target) > layer_of(module):
                bad.append(f"{MODULES[module].relative_to(PACKAGE.parent)}:{line} {module} → {target}")
    assert not bad, "a lower layer imports a higher one:\n" + "\n".join(bad)


def test_no_import_circle():
    graph = {m: {t for t, _n, _l in imports_of(m) if t in MODULES and t != m} for m in MODULES}
    # A package's __init__ that imports nothing is no edge; find cycles by depth-first search.
    state: dict[str, int] = {}
    stack: list[str] = []
    cycles = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for t in sorted(graph[m]):
            if state.get(t) == 1:
                cycles.append(stack[stack.index(t):] + [t])
            elif t not in state:
                visit(t)
        stack.pop()
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m)
    assert not cycles, "import circles:\n" + "\n".join(" → ".join(c) for c in cycles)


def test_no_private_name_across_modules():
    bad = []
    for module, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported_modules = {}
        for target, names, line in imports_of(module):
            for name in names:
                if name.startswith("_") and not name.startswith("__"):
                    bad.append(f"{module}:{line} imports {target}.{name}")
        for node in ast.walk(tree):  # "from ortsprofil.present import maps" … maps._layer
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("ortsprofil"):
                for a in node.names:
                    if f"{node.module}.{a.name}" in MODULES:
                        imported_modules[a.asname or a.name] = f"{node.module}.{a.name}"
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) \
                    and node.value.id in imported_modules and node.attr.startswith("_") \
                    and not node.attr.startswith("__"):
                bad.append(f"{module}:{node.lineno} uses {imported_modules[node.value.id]}.{node.attr}")
    assert not bad, "private names used across modules:\n" + "\n".join(bad)


@pytest.mark.parametrize("folder", ["data", "figures", "present", "region", "run"])
def test_layers_are_sub_packages(folder):
    assert (PACKAGE / folder / "__init__.py").is_file()
    assert (PACKAGE / folder / "__init__.py").read_text(encoding="utf-8").startswith('"""')


def test_profile_is_data():
    """The Profile holds figures; nothing in it renders (no HTML, no blocks, no charts)."""
    from ortsprofil.figures.model import Profile

    shown = [name for name in vars(Profile) if name in {"heading", "one_pager", "table", "comparison", "summary",
                                                         "prompts", "key_figures", "phrase", "where_for"}]
    assert not shown
    assert Profile.__mro__[1:] == (object,)
