"""Replicate the bilinear-loss paper's experiments: ``python -m sklimb.replicate``.

The same as the ``sklimb-replicate`` command; see
:mod:`sklimb.experiments.cli` and ``python -m sklimb.replicate --help``.
"""

import sys

from sklimb.experiments.cli import main

if __name__ == "__main__":
    sys.exit(main())
