"""``python -m node.cli``: the same as the ``nashnet`` console script."""

from node.cli import run

run()
