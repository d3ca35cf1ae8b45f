"""The ``sidelines`` command line."""
