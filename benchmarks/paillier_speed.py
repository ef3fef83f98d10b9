"""The kit's Paillier (ppml_lab.he) against python-paillier (phe), in the same run.

For each key size (1024 and 2048 bits by default) it times, interleaved so that a busy machine
slows both alike:

* ``keygen``: ``paillier_keygen(bits)`` against ``phe.generate_paillier_keypair(n_length=bits)``
  (both from the OS CSPRNG; median of ``--keygens`` runs, which vary a lot: prime search is
  random);
* ``encrypt``: one integer, ``encrypt(pk, m)`` against ``ppk.encrypt(m)`` (both draw a fresh
  ``r`` and compute ``r**n mod n**2``);
* ``add``: two ciphertexts, ``a + b`` in each library (one product mod ``n**2``);
* ``decrypt``: ``decrypt(sk, c)`` (CRT, the default) against ``psk.decrypt(c)`` (CRT too), and
  the kit's textbook formula (``crt=False``) for the lesson.

Each figure is the median time per operation over ``--repeats`` rounds of ``--batch``
operations; the ratio is kit / phe (above 1: the kit is slower), the median of per-round ratios.
Before timing, the two libraries decrypt each other's ciphertexts under one key (a check).

    .venv/bin/python benchmarks/paillier_speed.py [--bits 1024 2048] [--repeats 5]
    PYTHONPATH=/tmp/gmpy2_site .venv/bin/python benchmarks/paillier_speed.py   # with gmpy2

Neither library needs gmpy2; both use it when it is importable (phe always; the kit through
``ppml_lab.he._arith.powmod``), which the header reports. Results are in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
from importlib.metadata import version
import os
import platform
import statistics
import sys
import time
from typing import Callable

from phe import paillier as phe
from phe import util as phe_util

from ppml_lab.he import EncryptedNumber, decrypt, encrypt, paillier_keygen
from ppml_lab.he import _arith as kit_arith


def _per_op(fn: Callable[[], object], batch: int) -> float:
    start = time.perf_counter()
    for _ in range(batch):
        fn()
    return (time.perf_counter() - start) / batch


def _cross_check(bits: int) -> bool:
    pk, sk = paillier_keygen(bits)
    ppk = phe.PaillierPublicKey(pk.n)
    psk = phe.PaillierPrivateKey(ppk, sk.p, sk.q)
    ok = psk.decrypt(phe.EncryptedNumber(ppk, encrypt(pk, -12345).ciphertext, 0)) == -12345
    ok &= decrypt(sk, EncryptedNumber(pk, ppk.encrypt(67890).ciphertext())) == 67890
    s = encrypt(pk, 5) + EncryptedNumber(pk, ppk.encrypt(7).ciphertext())
    return ok and psk.decrypt(phe.EncryptedNumber(ppk, s.ciphertext, 0)) == 12


def bench(bits: int, repeats: int, batch: int, keygens: int) -> dict[str, tuple[float, float]]:
    """{operation: (kit seconds per op, phe seconds per op)} and the paired ratios."""
    times: dict[str, list[tuple[float, float]]] = {}

    for _ in range(keygens):
        t_kit = _per_op(lambda: paillier_keygen(bits), 1)
        t_phe = _per_op(lambda: phe.generate_paillier_keypair(n_length=bits), 1)
        times.setdefault("keygen", []).append((t_kit, t_phe))

    pk, sk = paillier_keygen(bits)
    ppk = phe.PaillierPublicKey(pk.n)
    psk = phe.PaillierPrivateKey(ppk, sk.p, sk.q)
    m = 123456789
    a, b = encrypt(pk, m), encrypt(pk, 42)
    pa, pb = ppk.encrypt(m), ppk.encrypt(42)
    pa.ciphertext(), pb.ciphertext()  # settle phe's lazy obfuscation before timing add
    cases = {
        "encrypt": (lambda: encrypt(pk, m), lambda: ppk.encrypt(m)),
        "add": (lambda: a + b, lambda: pa + pb),
        "decrypt": (lambda: decrypt(sk, a), lambda: psk.decrypt(pa)),
        "decrypt (kit textbook, no CRT)": (lambda: decrypt(sk, a, crt=False),
                                           lambda: psk.decrypt(pa)),
    }
    for kit_fn, phe_fn in cases.values():  # warm-up
        kit_fn(), phe_fn()
    for _ in range(repeats):
        for name, (kit_fn, phe_fn) in cases.items():
            n = batch * 50 if name == "add" else batch
            times.setdefault(name, []).append((_per_op(kit_fn, n), _per_op(phe_fn, n)))
    return {name: (statistics.median(k for k, _ in ts), statistics.median(p for _, p in ts),
                   statistics.median(k / p for k, p in ts)) for name, ts in times.items()}


def main(argv: list[str] | None = None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bits", type=int, nargs="+", default=[1024, 2048])
    parser.add_argument("--repeats", type=int, default=5, help="timed rounds (default 5)")
    parser.add_argument("--batch", type=int, default=10, help="operations per round (default 10)")
    parser.add_argument("--keygens", type=int, default=5, help="key generations per size")
    args = parser.parse_args(argv)

    print("Paillier: ppml_lab.he (lesson code) against phe (python-paillier), same run")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python "
          f"{platform.python_version()}, phe {version('phe')}; gmpy2: phe {'yes' if phe_util.HAVE_GMP else 'no'}, kit "
          f"{'yes' if kit_arith.USING_GMPY2 else 'no'}")
    print(f"cross-check (each decrypts the other's ciphertexts and sums under one key): "
          f"{all(_cross_check(b) for b in args.bits)}")
    results = {}
    for bits in args.bits:
        res = bench(bits, args.repeats, args.batch, args.keygens)
        results[bits] = res
        print()
        header = f"{str(bits) + '-bit key':<31} {'kit ms':>9} {'phe ms':>9} {'kit/phe':>8}"
        print(header)
        print("-" * len(header))
        for name, (k, p, r) in res.items():
            print(f"{name:<31} {k * 1e3:>9.3f} {p * 1e3:>9.3f} {r:>7.2f}x")
    return results


if __name__ == "__main__":
    sys.exit(0 if main() else 1)
