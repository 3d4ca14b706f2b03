"""Every message of the web pages (templates and Python) has its French translation, and each translation keeps
the placeholders of its message."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from hostlane.faces.web import kit

METHODS = [("**/templates/**.html", "jinja2.ext:babel_extract"), ("**.py", "python")]
OPTIONS = {"**/templates/**.html": {"extensions": "jinja2.ext.i18n", "trimmed": "false"}}
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "N_": None}
PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def extracted() -> dict[str, list[str]]:
    """Each message the web face shows, and where."""
    found: dict[str, list[str]] = {}
    for filename, lineno, message, _comments, _context in extract_from_dir(
        str(kit.HERE), METHODS, OPTIONS, keywords=KEYWORDS
    ):
        for text in message if isinstance(message, tuple) else (message,):
            if text:
                found.setdefault(text, []).append(f"{filename}:{lineno}")
    return found


def french() -> dict[str, str]:
    translations: dict[str, str] = {}
    for po in sorted((kit.LOCALES / "fr" / "LC_MESSAGES").glob("*.po")):
        with Path(po).open("rb") as source:
            for entry in read_po(source, locale="fr"):
                if entry.id:
                    ids = entry.id if isinstance(entry.id, tuple) else (entry.id,)
                    strings = entry.string if isinstance(entry.string, tuple) else (entry.string,)
                    for message, translation in zip(ids, strings, strict=False):
                        translations[message] = translation
    return translations


def test_every_message_has_a_french_translation() -> None:
    messages, known = extracted(), french()
    missing = {text: where for text, where in messages.items() if not known.get(text)}
    assert not missing, "no French for:\n" + "\n".join(
        f"  {text!r}  ({', '.join(where)})" for text, where in missing.items()
    )


def test_translations_keep_their_placeholders() -> None:
    wrong = {
        message: translation
        for message, translation in french().items()
        if translation and sorted(PLACEHOLDER.findall(message)) != sorted(PLACEHOLDER.findall(translation))
    }
    assert not wrong, wrong


def test_the_catalogue_translates_at_run_time() -> None:
    kit.use_language("fr")
    try:
        assert kit.gettext("Log in") == "Se connecter"
        assert kit.money(123456, "EUR") == "1\u202f234,56\xa0€"
    finally:
        kit.use_language("en")
    assert kit.money(123456, "EUR") == "€1,234.56"
