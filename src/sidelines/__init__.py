"""Sidelines: meetings on the sidelines of summits and 1:1 meetings at B2B partnering events."""

__version__ = "0.1.0"
