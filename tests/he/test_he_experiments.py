"""Key-size costs (ppml_lab.he.experiments) and their plots and explorer (ppml_lab.viz.homomorphic)."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest

from ppml_lab.he.experiments import format_seconds, key_size_costs, security_bits
from ppml_lab.viz.homomorphic import KeySizeExplorer, plot_aggregation_cost, plot_key_size_costs

SIZES = (128, 256, 512)


@pytest.fixture(scope="module")
def costs():
    return key_size_costs(SIZES, n_repeats=2, rng=3)


def test_costs_are_measured_cached_and_grow_with_the_key(costs):
    assert costs.bits == SIZES and costs.ciphertext_bytes == (32, 64, 128)
    assert costs is key_size_costs(SIZES, n_repeats=2, rng=3)
    assert all(t > 0 for t in costs.encrypt_seconds + costs.decrypt_seconds + costs.add_seconds)
    # r**n mod n**2 costs about bits**2.6: 4 times the bits is far more than 4 times the time
    assert costs.encrypt_seconds[-1] > 3 * costs.encrypt_seconds[0]
    assert costs.plain_add_seconds < min(costs.add_seconds) / 10


def test_point_aggregation_and_summary(costs):
    point = costs.at(512)
    agg = point.aggregation(n_clients=10, dimension=100)
    assert agg.client_seconds == pytest.approx(100 * point.encrypt_seconds)
    assert agg.server_seconds == pytest.approx(9 * 100 * point.add_seconds)
    assert agg.bytes_up == 10 * 100 * 128 and agg.bytes_plain == 10 * 100 * 8
    assert "At 512 bits (broken in practice" in point.summary()
    assert "16 times a float64" in point.summary()


def test_security_bits_and_format_seconds():
    assert [security_bits(b) for b in (256, 1024, 2048, 3072, 7680, 15360)] == [0, 80, 112, 128,
                                                                               192, 256]
    assert format_seconds(2.5e-5) == "25 µs" and format_seconds(7200) == "2 h"


def test_bad_input(costs):
    with pytest.raises(ValueError, match="`bits` must be one of the measured key sizes 128, 256, "
                       "512"):
        costs.at(1024)
    with pytest.raises(ValueError, match="`bits` must be increasing even key sizes"):
        key_size_costs((512, 256))
    with pytest.raises(ValueError, match=r"`bits` must be an integer in \[128, 8192\]"):
        key_size_costs((64,))
    with pytest.raises(TypeError, match="`bits` must be a non-empty sequence"):
        key_size_costs(512)
    with pytest.raises(TypeError, match="`result` must be a KeySizeCosts"):
        plot_key_size_costs(costs.at(256))
    with pytest.raises(TypeError, match="`point` must be a KeySizePoint"):
        plot_aggregation_cost(costs)


def test_plots_draw_without_pyplot_windows(costs, monkeypatch):
    monkeypatch.setattr(plt, "show", lambda *a, **k: pytest.fail("plot called plt.show()"))
    ax = plot_key_size_costs(costs, current=256)
    assert ax.get_xscale() == "log" and "256-bit key (not secure)" in ax.get_title()
    assert [t.get_text() for t in ax.get_legend().get_texts()][0] == "encrypt one number"
    ax = plot_aggregation_cost(costs.at(512), n_clients=10, dimension=100)
    assert "upload 0.1 MB of ciphertexts vs 0.0 MB of float64 (16x)" in ax.get_title()
    plt.close("all")


def test_explorer_moves_without_measuring_again():
    ex = KeySizeExplorer(key_sizes=SIZES, bits=256, n_repeats=2, rng=3)
    assert repr(ex) == "Explorer: Paillier key size" and ex.result.bits == 256
    before = ex.figure.value
    ex.set(bits=512)
    assert ex.result.bits == 512 and ex.figure.value != before
    assert ex.result.costs is ex.costs  # the cached measurement, not a new one
    assert "At 512 bits" in ex.readout.value
    with pytest.raises(ValueError, match="`bits` must be one of the slider's values"):
        ex.set(bits=1024)
    fig = ex.static_figure()
    assert len(fig.subfigs) == 2


def test_moves_redraw_in_place_like_a_full_drawing():
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "viz"))
    from frame_checks import frames

    ex = KeySizeExplorer(key_sizes=SIZES, bits=128, n_repeats=2, rng=3)
    tokens = ex._tokens
    ex.set(bits=512)
    assert ex._tokens == tokens  # the same artists, moved: blitting, not a new drawing
    png, blit, full = frames(ex)
    assert abs(png - blit).mean() < 1.0
    assert (blit != full).any(axis=2).mean() < 2e-3
    ex.set(bits=256)
    assert "256-bit key" in ex._axes[0].get_title()
    assert ex._axes[1].texts[1].get_text() == format_seconds(ex.result.aggregation().client_seconds)
