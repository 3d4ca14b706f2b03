"""The French catalogues of the web's parts (``web.po``, ``portal.po``, ``admin*.po`` …) are merged into one: a
message two of them translate differently would show whichever was merged last, on every page of both parts."""

from __future__ import annotations

from babel.messages.pofile import read_po

from hostlane.faces.web import kit


def test_no_message_is_translated_two_ways() -> None:
    seen: dict[str, tuple[str, str]] = {}
    disagreements = []
    for po in sorted((kit.LOCALES / "fr" / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as source:
            for entry in read_po(source, locale="fr"):
                if not entry.id or isinstance(entry.id, tuple):
                    continue
                text = str(entry.string)
                if entry.id in seen and seen[entry.id][1] != text:
                    disagreements.append(f"{entry.id!r}: {seen[entry.id]} vs ({po.name}, {text!r})")
                seen.setdefault(entry.id, (po.name, text))
    assert not disagreements, "\n".join(disagreements)
