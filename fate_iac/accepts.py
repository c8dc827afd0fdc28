"""What a typed key accepts, as the configuration reference says it: attached to a field's
type (``Annotated[str, check, Accepts("...")]``), read by :mod:`fate_iac.reference`. Free
of imports, so the config models and the federation record can both carry it."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Accepts:
    """What a typed key accepts, as the configuration reference says it."""

    text: str
