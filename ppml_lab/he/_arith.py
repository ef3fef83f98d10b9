"""``powmod``: Python's ``pow(base, exp, mod)``, or the same function from gmpy2 if installed.

gmpy2 is an optional speed-up, never required: the lesson's arithmetic is
plain Python, and the results are identical (tested both ways). The speed-up
is measured in benchmarks/README.md.
"""

from __future__ import annotations

__all__ = ["powmod", "USING_GMPY2"]

try:  # optional speed-up: the same modular power, computed by GMP (never required)
    from gmpy2 import powmod as _gmpy2_powmod

    def powmod(base: int, exp: int, mod: int) -> int:
        """``pow(base, exp, mod)`` computed by gmpy2 (installed, so used)."""
        return int(_gmpy2_powmod(base, exp, mod))

    USING_GMPY2 = True
except ImportError:  # the lesson's plain Python: pow with three arguments
    powmod = pow
    USING_GMPY2 = False
