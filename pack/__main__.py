import sys

from pack.cli import main

sys.exit(main())
