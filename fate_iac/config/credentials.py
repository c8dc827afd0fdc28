"""Where a kind's credentials live: every field typed :data:`~fate_iac.config.fields.Credential`,
found by walking the models, so a new credential key needs no list kept beside it.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import Any

from pydantic import BaseModel

from fate_iac.config.fate import PartyConfig
from fate_iac.config.fields import (
    Section,
)
from fate_iac.secrets import Secret


def _credential_paths(
    model: type[BaseModel], prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, ...]]:
    for name, info in model.model_fields.items():
        path = (*prefix, info.alias or name)  # as the config spells it
        if Secret in _leaf_types(info.annotation):
            yield path
        for inner in _leaf_types(info.annotation):
            if isinstance(inner, type) and issubclass(inner, Section):
                yield from _credential_paths(inner, path)


def _leaf_types(annotation: Any) -> list[Any]:
    import typing

    args = typing.get_args(annotation)
    if typing.get_origin(annotation) is typing.Annotated:
        return _leaf_types(args[0])
    if not args:
        return [annotation]
    if typing.get_origin(annotation) in (list, dict):
        return []  # credentials are never inside lists or maps
    return [leaf for arg in args for leaf in _leaf_types(arg)]


@cache
def credential_paths(model: type[BaseModel]) -> tuple[tuple[str, ...], ...]:
    """Where a kind's credentials live: every field typed :data:`Credential`."""
    return tuple(_credential_paths(model))


CREDENTIAL_PATHS: tuple[tuple[str, ...], ...] = credential_paths(PartyConfig)
"""Where credentials live in a party's config; each must be a Pulumi secret."""
