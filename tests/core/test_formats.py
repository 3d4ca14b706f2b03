import pytest
from starlette.requests import Request

from hostlane.core.errors import BadRequest, UnsupportedMediaType
from hostlane.core.formats import (
    Format,
    decode_body,
    decode_fields,
    decode_request,
    dump_json,
    dump_xml,
    load_xml,
    render,
)


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


# One request decoder for every face.


def _request(body: bytes = b"", content_type: str | None = None, query: str = "", accept: str | None = None) -> Request:
    headers = [(b"content-type", content_type.encode())] if content_type else []
    if accept:
        headers.append((b"accept", accept.encode()))
    scope = {"type": "http", "method": "POST", "path": "/", "query_string": query.encode(), "headers": headers}

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": body, "more_body": False}

    return Request(scope, receive)


@pytest.mark.parametrize(
    ("body", "content_type", "fields"),
    [
        (b'{"a": {"b": 1}}', "application/json", {"a": {"b": 1}}),
        (b"<request><a><b>1</b></a></request>", "application/xml", {"a": {"b": "1"}}),
        (b'{"a": 1}', "application/x-www-form-urlencoded", {"a": 1}),  # curl -d '{…}': JSON with the form type
        (b'{"a": 1}', None, {"a": 1}),
        (b"[1, 2]", "application/json", {}),  # not an object: no fields
        (b"", "application/json", {}),
        (b"", "multipart/form-data; boundary=b", {}),
    ],
)
def test_json_and_xml_bodies_are_fields_too(body: bytes, content_type: str | None, fields: dict[str, object]) -> None:
    assert decode_fields(body, content_type) == fields


@pytest.mark.parametrize(
    ("body", "content_type", "message"),
    [
        (b"{nope", "application/json", "The request body is not valid JSON."),
        (b"{nope", "application/x-www-form-urlencoded", "The request body is not valid JSON."),
        (b"<a>", "application/xml", "The request body is not well-formed XML."),
    ],
)
def test_malformed_bodies_are_refused_as_before(body: bytes, content_type: str, message: str) -> None:
    with pytest.raises(BadRequest) as refused:
        decode_fields(body, content_type)
    assert refused.value.message == message


def test_other_media_types_are_refused() -> None:
    with pytest.raises(UnsupportedMediaType):
        decode_fields(b"a,b", "text/csv")


async def test_the_query_string_counts_only_when_the_face_says_so() -> None:
    request = _request(b"password=body&extra[]=1", "application/x-www-form-urlencoded", "username=q&password=q")
    assert await decode_request(request) == {"password": "body", "extra": ["1"]}
    request = _request(b"password=body&extra[]=1", "application/x-www-form-urlencoded", "username=q&password=q")
    assert await decode_request(request, query=True) == {"username": "q", "password": "body", "extra": ["1"]}
    query_only = _request(query="filter[status]=open&ids[]=1&ids[]=2")
    assert await decode_request(query_only, query=True) == {"filter": {"status": "open"}, "ids": ["1", "2"]}


# The output format.


@pytest.mark.parametrize(
    ("accept", "fmt", "media"),
    [
        (None, None, "application/json"),
        ("application/xml", None, "application/xml"),
        ("application/json", "xml", "application/xml"),  # wbTeamPro: the URL names the format
        ("application/xml", "json", "application/json"),
        (None, "xml", "application/xml"),
    ],
)
def test_an_explicit_format_wins_over_accept(accept: str | None, fmt: Format | None, media: str) -> None:
    response = render(_request(accept=accept), {"n": 1}, 201, {"X-Probe": "yes"}, fmt=fmt)
    assert response.status_code == 201 and response.headers["x-probe"] == "yes"
    assert response.media_type == media
    assert response.body == (dump_json({"n": 1}) if media == "application/json" else dump_xml({"n": 1}))
