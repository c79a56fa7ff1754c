import sys

from cli.pack_commands import main

sys.exit(main())
