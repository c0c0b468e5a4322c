"""The layers of docs/architecture.md hold: the core never imports the Click layer's
libraries, storage never imports the programme's rules, and both stores offer the unit of work."""

from __future__ import annotations

import ast
import inspect
import re
import subprocess
import sys
from pathlib import Path

import pytest

from loyalty_cli.storage import unit_of_work
from loyalty_cli.storage.folder import shop as folder_shop
from loyalty_cli.storage.folder import store as folder_store
from loyalty_cli.storage.postgres import store as postgres_store

ROOT = Path(__file__).resolve().parent.parent
CORE = ROOT / "loyalty_cli"
STORAGE = CORE / "storage"
USER_INTERFACE_LIBRARIES = {"click", "rich", "tabulate"}
# What storage may import besides storage: the records and pure readings of them.
FOUNDATIONS = {
    "loyalty_cli",  # __version__
    "loyalty_cli.errors",
    "loyalty_cli.language",
    "loyalty_cli.formats",
    "loyalty_cli.clock",
    "loyalty_cli.money",
    "loyalty_cli.files",
    "loyalty_cli.ledger",
    "loyalty_cli.program",
    "loyalty_cli.projection",
    "loyalty_cli.lots",
}


def _module(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    """Every module a file imports, lazily or not (`from pkg import mod` counts as pkg.mod)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parent, base] if base else parent)
            for alias in node.names:
                place = CORE.parent.joinpath(*base.split("."), alias.name)
                if place.with_suffix(".py").exists() or (place / "__init__.py").exists():
                    found.add(f"{base}.{alias.name}")  # a module of the package
                else:
                    found.add(base)  # a name defined in the module
    return found


def _crossings() -> dict[str, set[str]]:
    """Storage module -> the programme's modules it imports."""
    out = {}
    for path in sorted(STORAGE.rglob("*.py")):
        wrong = {
            name
            for name in _imports(path)
            if name.startswith("loyalty_cli")
            and not name.startswith("loyalty_cli.storage")
            and name not in FOUNDATIONS
        }
        if wrong:
            out[_module(path)] = wrong
    return out


def test_the_core_imports_no_click_rich_or_tabulate():
    found = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in CORE.rglob("*.py")
        for name in _imports(path)
        if name.split(".")[0] in USER_INTERFACE_LIBRARIES
    }
    assert found == set()


def test_importing_every_core_module_loads_no_click_rich_or_tabulate():
    modules = sorted(_module(path) for path in CORE.rglob("*.py") if path.name != "__main__.py")
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"print(sorted(m for m in {sorted(USER_INTERFACE_LIBRARIES)!r} if m in sys.modules))"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_storage_imports_none_of_the_programmes_rules():
    assert _crossings() == {}, (
        "storage must not import the programme's rules: let the command layer compose them"
    )


# The rules that still reach into the data folder's own modules, each for a reason of the
# folder's: member search and plan renewals scan the raw member rows (fast on 20,000
# members, and on PostgreSQL the same call works on documents), and erasure scrubs the
# folder's files and backups. A new crossing fails: go through the unit of work instead.
KNOWN_REACHING = {
    "loyalty_cli.member_search imports loyalty_cli.storage.folder.member_rows",
    "loyalty_cli.plans imports loyalty_cli.storage.folder.member_rows",
    "loyalty_cli.privacy imports loyalty_cli.storage.folder.hot_file",
    "loyalty_cli.privacy imports loyalty_cli.storage.folder.journals",
    "loyalty_cli.privacy imports loyalty_cli.storage.folder.member_rows",
    "loyalty_cli.privacy imports loyalty_cli.storage.folder.store",
}


def test_the_programme_reaches_a_store_only_through_the_unit_of_work_but_for_known_reasons():
    reaching = {
        f"{_module(path)} imports {name}"
        for path in CORE.rglob("*.py")
        if STORAGE not in path.parents and path.name != "cli.py"
        for name in _imports(path)
        if name.startswith(("loyalty_cli.storage.folder", "loyalty_cli.storage.postgres"))
    }
    assert reaching - KNOWN_REACHING == set()


def _missing(cls: type, protocol: type) -> set[str]:
    """The protocol's members that `cls` lacks (attributes set in __init__ count)."""
    wanted = {name for name in vars(protocol) if not name.startswith("_")}
    wanted |= {name for name in ("__len__", "__contains__") if name in vars(protocol)}
    wanted |= set(vars(protocol).get("__annotations__", {}))
    source = inspect.getsource(cls)
    return {
        name
        for name in wanted
        if not hasattr(cls, name) and not re.search(rf"self\.{name}\s*(:[^=\n]*)?=", source)
    }


@pytest.mark.parametrize(
    ("protocol", "folder", "postgres"),
    [
        (unit_of_work.Store, folder_store.Store, postgres_store.PostgresStore),
        (unit_of_work.Shop, folder_shop.Shop, postgres_store.PgShop),
        (unit_of_work.Members, folder_shop.Members, postgres_store.PgMembers),
        (unit_of_work.Ledger, folder_shop.Ledger, postgres_store.PgLedger),
        (unit_of_work.Records, folder_shop.Records, postgres_store.PgRecords),
    ],
    ids=lambda value: getattr(value, "__name__", ""),
)
def test_both_stores_offer_the_unit_of_work(protocol, folder, postgres):
    assert (_missing(folder, protocol), _missing(postgres, protocol)) == (set(), set())
