"""Form fields as PHP reads them: bracketed names nest, in url-encoded and multipart bodies alike."""

from __future__ import annotations

import httpx
import pytest

from hostlane.core.errors import BadRequest
from hostlane.core.formats import decode_fields
from hostlane.core.forms import urlencoded_fields


@pytest.mark.parametrize(
    ("form", "fields"),
    [
        ("a[b]=c", {"a": {"b": "c"}}),
        ("a[]=1&a[]=2", {"a": ["1", "2"]}),
        ("a[0][x]=y&a[0][z]=w&a[1][x]=v", {"a": [{"x": "y", "z": "w"}, {"x": "v"}]}),
        ("ipaddress[192.0.2.2]=mail.example.com", {"ipaddress": {"192.0.2.2": "mail.example.com"}}),
        ("a%5Bb%5D%5B%5D=c", {"a": {"b": ["c"]}}),  # brackets may come percent-encoded
        ("a[1]=x&a[0]=y", {"a": {"1": "x", "0": "y"}}),  # not 0, 1, … in order: an object, as json_encode says
        ("a[]=1&a[5]=2&a[]=3", {"a": {"0": "1", "5": "2", "6": "3"}}),  # [] appends after the largest index
        ("a=1&a=2", {"a": "2"}),  # the later field wins, as in PHP
        ("a=1&a[b]=2", {"a": {"b": "2"}}),
        ("a[b]=2&a=1", {"a": "1"}),
        ("a[b]c=1", {"a": {"b": "1"}}),  # PHP ignores what follows the last bracket
        ("a[b=1&[x]=2", {"a[b": "1", "[x]": "2"}),  # not an array name: a plain key
        ("name=&b=x", {"b": "x"}),  # a blank top-level field is not sent …
        ("a[]=&a[k]=", {"a": {"0": "", "k": ""}}),  # … but a blank in an array is a value (a PTR to remove)
        ("text=caf%C3%A9+au+lait", {"text": "café au lait"}),
    ],
)
def test_form_fields_nest_as_php_reads_them(form: str, fields: dict[str, object]) -> None:
    assert urlencoded_fields(form) == fields
    assert decode_fields(form.encode(), "application/x-www-form-urlencoded; charset=utf-8") == fields


def test_form_fields_nest_only_so_deep() -> None:
    assert urlencoded_fields("a" + "[x]" * 32 + "=1")["a"]
    with pytest.raises(BadRequest) as refused:
        urlencoded_fields("a" + "[x]" * 33 + "=1")
    assert refused.value.message == "The field a nests deeper than 32 levels."


def test_multipart_text_fields_nest_and_files_are_left_out() -> None:
    request = httpx.Request(
        "POST",
        "http://testserver/",
        data={"subject": "Hello", "tags[]": ["a", "b"], "blank": "", "ünï": "välue", "ptr[192.0.2.2]": ""},
        files={"attachment": ("notes.txt", b"not a field", "text/plain")},
    )
    body = request.read()
    fields = decode_fields(body, request.headers["content-type"])
    assert fields == {"subject": "Hello", "tags": ["a", "b"], "ünï": "välue", "ptr": {"192.0.2.2": ""}}


def test_multipart_in_another_charset() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="text"\r\nContent-Type: text/plain; charset=latin-1\r\n\r\n'
        b'caf\xe9\r\n--b\r\nContent-Disposition: form-data; name="odd"\r\n'
        b"Content-Type: text/plain; charset=no-such-charset\r\n\r\nok\r\n--b--\r\n"
    )
    assert decode_fields(body, "multipart/form-data; boundary=b") == {"text": "café", "odd": "ok"}


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=nowhere"])
def test_malformed_multipart_is_a_bad_request(content_type: str) -> None:
    with pytest.raises(BadRequest) as refused:
        decode_fields(b"not multipart at all", content_type)
    assert refused.value.message == "The request body is not well-formed multipart form data."
