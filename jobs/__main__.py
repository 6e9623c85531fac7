import sys

from jobs.sync import main

sys.exit(main())
