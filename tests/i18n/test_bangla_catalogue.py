"""The Bangla catalogue is complete and current.

Pure tests, no database.  The first group reads locale/bn/LC_MESSAGES/django.po
with polib; the second re-runs ``makemessages`` (same ignores as the documented
command) on a scratch copy of the source tree and compares what it extracts now
with what the committed catalogue holds.  Fixing a failure here:

    deploy/local manage makemessages -l bn --ignore=.venv --ignore=var --ignore=tests --ignore=bench

then translate every new or fuzzy entry in locale/bn/LC_MESSAGES/django.po.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parents[2]
PO_PATH = ROOT / "locale" / "bn" / "LC_MESSAGES" / "django.po"
# Exactly the --ignore flags of the documented makemessages command.
MAKEMESSAGES_IGNORES = (".venv", "var", "tests", "bench")
PLURAL_FORMS = "nplurals=2; plural=(n != 1);"

# A printf-style conversion as Python's % operator reads it, "%%" included.
PERCENT_PLACEHOLDER = re.compile(
    r"%(?:\([^)]*\))?[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa%]"
)
NAMED_PLACEHOLDER = re.compile(r"%\([^)]*\)[#0 +-]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[diouxXeEfFgGcrsa]")
BRACE_PLACEHOLDER = re.compile(r"\{[^{}]*\}")
BENGALI = re.compile(r"[\u0980-\u09ff]")
LATIN_LETTER = re.compile(r"[A-Za-z]")
# msgids whose right Bangla rendering carries no Bengali letter (e.g. a bare
# acronym everyone writes in Latin script).  Empty so far: add with care.
LATIN_ONLY_ALLOWED: frozenset[str] = frozenset()


def entry_key(entry: polib.POEntry) -> tuple[str | None, str, str]:
    return (entry.msgctxt, entry.msgid, entry.msgid_plural or "")


def describe(entry: polib.POEntry) -> str:
    ctx = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    where = ", ".join(f"{path}:{line}" for path, line in entry.occurrences[:2])
    return f"{ctx}{entry.msgid!r} ({where})" if where else f"{ctx}{entry.msgid!r}"


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing: run makemessages -l bn"
    return polib.pofile(str(PO_PATH), wrapwidth=79)


@pytest.fixture(scope="module")
def entries(catalogue: polib.POFile) -> list[polib.POEntry]:
    return [e for e in catalogue if not e.obsolete]


def translations(entry: polib.POEntry) -> list[tuple[str, str]]:
    """(English source, Bangla text) pairs: one per plural form, or one."""
    if entry.msgid_plural:
        # Bangla uses plural=(n != 1) like English: form 0 is the singular.
        return [
            (entry.msgid if index == 0 else entry.msgid_plural, text)
            for index, text in sorted(entry.msgstr_plural.items())
        ]
    return [(entry.msgid, entry.msgstr)]


# --- (a) the catalogue itself ------------------------------------------------


def test_header(catalogue: polib.POFile) -> None:
    meta = catalogue.metadata
    assert not catalogue.metadata_is_fuzzy, "remove '#, fuzzy' from the header"
    assert meta.get("Language") == "bn"
    assert meta.get("Plural-Forms") == PLURAL_FORMS
    assert meta.get("Content-Type") == "text/plain; charset=UTF-8"
    assert catalogue.encoding.lower().replace("-", "") == "utf8"


def test_catalogue_is_not_empty(entries: list[polib.POEntry]) -> None:
    assert len(entries) > 50, "the catalogue lost most of its entries"


def test_no_untranslated_entries(entries: list[polib.POEntry]) -> None:
    untranslated = [
        describe(e) for e in entries if not all(text.strip() for _, text in translations(e))
    ]
    assert not untranslated, f"{len(untranslated)} untranslated: " + "; ".join(untranslated)


def test_no_fuzzy_entries(entries: list[polib.POEntry]) -> None:
    fuzzy = [describe(e) for e in entries if "fuzzy" in e.flags]
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check, fix and unflag): " + "; ".join(fuzzy)


def test_no_obsolete_entries(catalogue: polib.POFile) -> None:
    obsolete = [describe(e) for e in catalogue.obsolete_entries()]
    assert not obsolete, f"{len(obsolete)} obsolete (#~) entries: " + "; ".join(obsolete)


def test_plural_entries_have_both_bangla_forms(entries: list[polib.POEntry]) -> None:
    wrong = [describe(e) for e in entries if e.msgid_plural and sorted(e.msgstr_plural) != [0, 1]]
    assert not wrong, "plural entries need msgstr[0] and msgstr[1]: " + "; ".join(wrong)


def test_placeholders_are_kept(entries: list[polib.POEntry]) -> None:
    problems = []
    for entry in entries:
        if "python-format" in entry.flags:
            pattern = PERCENT_PLACEHOLDER
        elif "no-python-format" in entry.flags:
            pattern = None
        else:  # unflagged: only the unmistakable %(name)s form
            pattern = NAMED_PLACEHOLDER
        for source, text in translations(entry):
            if pattern is not None:
                want, got = pattern.findall(source), pattern.findall(text)
                named = all(p.startswith("%(") or p == "%%" for p in want + got)
                # Named ones may move; positional ones must keep their order.
                same = Counter(want) == Counter(got) if named else want == got
                if not same:
                    problems.append(f"{describe(entry)}: {want} became {got}")
            if "python-brace-format" in entry.flags and Counter(
                BRACE_PLACEHOLDER.findall(source)
            ) != Counter(BRACE_PLACEHOLDER.findall(text)):
                problems.append(f"{describe(entry)}: brace placeholders differ")
    assert not problems, "placeholders changed: " + "; ".join(problems)


def test_translations_are_in_bangla(entries: list[polib.POEntry]) -> None:
    """An English msgstr copied over is not a translation."""
    english = []
    for entry in entries:
        if entry.msgid in LATIN_ONLY_ALLOWED:
            continue
        for source, text in translations(entry):
            words = PERCENT_PLACEHOLDER.sub("", BRACE_PLACEHOLDER.sub("", source))
            if LATIN_LETTER.search(words) and text.strip() and not BENGALI.search(text):
                english.append(describe(entry))
    assert not english, "msgstr without any Bangla: " + "; ".join(english)


def test_msgfmt_accepts_the_catalogue() -> None:
    """What compilemessages runs, with gettext's own format and header checks."""
    msgfmt = shutil.which("msgfmt")
    assert msgfmt, "GNU gettext (msgfmt) is not installed: deploy/local installs it"
    result = subprocess.run(
        [msgfmt, "--check", "-o", os.devnull, str(PO_PATH)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


# --- (b) the catalogue is current ---------------------------------------------


def _ignore_for_copy(directory: str, names: list[str]) -> set[str]:
    skipped = {n for n in names if n == "__pycache__" or n.endswith(".mo")}
    if Path(directory).resolve() == ROOT:
        # makemessages ignores these (and dot-dirs by default); var/ and .venv/
        # are far too big to copy.
        skipped |= {n for n in names if n in MAKEMESSAGES_IGNORES or n.startswith(".")}
    return skipped


@pytest.fixture(scope="module")
def extracted(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple, polib.POEntry]:
    """The entries makemessages extracts from the source as it is now.

    It runs on a scratch copy of the tree so the committed catalogue and the
    source tree (where makemessages writes temporary *.html.py files) are never
    touched; settings come from the copy, so LOCALE_PATHS points into it.
    """
    for program in ("xgettext", "msguniq", "msgmerge", "msgattrib"):
        assert shutil.which(program), f"GNU gettext ({program}) is not installed"
    src = tmp_path_factory.mktemp("i18n") / "src"
    shutil.copytree(ROOT, src, ignore=_ignore_for_copy, symlinks=True)
    env = {
        **os.environ,
        "PYTHONPATH": str(src),
        "PYTHONDONTWRITEBYTECODE": "1",
        "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "portal.settings.test"),
    }
    ignores = [f"--ignore={pattern}" for pattern in MAKEMESSAGES_IGNORES]
    command = [sys.executable, "manage.py", "makemessages", "-l", "bn", "--keep-pot", *ignores]
    result = subprocess.run(command, cwd=src, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    pot = src / "locale" / "django.pot"
    assert pot.is_file(), f"makemessages wrote no {pot}: {result.stdout}{result.stderr}"
    return {entry_key(e): e for e in polib.pofile(str(pot)) if not e.obsolete}


def test_every_extracted_msgid_is_in_the_catalogue(
    extracted: dict[tuple, polib.POEntry], entries: list[polib.POEntry]
) -> None:
    have = {entry_key(e) for e in entries}
    missing = [describe(e) for key, e in sorted(extracted.items(), key=str) if key not in have]
    assert not missing, (
        f"{len(missing)} msgid(s) in the source are not in {PO_PATH.relative_to(ROOT)}; "
        "run makemessages -l bn and translate them: " + "; ".join(missing)
    )


def test_catalogue_has_no_stale_entries(
    extracted: dict[tuple, polib.POEntry], entries: list[polib.POEntry]
) -> None:
    stale = [describe(e) for e in entries if entry_key(e) not in extracted]
    assert not stale, (
        f"{len(stale)} msgid(s) no longer in the source; run makemessages -l bn "
        "(and drop the resulting #~ entries): " + "; ".join(stale)
    )


def test_extraction_stays_inside_the_project(extracted: dict[tuple, polib.POEntry]) -> None:
    """No third-party or ignored code leaks into the catalogue."""
    outside = sorted(
        {
            path
            for entry in extracted.values()
            for path, _ in entry.occurrences
            if path.split("/", 1)[0] in MAKEMESSAGES_IGNORES or "site-packages" in path
        }
    )
    assert not outside, f"strings extracted from ignored paths: {outside}"
