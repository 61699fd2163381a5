"""Tools agents call: a JSON schema each, called by name through a :class:`Toolbox`."""

from reasoning.tools.base import Tool, Toolbox
from reasoning.tools.calculator import calculator_tool

__all__ = ["Tool", "Toolbox", "calculator_tool"]
