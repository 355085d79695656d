"""``python -m authtrace`` is the ``authtrace`` command (CPython only)."""

import sys

from authtrace.host.cli import main

sys.exit(main())
