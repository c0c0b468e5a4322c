"""Keep the Latvian and Russian catalogues in step with the code.

    python scripts/translations.py extract    # loyalty_cli/locale/loyalty.pot from the code
    python scripts/translations.py update     # each .po gains the new texts, loses the gone ones
    python scripts/translations.py compile    # each .po -> .mo (committed, shipped in the wheel)
    python scripts/translations.py check      # what is untranslated, fuzzy or mismatched
    python scripts/translations.py all        # extract, update, compile, check

    python scripts/translations.py update --from ../other-checkout ...   # and from other copies

Needs Babel (`pip install -e '.[test]'`). What counts as a text for people:
  - the first argument of _(), gettext(), N_() and ngettext() (singular and plural);
  - a help=, short_help= or epilog= given as a literal;
  - the docstring of a function made a command (`@something.command(...)` / `.group(...)`),
    unless its decorator gives help=;
  - Click's own texts marked with gettext in the modules commands/translated.py points at
    our catalogue.
Help texts and docstrings are taken as Click shows them (inspect.cleandoc).
"""

from __future__ import annotations

import argparse
import ast
import inspect
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("loyalty_cli", "commands")
LOCALE = ROOT / "loyalty_cli" / "locale"
TEMPLATE = LOCALE / "loyalty.pot"
TRANSLATED = ("lv", "ru")
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "termui", "types")
SIMPLE = {"_", "gettext", "N_"}
PLURAL = {"ngettext"}
HELP_KEYWORDS = {"help", "short_help", "epilog"}
HEADER = "Translations of loyalty, a loyalty programme for small shops."


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("extract", "update", "compile", "check", "all"))
    parser.add_argument(
        "--from",
        dest="sources",
        nargs="*",
        default=[],
        type=Path,
        metavar="CHECKOUT",
        help="other copies of the project whose translations fill texts still untranslated here",
    )
    args = parser.parse_args()
    if args.action in ("extract", "all"):
        write_template()
    if args.action in ("update", "all"):
        for code in TRANSLATED:
            update(code, args.sources)
    if args.action in ("compile", "all"):
        for code in TRANSLATED:
            compile_catalogue(code)
    if args.action in ("check", "all"):
        problems = [f"{code}: {problem}" for code in TRANSLATED for problem in check(code)]
        print("\n".join(problems) or "every text is translated", file=sys.stderr if problems else sys.stdout)
        sys.exit(1 if problems else 0)


# -- extraction --------------------------------------------------------------------------


def messages() -> dict[object, list[tuple[str, int]]]:
    """Every text for people: msgid (or (singular, plural)) -> where it is."""
    found: dict[object, list[tuple[str, int]]] = {}
    for folder in SOURCES:
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = str(path.relative_to(ROOT))
            for key, line in texts_of(path.read_text(encoding="utf-8"), commands=True):
                found.setdefault(key, []).append((name, line))
    for key, where in click_messages().items():
        found.setdefault(key, []).extend(where)
    return found


def click_messages() -> dict[object, list[tuple[str, int]]]:
    import click

    found: dict[object, list[tuple[str, int]]] = {}
    folder = Path(click.__file__).parent
    for module in CLICK_MODULES:
        path = folder / f"{module}.py"
        for key, line in texts_of(path.read_text(encoding="utf-8"), commands=False):
            found.setdefault(key, []).append((f"click/{module}.py", line))
    return found


