import pytest

from hostlane.core.errors import BadRequest
from hostlane.core.formats import decode_body, dump_xml, load_xml


def test_xml_round_trip_keeps_structure_and_nulls() -> None:
    data = {
        "status": "ok",
        "n": 3,
        "ok": True,
        "none": None,
        "list": [1, "two"],
        "empty": [],
        "nested": {"a": "b"},
        "filter[name]": "x",
        "0bad": "y",
    }
    back = load_xml(dump_xml(data))
    assert back == {
        "status": "ok",
        "n": "3",
        "ok": "true",
        "none": None,
        "list": ["1", "two"],
        "empty": [],
        "nested": {"a": "b"},
        "filter[name]": "x",
        "0bad": "y",
    }


def test_xml_escapes_text() -> None:
    xml = dump_xml({"name": "<script>&</script>"})
    assert b"&lt;script&gt;&amp;&lt;/script&gt;" in xml
    assert load_xml(xml) == {"name": "<script>&</script>"}


def test_entity_expansion_is_refused() -> None:
    bomb = b"""<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>
    <response><a>&lol2;</a></response>"""
    with pytest.raises(BadRequest):
        load_xml(bomb)


def test_external_entities_are_refused() -> None:
    xxe = b"""<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r><a>&x;</a></r>"""
    with pytest.raises(BadRequest):
        load_xml(xxe)


def test_malformed_bodies_are_bad_requests() -> None:
    with pytest.raises(BadRequest):
        decode_body(b"<a>", "application/xml")
    with pytest.raises(BadRequest):
        decode_body(b"{nope", "application/json")
    assert decode_body(b"  ", "application/json") is None
