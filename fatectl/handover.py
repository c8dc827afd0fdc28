"""A federation record handed to a partner, as ``fatectl federation record`` and
``fatectl import-kubefate --record`` give it: printed, or written to a file, with its
fingerprint (the partner checks it out of band)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from fate_iac import yamlio
from fate_iac.federation import FederationRecord
from fate_iac.record_file import record_document
from fatectl.terminal import say


def hand_over(record: FederationRecord, out: Path | None, as_json: bool = False) -> int:
    document = record_document(record)
    text = json.dumps(document, indent=2) + "\n" if as_json else yamlio.dump(document)
    if out is None:
        sys.stdout.write(text)
    else:
        out.write_text(text)
        say([f"wrote {out}: {record.kind} {record.partyId}, {document['fingerprint']}"])
    return 0
