import sys

from cli.metrics_commands import main

sys.exit(main())
