"""The seam between the app and a face: one ``Face`` value per document, exported by the face's package.

``app.py`` mounts the faces' routers, words every failure under a face's prefix with that face's error
renderer, and lists each face as one tag of the OpenAPI document. A new face is one more ``FACE``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter

from hostlane.faces.common import ErrorRenderer


@dataclass(frozen=True, slots=True, eq=False)
class Face:
    """One document's API: where it lives, what it serves, how it words errors and who may call it.
    A face equals only itself."""

    tag: str  # its tag in the OpenAPI document
    description: str  # the tag's description: the document and how a caller authenticates
    prefix: str  # every path of the face starts with it (``/api/application``)
    routers: Sequence[APIRouter]
    error: ErrorRenderer  # a failure anywhere under the prefix, in the document's error shape
    authentication: str  # how a caller authenticates, in a few words
    # The dependency that yields the caller's Principal (or refuses with 401), where the face has one.
    auth: Callable[..., Any] | None = None

    def owns(self, path: str) -> bool:
        return path == self.prefix or path.startswith(self.prefix + "/")

    @property
    def openapi_tag(self) -> dict[str, str]:
        return {"name": self.tag, "description": self.description}


def longest_prefix_first(faces: Iterable[Face]) -> list[Face]:
    """The faces in the order a path is matched against them, so ``/api/1.0`` is tried before ``/api``."""
    return sorted(faces, key=lambda face: len(face.prefix), reverse=True)


def face_for(path: str, faces: Sequence[Face]) -> Face | None:
    """The face that owns ``path``: the one with the longest prefix that is ``path`` or a segment-whole start of it
    (``/api/1.0x`` is not under ``/api/1.0``). ``None`` for a path outside every face."""
    owners = [face for face in faces if face.owns(path)]
    return max(owners, key=lambda face: len(face.prefix), default=None)
