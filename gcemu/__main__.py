"""``python -m gcemu`` is the ``gcemu`` command."""

import sys

from gcemu.cli import main

sys.exit(main())
