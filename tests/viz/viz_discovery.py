"""Every ``plot_*`` function and every explorer class of :mod:`ppml_lab.viz`, found by name.

Shared by the accessibility tests, so that a new plot or explorer is covered
without editing them.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from typing import Any

import ppml_lab.viz
from ppml_lab.viz import Explorer


def _modules():
    for info in pkgutil.iter_modules(ppml_lab.viz.__path__):
        yield importlib.import_module(f"ppml_lab.viz.{info.name}")


def plot_functions() -> dict[str, object]:
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if (name.startswith("plot_") and inspect.isfunction(obj)
                    and obj.__module__ == module.__name__):
                found[name] = obj
    return found


def explorer_classes() -> dict[str, type]:
    found = {}
    for module in _modules():
        for name, obj in vars(module).items():
            if (inspect.isclass(obj) and issubclass(obj, Explorer) and obj is not Explorer
                    and obj.__module__ == module.__name__):
                found[name] = obj
    return found


PLOTS = plot_functions()
EXPLORERS = explorer_classes()


def other_value(control: Any) -> Any:
    """A value of ``control`` other than its current one, as a user could pick it."""
    options = getattr(control, "options", None)
    if options is not None:
        values = [o[1] if isinstance(o, tuple) else o for o in options]
        return next(v for v in reversed(values) if v != control.value)
    if hasattr(control, "base"):  # log slider: min and max are exponents
        low, high = control.base ** control.min, control.base ** control.max
    else:
        low, high = control.min, control.max
    return low if control.value != low else high
