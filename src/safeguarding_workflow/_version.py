"""The library's version, read by the build and by ``safeguarding_workflow.__version__``."""

__version__ = "0.1.0.dev0"
