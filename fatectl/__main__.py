"""``python -m fatectl``: the ``fatectl`` command."""

import sys

from fatectl.main import main

sys.exit(main())
