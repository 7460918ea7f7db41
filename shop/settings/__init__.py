"""Default settings module: the environment decides everything (see base.py)."""

from .base import *  # noqa: F403
