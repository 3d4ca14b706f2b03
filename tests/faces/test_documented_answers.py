"""Every operation of the application face, the client area and the client API documents the body its success
answers, in JSON and in XML, so the conformance fuzz (``tests/security/test_fuzz.py``) checks successes too; a file
download (its media type is the file's) and a 204 (no body) are the only exceptions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI

from hostlane.app import FACES
from hostlane.core.formats import JSON, XML
from hostlane.faces import application, client, clientarea
from hostlane.faces.face import Face, face_for

OPERATIONS = ("get", "put", "post", "delete", "patch")
# The operations that answer a file, not a body of the face.
FILES = {
    ("get", "/api/application/storage/{folder}/{name}"),
    ("post", "/api/application/invoices/export"),
    ("post", "/api/application/invoices/{invoice_id}/export"),
    ("get", "/api/application/invoices/{invoice_id}/pdf"),
    ("get", "/api/application/invoices/{invoice_id}/download"),
    ("get", "/api/client/invoices/{invoice_id}/pdf"),
    ("get", "/api/client/invoices/{invoice_id}/download"),
    ("get", "/api/client/tickets/{ticket_id}/attachments/{attachment_id}"),
}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _lists_fields(document: dict[str, Any], schema: dict[str, Any]) -> bool:
    """Whether a body's schema names its fields: an object's, or each of its alternatives' (a list answers a page by
    number or by cursor)."""
    schema = _resolve(document, schema)
    if "anyOf" in schema:
        return all(_lists_fields(document, option) for option in schema["anyOf"])
    return bool(schema.get("properties"))


def _operations(document: dict[str, Any], face: Face) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method, path, operation)
        for path, operations in document["paths"].items()
        if face_for(path, FACES) is face
        for method, operation in operations.items()
        if method in OPERATIONS
    ]


@pytest.mark.parametrize("face", [application.FACE, clientarea.FACE, client.FACE], ids=lambda face: face.tag)
def test_every_success_documents_its_body(shared_app: FastAPI, face: Face) -> None:
    document = shared_app.openapi()
    undocumented = []
    operations = _operations(document, face)
    assert operations
    for method, path, operation in operations:
        successes = {status: answer for status, answer in operation["responses"].items() if status.startswith("2")}
        assert successes, (method, path)
        for status, answer in successes.items():
            if status == "204" or (method, path) in FILES:
                continue
            content = answer.get("content", {})
            schemas = [_resolve(document, content.get(media, {}).get("schema", {})) for media in (JSON, XML)]
            if not all(_lists_fields(document, schema) for schema in schemas) or schemas[0] != schemas[1]:
                undocumented.append(f"{method.upper()} {path} {status}")
    assert undocumented == []


def test_a_row_lists_every_field_it_answers(shared_app: FastAPI) -> None:
    """A row's schema names its fields and refuses any other; its includes are listed but not required."""
    schemas = shared_app.openapi()["components"]["schemas"]
    customer = schemas["Customer"]
    assert customer["additionalProperties"] is False
    assert {"id", "balance", "email_verified_at"} <= set(customer["required"])
    assert "services" in customer["properties"]
    assert "services" not in customer["required"]
    assert customer["properties"]["balance"]["type"] == "number"
    assert {"type": "null"} in customer["properties"]["email_verified_at"]["anyOf"]
