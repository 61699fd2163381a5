"""The node daemon and the ``nashnet`` command line."""

__all__: list[str] = []
