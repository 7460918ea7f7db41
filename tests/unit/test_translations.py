"""The zh-Hans catalogue of our own strings: complete, not fuzzy, compiled, and
with every placeholder kept (a lost %(name)s raises KeyError or drops a value)."""

import re
from collections import Counter
from pathlib import Path

import pytest
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po
from django.utils import translation

MESSAGES = Path(__file__).resolve().parents[2] / "locale" / "zh_Hans" / "LC_MESSAGES"
PO = MESSAGES / "django.po"
MO = MESSAGES / "django.mo"

# %(name)s, %s / %d (not %%), and {name} / {0} / {}.
NAMED = re.compile(r"%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
POSITIONAL = re.compile(r"%[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]")
BRACES = re.compile(r"\{[^{}]*\}")


def _po():
    with PO.open("rb") as f:
        return read_po(f, abort_invalid=True)


def _mo():
    with MO.open("rb") as f:
        return read_mo(f)


def _forms(string):
    return list(string) if isinstance(string, (list, tuple)) else [string]


def _key(message):
    context = message.context
    if isinstance(context, bytes):
        context = context.decode("utf-8")
    msgid = tuple(message.id) if isinstance(message.id, (list, tuple)) else message.id
    return context, msgid


def _translations(catalog):
    return {
        _key(message): tuple(_forms(message.string))
        for message in catalog
        if message.id
    }


def _placeholders(text):
    text = text.replace("%%", "")
    named = NAMED.findall(text)
    positional = POSITIONAL.findall(NAMED.sub("", text))
    return set(named), Counter(positional), set(BRACES.findall(text))


def test_catalogue_exists_and_has_messages():
    assert PO.is_file(), "run makemessages -l zh_Hans"
    assert MO.is_file(), "run compilemessages -l zh_Hans"
    assert len(_translations(_po())) > 0


def test_every_message_is_translated_and_not_fuzzy():
    catalog = _po()
    assert not catalog.fuzzy, "the catalogue header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        forms = _forms(message.string)
        if message.fuzzy:
            problems.append(f"fuzzy: {message.id!r}")
        if not forms or not all(form.strip() for form in forms):
            problems.append(f"untranslated: {message.id!r}")
        if message.pluralizable and len(forms) != catalog.num_plurals:
            problems.append(
                f"{len(forms)} plural forms, Chinese has {catalog.num_plurals}: "
                f"{message.id!r}"
            )
    assert not problems, "\n".join(problems)


def test_compiled_catalogue_matches_the_po_file():
    po, mo = _translations(_po()), _translations(_mo())
    missing = sorted(str(key) for key in po.keys() - mo.keys())
    extra = sorted(str(key) for key in mo.keys() - po.keys())
    changed = sorted(str(key) for key in po.keys() & mo.keys() if po[key] != mo[key])
    assert not (missing or extra or changed), (
        "django.mo is stale: run compilemessages -l zh_Hans\n"
        f"missing from .mo: {missing}\nonly in .mo: {extra}\ndiffering: {changed}"
    )


def test_placeholders_survive_translation():
    problems = []
    for message in _po():
        if not message.id:
            continue
        ids = _forms(message.id)
        # Every form must carry the plural msgid's placeholders (the singular may
        # spell "one" out) and nothing that no msgid has.
        wanted = _placeholders(ids[-1])
        allowed_named = set().union(*(_placeholders(i)[0] for i in ids))
        allowed_braces = set().union(*(_placeholders(i)[2] for i in ids))
        for form in _forms(message.string):
            named, positional, braces = _placeholders(form)
            if not wanted[0] <= named or not named <= allowed_named:
                problems.append(f"{message.id!r}: {sorted(named)} in {form!r}")
            if positional != wanted[1]:
                problems.append(f"{message.id!r}: {dict(positional)} in {form!r}")
            if not wanted[2] <= braces or not braces <= allowed_braces:
                problems.append(f"{message.id!r}: {sorted(braces)} in {form!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Certified poverty-area produce", "已认定扶贫产品"),
        ("Registered poor household", "建档立卡贫困户"),
        ("Stock lot", "库存批次"),
    ],
)
def test_django_serves_the_catalogue(english, chinese):
    with translation.override("zh-hans"):
        assert translation.gettext(english) == chinese
