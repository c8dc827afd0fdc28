"""The args of the Pulumi package's components, written out from the config models.

A program in any Pulumi language gives a component the keys a stack gives in its config,
spelled the same (KubeFATE's names): the package's args are the models' top-level keys,
each typed as what it takes and documented with its model's description, so the model
stays their single source. A section (``rollsite``, ``mysql``...) is an object whose keys
are the section's own (see docs/reference.md); the component validates it as the stack
program does. ``components/fate_pulumi/args.py`` is this module's output
(``python -m fate_iac.component_args > components/fate_pulumi/args.py``); a test keeps it
current.

Two kinds of key may be given as another resource's output, whose value is not known
when the component is built (:data:`PENDING_KEYS` and every credential): they reach only
the outputs and the release values. Every other key decides which resources exist and
how they are named, so it must be known then.
"""

from __future__ import annotations

import textwrap
import types
import typing
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from fate_iac.config import ExchangeConfig, KubeFateServerConfig, PartyConfig, ServingConfig
from fate_iac.config.credentials import credential_paths
from fate_iac.problems import KeyPath
from fate_iac.secrets import Secret

PENDING_KEYS: dict[KeyPath, str] = {("publicHost",): "pending.invalid"}
"""Keys besides credentials that may be another resource's output, each with what stands
in for it while it is not known (a reserved, never-resolving name: the rules that only
need to know the key is set pass; the value is checked once known)."""

RECORDS_KEY = "federationRecords"
"""The one key the package adds (documented below): records given rather than read."""

BESIDE_KEYS = frozenset({"kubefate", "fate-serving"})
"""Keys the stack program turns into a component beside the stack's own: a package user
builds that component (``KubeFateServer``, ``FateServing``) instead."""


class ArgsClass(typing.NamedTuple):
    name: str
    model: type[BaseModel]
    components: str
    records: bool
    filled: frozenset[str] = frozenset()
    """Keys the component fills in (what it deploys says them): optional here."""


ARGS: tuple[ArgsClass, ...] = (
    ArgsClass("FatePartyArgs", PartyConfig, "FateEggrollCluster and FateSparkCluster", True),
    ArgsClass("ExchangeArgs", ExchangeConfig, "Exchange", True, frozenset({"chartName"})),
    ArgsClass("FateServingArgs", ServingConfig, "FateServing", True),
    ArgsClass("KubeFateServerArgs", KubeFateServerConfig, "KubeFateServer", False),
)
"""Each args class, the model its keys come from, and whether it takes records."""


def may_be_pending(path: KeyPath, model: type[BaseModel]) -> bool:
    """Whether the key at ``path`` may be another resource's output (see the module)."""
    return path in PENDING_KEYS or path in credential_paths(model)


def _strip(annotation: Any) -> Any:
    """The type under ``Optional`` and ``Annotated``."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (Union, types.UnionType):
            rest = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(rest) != 1:
                return annotation
            annotation = rest[0]
        else:
            return annotation


def _scalar(annotation: Any) -> str | None:
    annotation = _strip(annotation)
    if annotation is Secret:
        return "str"
    if typing.get_origin(annotation) is Literal:
        kinds = {type(v) for v in typing.get_args(annotation)}
        return _scalar(kinds.pop()) if len(kinds) == 1 else None
    if annotation in (bool, int, float, str):
        return str(annotation.__name__)
    return None


def schema_type(annotation: Any) -> str:
    """The Python type, as the package's schema reads it, of a key of this annotation:
    scalars as themselves, a list of scalars as such, anything else (a section, a list
    of records) as objects of any values."""
    scalar = _scalar(annotation)
    if scalar is not None:
        return scalar
    stripped = _strip(annotation)
    if typing.get_origin(stripped) is list:
        item = _scalar(typing.get_args(stripped)[0])
        return f"list[{item or 'Any'}]"
    return "dict[str, Any]"


def _doc(text: str) -> list[str]:
    lines = textwrap.wrap(text.replace('"""', "'''").replace("\\", "\\\\"), 92)
    lines[0] = '"""' + lines[0]
    lines[-1] += '"""'
    return [f"    {line}" for line in lines]


def _field(key: str, field: FieldInfo, args: ArgsClass) -> list[str]:
    model = args.model
    typ = f"pulumi.Input[{schema_type(field.annotation)}]"
    if field.is_required() and key not in args.filled:
        typ = f"Required[{typ}]"
    doc = (field.description or key).strip()
    if may_be_pending((key,), model):
        doc += " May be another resource's output: it is validated once known."
    return [f"    {key}: {typ}", *_doc(doc)]


def _class(args: ArgsClass) -> list[str]:
    lines = [
        f"class {args.name}(TypedDict, total=False):",
        *_doc(
            f"The args of {args.components}: the keys of its stack config, spelled and "
            "validated the same (see docs/reference.md). Credentials may be other "
            "resources' outputs (secret or not, they are Pulumi secrets in the releases)."
        ),
        "",
    ]
    for key, field in args.model.model_fields.items():
        name = field.alias or key
        if name in BESIDE_KEYS:
            continue
        lines += [*_field(name, field, args), ""]
    if args.records:
        lines += [f"    {RECORDS_KEY}: pulumi.Input[dict[str, Any]]", *_doc(RECORDS_KEY_DOC), ""]
    return lines[:-1]


RECORDS_KEY_DOC = (
    "(package) The federation records of the stacks or components the config names "
    "(peers, members, exchangeStack), by name: another component's federation output, "
    "or a record read elsewhere. Left out, they are read as federationReads says."
)


def source() -> str:
    """The text of ``components/fate_pulumi/args.py``."""
    lines = [
        '"""The args of the package\'s components. Generated by ``python -m',
        "fate_iac.component_args`` from the config models: do not edit (see that module).",
        "",
        "No ``from __future__ import annotations`` here: the component provider reads these",
        'types at run time to infer the package\'s schema."""',
        "",
        "from typing import Any, Required, TypedDict",
        "",
        "import pulumi",
        "",
    ]
    for args in ARGS:
        lines += ["", *_class(args), ""]
    return "\n".join(lines)


if __name__ == "__main__":
    print(source(), end="")
