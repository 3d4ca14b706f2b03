"""The file store's checks (an image by its bytes, a key by its form) and a multipart body's files."""

from __future__ import annotations

import pytest

from hostlane.core import files
from hostlane.core.forms import UploadedFile, multipart_files
from tests.fixtures.images import GIF, JPEG, PNG, SVG, WEBP


@pytest.mark.parametrize(
    ("data", "found"),
    [
        (PNG, "png"),
        (JPEG, "jpeg"),
        (GIF, "gif"),
        (WEBP, "webp"),
        (SVG, "svg"),
        (b'<?xml version="1.0"?><svg/>', "svg"),
        (b"<svg", None),  # not well-formed
        (b'<!DOCTYPE svg [<!ENTITY x "y">]><svg>&x;</svg>', None),  # no DTD, no entities
        (b"<html><svg/></html>", None),
        (b"GIF88a", None),
        (b"", None),
    ],
)
def test_an_image_is_known_by_its_bytes(data: bytes, found: str | None) -> None:
    assert files.image_format(data) == found


@pytest.mark.parametrize(
    "key",
    ["products/../x.png", "/etc/passwd", "products/1.png", "products/1-0123456789ABCDEF.png", "products/a/1-0.png"],
)
def test_only_keys_the_store_makes_name_a_file(key: str) -> None:
    assert files.path(key) is None


def test_a_made_key_names_a_file_under_the_root() -> None:
    found = files.path("groups/12-0123456789abcdef.webp")
    assert found == files.root() / "groups" / "12-0123456789abcdef.webp"
    assert files.content_type("groups/12-0123456789abcdef.webp") == "image/webp"


def test_a_multipart_body_gives_its_files_by_field() -> None:
    body = (
        b'--b\r\nContent-Disposition: form-data; name="name"\r\n\r\nVPS\r\n'
        b'--b\r\nContent-Disposition: form-data; name="image"; filename="a.png"\r\n'
        b"Content-Type: image/png\r\n\r\n" + PNG + b"\r\n"
        b'--b\r\nContent-Disposition: form-data; name="empty"; filename=""\r\n\r\n\r\n'
        b"--b--\r\n"
    )
    found = multipart_files(body, "multipart/form-data; boundary=b")
    assert found == {"image": UploadedFile("a.png", "image/png", PNG)}
