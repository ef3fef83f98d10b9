"""``powmod``: Python's ``pow(base, exp, mod)``, or the same function from gmpy2 if installed.

gmpy2 is an optional speed-up, never required: the lesson's arithmetic is
plain Python, and the results are identical (tested both ways). The speed-up
is measured in benchmarks/README.md.
"""

from __future__ import annotations

__all__ = ["powmod", "mulmod", "USING_GMPY2"]

try:  # optional speed-up: the same modular arithmetic, computed by GMP (never required)
    import gmpy2

    def powmod(base: int, exp: int, mod: int) -> int:
        """``pow(base, exp, mod)`` computed by gmpy2 (installed, so used)."""
        return int(gmpy2.powmod(base, exp, mod))

    def mulmod(a: int, b: int, mod: int) -> int:
        """``a * b % mod`` computed by gmpy2 (installed, so used)."""
        return int(gmpy2.mpz(a) * b % mod)

    USING_GMPY2 = True
except ImportError:  # the lesson's plain Python: pow with three arguments, * and %
    powmod = pow

    def mulmod(a: int, b: int, mod: int) -> int:
        """``a * b % mod``."""
        return a * b % mod

    USING_GMPY2 = False
