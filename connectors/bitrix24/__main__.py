"""`python -m connectors.bitrix24 sync ...` (see cli.py)."""

import sys

from connectors.bitrix24.cli import main

sys.exit(main())
