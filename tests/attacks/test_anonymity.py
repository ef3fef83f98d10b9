"""k-anonymity by generalisation and suppression, l-diversity, and the attacks that get past them."""

from __future__ import annotations

import numpy as np
import pytest

from ppml_lab.attacks import (background_knowledge_attack, homogeneity_attack,
                              inference_confidence, k_anonymity, k_anonymize, linkage_attack)
from ppml_lab.attacks.anonymity import _distinct_per_row
from ppml_lab.attacks.linkage import class_sizes
from ppml_lab.datasets import hospital_records, synthetic_population, voter_list


@pytest.fixture(scope="module")
def people():
    return synthetic_population(rng=0)


@pytest.fixture(scope="module")
def voters(people):
    return voter_list(people, rng=0)


@pytest.fixture(scope="module")
def clinic(people):
    return hospital_records(people, 0.01, rng=3)  # 1,000 records: a small clinic


@pytest.mark.parametrize("k", [2, 3, 5, 10])
def test_k_anonymize_gives_classes_of_at_least_k_and_suppresses_little(clinic, k):
    release = k_anonymize(clinic, k, max_suppression=0.05)
    sizes = class_sizes(release.key)
    assert sizes.min() >= k and release.achieved_k == sizes.min()
    assert release.n_suppressed <= 0.05 * len(clinic)
    assert len(release.records) + release.n_suppressed == len(clinic)
    # the release's own generalisation, measured independently, gives the same k
    assert k_anonymity(release.records, release.quasi_identifiers,
                       zip_digits=release.zip_digits, birth=release.birth) == release.achieved_k


def test_the_raw_release_is_not_even_2_anonymous(clinic, people):
    assert k_anonymity(clinic) == 1
    assert k_anonymity(people, ("zip", "sex"), birth="none") > 900


def test_k_anonymity_stops_the_linkage_join(clinic, voters):
    release = k_anonymize(clinic, 5)
    result = linkage_attack(release.records, voters, release.quasi_identifiers,
                            zip_digits=release.zip_digits, birth=release.birth)
    assert result.n_unique_matches == 0  # no voter matches fewer than 5 records
    assert linkage_attack(clinic, voters).n_correct > 300  # the raw release names hundreds


def test_homogeneity_attack_learns_diagnoses_from_a_k_anonymous_release(clinic, voters):
    release = k_anonymize(clinic, 2)
    result = homogeneity_attack(release, voters)
    _, distinct = _distinct_per_row(release.key, release.records.diagnosis)
    targets = np.isin(release.records.person_id, voters.person_id)
    assert result.n_learned == int(np.sum(distinct[targets] == 1)) > 0
    assert result.n_targets == int(targets.sum())


def test_l_diversity_stops_homogeneity_but_not_background_knowledge(clinic, voters):
    release = k_anonymize(clinic, 5, l=2, max_suppression=0.05)
    _, distinct = _distinct_per_row(release.key, release.records.diagnosis)
    assert distinct.min() >= 2 and release.achieved_l >= 2
    assert homogeneity_attack(release, voters).n_learned == 0
    # its limit: ruling out two diagnoses, or reading a skewed class, still learns a lot
    assert background_knowledge_attack(release, voters, ruled_out=2).share > 0.1
    assert inference_confidence(release, voters, threshold=0.6).share > 0.1
    # with three distinct values, ruling out one is not enough
    release3 = k_anonymize(clinic, 5, l=3, max_suppression=0.05)
    assert background_knowledge_attack(release3, voters, ruled_out=1).n_learned == 0


def test_more_background_knowledge_learns_more(clinic, voters):
    release = k_anonymize(clinic, 3)
    shares = [background_knowledge_attack(release, voters, ruled_out=r).share for r in range(4)]
    assert shares == sorted(shares) and shares[0] == homogeneity_attack(release, voters).share


def test_inference_confidence_counts_only_right_guesses(clinic, voters):
    release = k_anonymize(clinic, 5)
    loose = inference_confidence(release, voters, threshold=0.5)
    strict = inference_confidence(release, voters, threshold=1.0)
    assert strict.n_learned == homogeneity_attack(release, voters).n_learned
    assert loose.n_learned >= strict.n_learned


@pytest.mark.parametrize("kwargs, error, name", [
    ({"k": 1}, ValueError, "k"),
    ({"k": 0}, ValueError, "k"),
    ({"k": 2.5}, TypeError, "k"),
    ({"k": True}, TypeError, "k"),
    ({"k": 5, "l": 1}, ValueError, "l"),
    ({"k": 5, "l": 20}, ValueError, "l"),
    ({"k": 5, "max_suppression": 1.5}, ValueError, "max_suppression"),
    ({"k": 5, "quasi_identifiers": ("zip", "postcode")}, ValueError, "quasi_identifiers"),
])
def test_bad_input_names_the_parameter(clinic, kwargs, error, name):
    with pytest.raises(error, match=f"`{name}`"):
        k_anonymize(clinic, **kwargs)


def test_the_k_error_says_how_to_fix_it(clinic):
    with pytest.raises(ValueError, match="Every table is 1-anonymous; pass e.g. k=5"):
        k_anonymize(clinic, 1)


def test_l_above_the_number_of_diagnoses_is_refused(clinic):
    with pytest.raises(ValueError, match=r"`l` must be an integer in \[2, 8\]; got 9"):
        k_anonymize(clinic, 5, l=9)


def test_attacks_check_their_inputs(clinic, voters):
    with pytest.raises(TypeError, match="`release`"):
        homogeneity_attack(clinic, voters)
    release = k_anonymize(clinic, 3)
    with pytest.raises(ValueError, match="`ruled_out`"):
        background_knowledge_attack(release, voters, ruled_out=-1)
    with pytest.raises(ValueError, match="`threshold`"):
        inference_confidence(release, voters, threshold=0.0)
