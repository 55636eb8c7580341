"""``python -m kmsmock serve``: the same as the ``kmsmock`` command."""

import sys

from kmsmock._cli import main

if __name__ == "__main__":
    sys.exit(main())
