"""The package graph of docs/architecture.md, enforced: which package may import which.

Read from the source with ``ast`` (imports inside functions count too), so a lazy
import cannot slip past the rule. Imports under ``if TYPE_CHECKING:`` only name the
other end of a relationship for the type checker and are not counted.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PORTAL = Path(__file__).resolve().parent.parent / "portal"

# Domains hold the rules and the data; audiences are the pages and interfaces built on
# them. A domain never imports an audience.
DOMAINS = {"cases", "auth", "notify", "search", "privacy", "campaigns", "media", "reports"}
AUDIENCES = {"staff", "site", "openapi"}
# What a domain package may not import, beyond the audiences.
FORBIDDEN = {
    "cases": {"wall", "open311"},
    "privacy": {"wall"},
    "search": {"open311"},
}


def module_name(path: Path) -> str:
    parts = path.relative_to(PORTAL.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every ``portal.…`` module that ``path`` imports, relative imports resolved."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(
        ".", 1)[0]
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for block in ast.walk(tree):
        if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING":
            block.body = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[:len(base) - node.level + 1]
                stem = ".".join(base + ([node.module] if node.module else []))
            else:
                stem = node.module or ""
            found.add(stem)
            found |= {f"{stem}.{alias.name}" for alias in node.names}
    return {name for name in found if name.startswith("portal.")}


MODULES = {module_name(p): imports(p) for p in sorted(PORTAL.rglob("*.py"))}


def package_of(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and
                                          (PORTAL / parts[1]).is_dir()) else ""


def is_view_module(module: str) -> bool:
    """A module that defines a blueprint: the web face of its package."""
    path = PORTAL.parent / (module.replace(".", "/") + ".py")
    return path.is_file() and "Blueprint(" in path.read_text(encoding="utf-8")


def violations(rule: str) -> list[str]:
    found = []
    for module, targets in MODULES.items():
        own = package_of(module)
        for target in targets:
            other = package_of(target)
            if not other or other == own:
                continue
            if rule == "views" and module != "portal" and is_view_module(target):
                found.append(f"{module} imports the views of {target}")
            if rule == "audiences" and own in DOMAINS and other in AUDIENCES:
                found.append(f"domain {module} imports audience {target}")
            if rule == "forbidden" and other in FORBIDDEN.get(own, set()):
                found.append(f"{module} imports {target}")
    return sorted(set(found))


@pytest.mark.parametrize("rule", ["views", "audiences", "forbidden"])
def test_the_package_graph_holds(rule):
    assert violations(rule) == []


def test_the_rules_see_real_imports():
    """The walker finds imports at all (a rule over nothing would pass)."""
    assert "portal.cases.workflow" in MODULES["portal.cases.services"] or any(
        t.startswith("portal.cases.workflow") for t in MODULES["portal.cases.services"])
    assert is_view_module("portal.wall.views") and not is_view_module("portal.wall.queries")
    assert any(package_of(t) == "privacy" for t in MODULES["portal.cases.handling"])