def texts_of(source: str, *, commands: bool) -> list[tuple[object, int]]:
    """The marked texts of one module, in order, with their lines."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Call):
            name = _called(node.func)
            literals = [_literal(arg) for arg in node.args]
            if name in SIMPLE and literals and literals[0]:
                found.append((literals[0], node.lineno))
            elif name in PLURAL and len(literals) >= 2 and literals[0] and literals[1]:
                found.append(((literals[0], literals[1]), node.lineno))
            if commands:
                for keyword in node.keywords:
                    text = _literal(keyword.value)
                    if keyword.arg in HELP_KEYWORDS and text:
                        found.append((inspect.cleandoc(text), keyword.value.lineno))
        elif commands and isinstance(node, ast.FunctionDef) and _is_command(node):
            doc = ast.get_docstring(node, clean=True)
            if doc:
                found.append((doc, node.lineno))
    return sorted(found, key=lambda item: item[1])


def _called(func) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name) and func.value.id == "language":
        return func.attr
    return None


def _literal(node) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _is_command(function: ast.FunctionDef) -> bool:
    for decorator in function.decorator_list:
        if (
            isinstance(decorator, ast.Call)
            and isinstance(decorator.func, ast.Attribute)
            and decorator.func.attr in ("command", "group")
            and not any(k.arg == "help" for k in decorator.keywords)
        ):
            return True
    return False


def template():

    catalog = _catalog(None)
    for key, where in messages().items():
        catalog.add(key, locations=where, flags=_flags(key))
    return catalog


def _catalog(code: str | None):
    """An empty catalogue with a header that does not change from run to run."""
    from datetime import datetime, timezone

    from babel.messages.catalog import Catalog

    fixed = datetime(2026, 11, 30, tzinfo=timezone.utc)
    catalog = Catalog(
        locale=code,
        domain="loyalty",
        header_comment=f"# {HEADER}",
        project="loyalty",
        copyright_holder="the loyalty authors",
        creation_date=fixed,
        revision_date=fixed,
        fuzzy=False,
    )
    catalog.language_team = {"lv": "Latvian", "ru": "Russian", None: "English"}[code]
    catalog.last_translator = "the loyalty authors"
    return catalog


def _flags(key) -> tuple[str, ...]:
    text = key[0] if isinstance(key, tuple) else key
    return ("python-brace-format",) if "{" in text else ()


def write_template() -> None:
    from babel.messages.pofile import write_po

    TEMPLATE.parent.mkdir(parents=True, exist_ok=True)
    with open(TEMPLATE, "wb") as handle:
        write_po(handle, template(), omit_header=False, width=100, no_location=False, include_lineno=False)
    print(f"wrote {TEMPLATE.relative_to(ROOT)}")


# -- catalogues ----------------------------------------------------------------------------


def po_path(code: str) -> Path:
    return LOCALE / code / "LC_MESSAGES" / "loyalty.po"


def read(path: Path, code: str):
    from babel.messages.pofile import read_po

    with open(path, "rb") as handle:
        return read_po(handle, locale=code, domain="loyalty")


def update(code: str, sources: list[Path]) -> None:
    """The .po of `code` with exactly the template's texts; translations kept or taken from `sources`."""
    from babel.messages.pofile import write_po

    path = po_path(code)
    old = read(path, code) if path.exists() else _catalog(code)
    known = {}
    for checkout in sources:
        source = checkout / po_path(code).relative_to(ROOT)
        if not source.exists():
            continue
        for message in read(source, code):
            if message.id and message.string and not message.fuzzy and _filled(message.string):
                known[message.id] = message.string
    for message in old:
        if message.id and message.string and _filled(message.string):
            known[message.id] = message.string
    fresh = _catalog(code)
    for message in template():
        string = known.get(message.id, () if isinstance(message.id, tuple) else "")
        if isinstance(message.id, tuple) and isinstance(string, str):
            string = ()
        fresh.add(message.id, string or None, locations=message.locations, flags=message.flags)
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as handle:
        write_po(handle, fresh, width=100, include_lineno=False, ignore_obsolete=True)
    print(f"updated {path.relative_to(ROOT)}")


def _filled(string) -> bool:
    return all(string) if isinstance(string, tuple | list) else bool(string)


def compiled(code: str) -> bytes:
    """The .mo bytes of the .po of `code` as it is now."""
    from babel.messages.mofile import write_mo

    buffer = io.BytesIO()
    write_mo(buffer, read(po_path(code), code), use_fuzzy=False)
    return buffer.getvalue()


def compile_catalogue(code: str) -> None:
    target = po_path(code).with_suffix(".mo")
    target.write_bytes(compiled(code))
    print(f"compiled {target.relative_to(ROOT)}")


def check(code: str) -> list[str]:
    """What keeps the catalogue of `code` from being complete and sound."""
    problems = []
    catalogue = read(po_path(code), code)
    wanted = {m.id for m in template() if m.id}
    have = {m.id for m in catalogue if m.id}
    problems += [f"not in the catalogue: {m!r}" for m in wanted - have]
    for message in catalogue:
        if not message.id:
            continue
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        elif not _filled(message.string):
            problems.append(f"untranslated: {message.id!r}")
        else:
            found = mismatch(message.id, message.string, catalogue.num_plurals)
            problems += [f"{problem}: {message.id!r}" for problem in found]
    if compiled(code) != po_path(code).with_suffix(".mo").read_bytes():
        problems.append("the .mo is stale: run `python scripts/translations.py compile`")
    return problems


def mismatch(msgid, string, plurals: int) -> list[str]:
    """How a translation differs from its source in form: placeholders, number of plural forms."""
    if isinstance(msgid, tuple):
        forms = list(string) if isinstance(string, tuple | list) else [string]
        problems = [] if len(forms) == plurals else [f"{len(forms)} plural forms instead of {plurals}"]
        wanted = placeholders(msgid[1]) | placeholders(msgid[0])
        # Every form keeps the plural's placeholders: lv and ru use their "one" form for 21 and
        # 31 too. Only the count may be left out ("один балл"); nothing added or renamed.
        needed = placeholders(msgid[1]) - {"count", "n"}
        for form in forms:
            got = placeholders(form)
            if not got <= wanted or not needed <= got:
                problems.append(f"placeholders {sorted(got)} instead of {sorted(wanted)}")
        return problems
    got, wanted = placeholders(string), placeholders(msgid)
    return [] if got == wanted else [f"placeholders {sorted(got)} instead of {sorted(wanted)}"]


def placeholders(text: str) -> set[str]:
    """The {name} (str.format) and %(name)s (printf) fields of a text."""
    import re
    import string

    found = set()
    try:
        for _literal_text, field, spec, conversion in string.Formatter().parse(text):
            if field is not None:
                found.add(
                    "{"
                    + field
                    + (f"!{conversion}" if conversion else "")
                    + (f":{spec}" if spec else "")
                    + "}"
                )
    except ValueError:
        found.add("<unbalanced braces>")
    found |= set(re.findall(r"%\(\w+\)[sdr]", text))
    return found


if __name__ == "__main__":
    main()
