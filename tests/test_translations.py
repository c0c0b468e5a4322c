"""The Latvian and Russian catalogues: complete, sound, compiled, and in step with the code."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

babel = pytest.importorskip("babel")

from babel.messages.plurals import get_plural  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("lv", "ru")


def _script():
    spec = importlib.util.spec_from_file_location("translations_script", ROOT / "scripts" / "translations.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("translations_script", module)
    spec.loader.exec_module(module)
    return module


script = _script()


def _catalogue(code):
    return script.read(script.po_path(code), code)


def test_the_template_holds_every_text_the_code_marks():
    on_disk = {m.id for m in script.read(script.TEMPLATE, None) if m.id}
    assert on_disk == {m.id for m in script.template() if m.id}, (
        "loyalty.pot is out of date: run `python scripts/translations.py all`"
    )


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_marked_text_has_a_translation(code):
    catalogue = _catalogue(code)
    have = {m.id: m for m in catalogue if m.id}
    missing = [mid for mid in (m.id for m in script.template() if m.id) if mid not in have]
    untranslated = [m.id for m in have.values() if not script._filled(m.string)]
    assert missing == [], f"{code}: texts missing from the catalogue"
    assert untranslated == [], f"{code}: texts without a translation"


@pytest.mark.parametrize("code", LANGUAGES)
def test_no_translation_is_fuzzy(code):
    assert [m.id for m in _catalogue(code) if m.id and m.fuzzy] == []


@pytest.mark.parametrize("code", LANGUAGES)
def test_translations_keep_the_placeholders_of_the_english(code):
    catalogue = _catalogue(code)
    problems = {
        m.id: found
        for m in catalogue
        if m.id and script._filled(m.string)
        for found in [script.mismatch(m.id, m.string, catalogue.num_plurals)]
        if found
    }
    assert problems == {}


@pytest.mark.parametrize("code", LANGUAGES)
def test_every_plural_has_all_the_forms_of_the_language(code):
    catalogue = _catalogue(code)
    short = {
        m.id: len(m.string)
        for m in catalogue
        if isinstance(m.id, tuple) and len([form for form in m.string if form]) != catalogue.num_plurals
    }
    assert short == {}


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_plural_forms_header_is_cldr_s(code):
    header = dict(_catalogue(code).mime_headers)["Plural-Forms"]
    assert header == get_plural(code).plural_forms


@pytest.mark.parametrize("code", LANGUAGES)
def test_the_compiled_catalogue_is_in_step_with_its_source(code):
    assert script.compiled(code) == script.po_path(code).with_suffix(".mo").read_bytes(), (
        f"{code}: the .mo is stale: run `python scripts/translations.py compile`"
    )


def test_the_placeholder_check_catches_a_renamed_placeholder():
    assert script.mismatch("{name} has {count} points", "{vārds} ir {count} punkti", 3)
    assert not script.mismatch("{name} has {count} points", "{name}: {count} punkti", 3)


def test_the_plural_check_catches_a_missing_form():
    source = ("{count} point", "{count} points")
    assert script.mismatch(source, ("{count} punktu", "{count} punkts"), 3)
    assert not script.mismatch(source, ("{count} punktu", "{count} punkts", "{count} punkti"), 3)
