"""Attack success figures of notebook 01 (issue 10): linkage, k-anonymity, differencing and
reconstruction, each beside the defence that should stop it.

Everything is seeded (the synthetic population with rng=0 unless said), so the output is the
same on every run; only the timing line varies.

Run:  .venv/bin/python benchmarks/anonymisation_attacks.py
"""

from __future__ import annotations

import math
import time

import numpy as np

from ppml_lab.attacks import (background_knowledge_attack, differencing_attack,
                              differencing_success_probability, homogeneity_attack,
                              inference_confidence, k_anonymize, linkage_attack, quasi_identifier_key,
                              reconstruct, reconstruction_attack, subset_queries,
                              uniqueness_table)
from ppml_lab.attacks.linkage import class_sizes
from ppml_lab.datasets import hospital_records, synthetic_population, voter_list
from ppml_lab.dp import GaussianMechanism, LaplaceMechanism


def main() -> None:
    start = time.perf_counter()
    people = synthetic_population(rng=0)
    build = time.perf_counter() - start
    voters, records = voter_list(people, rng=0), hospital_records(people, 0.5, rng=0)
    print(f"synthetic population of {len(people):,} built in {build * 1e3:.0f} ms; "
          f"{len(voters):,} voters, {len(records):,} released records")

    print("\n1. Uniqueness (Sweeney 2000: 87% on ZIP code, birth date and sex)")
    print(uniqueness_table(people))
    shares = [uniqueness_table(synthetic_population(rng=s)).rows[0].unique for s in range(5)]
    print(f"   over 5 seeds: {min(shares):.1%} to {max(shares):.1%}")

    print("\n2. Linkage: the half release joined with the voter list")
    for zip_digits, birth in [(5, "day"), (3, "day"), (5, "month"), (5, "year"), (3, "decade")]:
        r = linkage_attack(records, voters, zip_digits=zip_digits, birth=birth)
        precision = f"{r.precision:.1%}" if r.n_unique_matches else "n/a"
        print(f"   ZIP {zip_digits} digits, birth {birth:>6}: {r.n_correct:>6,} of "
              f"{r.n_voters_in_release:,} voters in the release named correctly "
              f"({r.reidentified_share:.1%}); unique matches right: {precision}; "
              f"diagnoses pinned down: {r.n_diagnosis_learned:,}")

    print("\n3. k-anonymity on a 1,000-record clinic (hospital_records(people, 0.01, rng=3))")
    clinic = hospital_records(people, 0.01, rng=3)
    print(f"   raw release: {linkage_attack(clinic, voters).n_correct} voters named correctly")
    for k, l in [(2, None), (3, None), (5, None), (5, 2), (5, 3)]:
        release = k_anonymize(clinic, k, l=l)
        joined = linkage_attack(release.records, voters, release.quasi_identifiers,
                                zip_digits=release.zip_digits, birth=release.birth)
        shares = [homogeneity_attack(release, voters).share,
                  background_knowledge_attack(release, voters, ruled_out=1).share,
                  background_knowledge_attack(release, voters, ruled_out=2).share,
                  inference_confidence(release, voters, threshold=0.6).share]
        print(f"   k={k}, l={l or '-'} ({release.released}): unique matches {joined.n_unique_matches}; "
              f"homogeneity {shares[0]:.1%}, 1 ruled out {shares[1]:.1%}, 2 ruled out "
              f"{shares[2]:.1%}, >= 60% sure {shares[3]:.1%}")

    print("\n4. Differencing: two counts over a ZIP code, the target unique on its three values")
    unique = class_sizes(quasi_identifier_key(people)) == 1
    target = int(np.flatnonzero(unique & (people.diagnosis == "HIV"))[0])
    exact = differencing_attack(people, target, min_query_size=100)
    print(f"   exact answers ({exact.size_all} and {exact.size_without_target} records, minimum "
          f"size 100 passed): right {exact.success_rate:.0%}")
    for epsilon in [0.1, 0.5, 1.0, 2.0, 5.0]:
        trials = 100_000
        r = differencing_attack(people, target, epsilon=epsilon, n_trials=trials, rng=1)
        se = math.sqrt(0.25 / trials)
        print(f"   Laplace, epsilon {epsilon:>3} per answer: right {r.success_rate:.2%} "
              f"(closed form {differencing_success_probability(epsilon):.2%}, SE {se:.2%})")

    print("\n5. Reconstruction (Dinur-Nissim): n = 100 bits, sqrt(n) = 10; mean over 20 databases")
    print(f"   {'noise':>6}" + "".join(f"{q:>8,}" for q in (100, 200, 400, 800, 1600))
          + "  queries (least squares)")
    for noise in [0, 1, 2, 5, 10, 20, 50, 100, 1000]:
        row = [np.mean([reconstruction_attack(100, q, float(noise), rng=s).fraction
                        for s in range(20)]) for q in (100, 200, 400, 800, 1600)]
        print(f"   {noise:>6}" + "".join(f"{f:>8.1%}" for f in row))
    for noise in [2.0, 5.0, 10.0]:
        start = time.perf_counter()
        lp = np.mean([reconstruction_attack(100, 400, noise, method="lp", rng=s).fraction
                      for s in range(10)])
        lp_time = (time.perf_counter() - start) / 10
        start = time.perf_counter()
        ls = np.mean([reconstruction_attack(100, 400, noise, rng=s).fraction for s in range(10)])
        ls_time = (time.perf_counter() - start) / 10
        print(f"   noise {noise:>4}, 400 queries, 10 databases: least squares {ls:.1%} "
              f"({ls_time * 1e3:.1f} ms), linear program {lp:.1%} ({lp_time * 1e3:.0f} ms)")
    for name, mechanism in [("Laplace", LaplaceMechanism(1.0 / 400)),
                            ("Gaussian", GaussianMechanism(1.0 / 400, 1e-5 / 400))]:
        fractions = []
        for seed in range(20):
            g = np.random.default_rng(seed)
            secret = g.integers(0, 2, size=100)
            queries = subset_queries(100, 400, rng=g)
            answers = mechanism.release((queries @ secret).astype(float), rng=g)
            fractions.append(np.mean(reconstruct(queries, answers) == secret))
        print(f"   DP answers, {name}, epsilon 1 in total over 400 queries: "
              f"{np.mean(fractions):.1%} recovered (binomial SE over 2,000 bits: 1.1%)")


if __name__ == "__main__":
    main()
