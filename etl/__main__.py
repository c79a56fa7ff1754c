import sys

from cli.etl_commands import main

sys.exit(main())
