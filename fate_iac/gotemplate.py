"""Go-template semantics of KubeFATE's values-templates, for the Python renderers.

``{{ .x | default d }}``, ``{{- with .x }}`` and ``toYaml`` treat "empty" the Go way;
these helpers do the same so the renderers read like the templates they follow.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import BaseModel
from typing_extensions import TypeIs

from fate_iac.charts import Values as Values  # the values' type: one home, re-exported
from fate_iac.config import Placement, Resources, Storage

_Section = TypeVar("_Section", bound=BaseModel)


def empty(value: object) -> bool:
    """Go template truth: nil, false, 0, "" and empty collections are empty."""
    if isinstance(value, BaseModel):
        return not value.model_fields_set
    return value is None or value is False or value == 0 or value == "" or value in ([], {})


def default(value: Any, fallback: Any) -> Any:
    """Sprig's ``default``: the fallback when the value is empty."""
    return fallback if empty(value) else value


def plain(value: Any) -> Any:
    """A model (or list of them) as the YAML KubeFATE's ``toYaml`` writes."""
    if isinstance(value, BaseModel):
        return {k: plain(v) for k, v in value if v is not None}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value


def with_(target: Values, key: str, value: Any, convert: Callable[[Any], Any] = plain) -> None:
    """``{{- with .value }} key: ...{{- end }}``: write the key only for a non-empty value."""
    if not empty(value):
        target[key] = convert(value)


def placement(target: Values, section: Placement) -> None:
    with_(target, "nodeSelector", section.nodeSelector)
    with_(target, "tolerations", section.tolerations)
    with_(target, "affinity", section.affinity)


def resources(target: Values, resources: Resources | None) -> None:
    with_(target, "resources", resources)


def present(section: _Section | None) -> TypeIs[_Section]:
    """``{{- with .section }}``: a section is written when it is there and not empty."""
    return section is not None and not empty(section)


def volume(section: Storage, storage_class: str | None) -> Values:
    """The persistent-volume keys the template writes for a module with storage."""
    return {
        "existingClaim": section.existingClaim,
        "storageClass": default(section.storageClass, storage_class),
        "accessMode": default(section.accessMode, "ReadWriteOnce"),
        "size": default(section.size, "1Gi"),
    }


def image(
    registry: str | None, pull_policy: str | None, pull_secrets: Any, fallback: str = "federatedai"
) -> Values:
    """The ``image`` block every KubeFATE values-template writes the same way (the fate
    chart v2.0.0 with no registry by default: its images name their own)."""
    block: Values = {
        "registry": default(registry, fallback),
        "isThridParty": not empty(registry),
        "pullPolicy": default(pull_policy, "IfNotPresent"),
    }
    with_(block, "imagePullSecrets", pull_secrets)
    return block
