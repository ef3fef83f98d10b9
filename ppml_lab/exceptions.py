"""Exceptions and warnings of ppml_lab."""

from __future__ import annotations

__all__ = ["BudgetExceededError", "PrivacyLeakWarning", "PpmlLabWarning"]


class BudgetExceededError(ValueError):
    """A privacy spend was refused because it would exceed the budget.

    The ledger is left unchanged when this is raised.
    """


class PpmlLabWarning(UserWarning):
    """Base class of the warnings of ppml_lab."""


class PrivacyLeakWarning(PpmlLabWarning, RuntimeWarning):
    """A computation leaks privacy beyond the stated epsilon.

    Raised, for example, when clipping bounds are derived from the data
    themselves: the bounds then depend on individual records and are not
    covered by the privacy guarantee.
    """
