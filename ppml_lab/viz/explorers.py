"""The explorers of notebooks 00, 02, 03 and 04.

Each one is a few lines of wiring: its controls, the compute function it
calls (:mod:`ppml_lab.dp.experiments`), the plot function it draws with
(:mod:`ppml_lab.viz.plots`) with fixed axis ranges (so that moving a slider
visibly widens or narrows the noise), and its readout. Show one by making it
the last expression of a cell; ``explorer.static_figure()`` gives the same
lesson as a still image.
"""

from __future__ import annotations

from typing import Any

import ipywidgets as widgets
import numpy as np

from .._random import SeedLike
from ..dp.composition_experiments import DEFAULT_STEPS, composition_curves
from ..dp.experiments import (noise_experiment, noisy_count_experiment,
                               randomized_response_experiment)
from ._explorer import MORE_PRIVATE, Explorer, StaticFigure, epsilon_slider, privacy_slider
from .plots import (plot_composition, plot_noise_comparison, plot_noisy_count,
                    plot_randomized_response)

__all__ = ["MORE_PRIVATE", "NoisyCountExplorer", "RandomizedResponseExplorer", "LaplaceGaussianExplorer",
           "CompositionExplorer"]

_WIDE = {"description_width": "initial"}
def _privacy_slider(slider: widgets.Widget, name: str, **kwargs: Any) -> widgets.Widget:
    """Mark a privacy parameter's slider (which end is more private), a little wider."""
    privacy_slider(slider, name, **kwargs)
    slider.layout.width = "430px"
    return slider


def _epsilon_control(value: float = 1.0) -> widgets.FloatLogSlider:
    """The explorers' epsilon slider (0.1 to 10, log), its more private end marked."""
    return _privacy_slider(epsilon_slider(value), "epsilon")


def _selection_slider(values: list[int], value: int, description: str) -> widgets.SelectionSlider:
    return widgets.SelectionSlider(options=[(f"{v:,}", v) for v in values], value=value,
                                   description=description, continuous_update=True, style=_WIDE,
                                   layout=widgets.Layout(width="320px"))


class NoisyCountExplorer(Explorer):
    """Notebook 00: move epsilon and watch a published count of 42 get noisier or sharper.

    Controls: ``epsilon`` (log slider, 0.1 to 10) and a ``resample`` button
    (fresh noise). Left: 2,000 Laplace releases of the count with the one
    that would be published; right: the typical error against epsilon.

    Parameters
    ----------
    epsilon : float, default 1.0
        Starting value of the slider.
    true_count : int, default 42
    rng : None, int or numpy.random.Generator
        Seed of the noise (the same noise is rescaled at every slider move).
    dpi : float, default 90
        Resolution of the live figure.

    Examples
    --------
    >>> ex = NoisyCountExplorer(rng=0)
    >>> ex
    Explorer: a noisy count
    >>> sorted(ex.controls)
    ['epsilon', 'resample']
    >>> ex.set(epsilon=0.5)
    >>> ex.result.scale
    2.0
    """

    title = "a noisy count"
    resample_button = True

    def __init__(self, *, epsilon: float = 1.0, true_count: int = 42, rng: SeedLike = None,
                 dpi: float = 90.0) -> None:
        noisy_count_experiment(epsilon, true_count=true_count, n_samples=1)  # check the inputs
        self._true_count = true_count
        super().__init__(rng=rng, dpi=dpi, epsilon=epsilon)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {"epsilon": _epsilon_control()}

    def _compute(self, values: dict[str, Any], seed: int) -> Any:
        return noisy_count_experiment(values["epsilon"], true_count=self._true_count, rng=seed)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_noisy_count(result, axes=axes, window=(self._true_count - 25, self._true_count + 25),
                         error_ylim=(0.05, 20.0))

    def _readout(self, result: Any) -> str:
        return result.summary()


class RandomizedResponseExplorer(Explorer):
    """Notebook 02: one answer is deniable, yet a population's yes-rate can be estimated.

    Controls: ``epsilon`` (log slider, 0.1 to 10) and ``n_people`` (10 to
    100,000). Left: the estimated yes-rate over 2,000 simulated surveys;
    right: the typical error against epsilon for this population size (it
    shrinks like ``1/sqrt(n_people)``).

    Parameters
    ----------
    epsilon : float, default 1.0
    n_people : int, default 1000
        One of 10, 30, 100, ..., 100,000.
    true_rate : float, default 0.3
        True share of "yes".
    rng : None, int or numpy.random.Generator
    dpi : float, default 90

    Examples
    --------
    >>> ex = RandomizedResponseExplorer(rng=0)
    >>> ex
    Explorer: randomized response
    >>> ex.set(n_people=100000)
    >>> round(ex.result.rmse_theory, 4)
    0.0034
    """

    title = "randomized response"
    people = [10, 30, 100, 300, 1_000, 3_000, 10_000, 30_000, 100_000]

    def __init__(self, *, epsilon: float = 1.0, n_people: int = 1000, true_rate: float = 0.3,
                 rng: SeedLike = None, dpi: float = 90.0) -> None:
        randomized_response_experiment(epsilon, n_people, true_rate=true_rate, n_trials=1)
        self._true_rate = float(true_rate)
        super().__init__(rng=rng, dpi=dpi, epsilon=epsilon, n_people=n_people)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {"epsilon": _epsilon_control(),
                "n_people": _selection_slider(self.people, 1000, "people")}

    def _compute(self, values: dict[str, Any], seed: int) -> Any:
        return randomized_response_experiment(values["epsilon"], values["n_people"],
                                              true_rate=self._true_rate, rng=seed)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_randomized_response(result, axes=axes,
                                 window=(self._true_rate - 0.5, self._true_rate + 0.5),
                                 error_ylim=(0.1, 500.0))

    def _readout(self, result: Any) -> str:
        return result.summary()


class LaplaceGaussianExplorer(Explorer):
    """Notebook 03: Laplace beside Gaussian noise, on a count and on a mean of the same rows.

    Controls: ``epsilon`` (log slider, 0.1 to 10), ``delta`` (1e-10 to 1e-2,
    Gaussian only), both with their more private end (the left) marked;
    ``sensitivity`` (rows one person can add, 0.5 to 10), ``n_rows`` (rows
    behind both queries: the count is ``n_rows`` and the mean, of values in
    [0, 1], is over the same rows, released like :func:`~ppml_lab.dp.dp_mean`
    as a noisy sum over a noisy count) and a ``resample`` button. Top: the
    released values; bottom: the relative standard error against epsilon,
    current setting marked. The readout says what an attacker can conclude:
    from a 50% prior, at most ``e^eps / (1 + e^eps)`` after a Laplace release;
    after a Gaussian one, the same except for outputs whose privacy loss exceeds
    epsilon, which are many times likelier than delta.

    Parameters
    ----------
    epsilon : float, default 1.0
    delta : float, default 1e-5
    sensitivity : float, default 1.0
    n_rows : int, default 1000
        One of 100, 300, 1,000, 3,000, 10,000.
    rng : None, int or numpy.random.Generator
    dpi : float, default 90

    Examples
    --------
    >>> ex = LaplaceGaussianExplorer(rng=0)
    >>> ex
    Explorer: Laplace vs Gaussian
    >>> ex.set(epsilon=1.0)
    >>> ex.readout.value.count("73% sure")
    1
    >>> "16 times delta" in ex.readout.value
    True
    """

    title = "Laplace vs Gaussian"
    panel_shape = (2, 2)
    figsize = (9.0, 5.4)
    static_row_size = (13.0, 2.9)
    resample_button = True
    rows = [100, 300, 1_000, 3_000, 10_000]
    true_mean = 0.4

    def __init__(self, *, epsilon: float = 1.0, delta: float = 1e-5, sensitivity: float = 1.0,
                 n_rows: int = 1000, rng: SeedLike = None, dpi: float = 90.0) -> None:
        super().__init__(rng=rng, dpi=dpi, epsilon=epsilon, delta=delta, sensitivity=sensitivity,
                         n_rows=n_rows)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        controls = {
            "epsilon": _epsilon_control(1.0),
            "delta": _privacy_slider(widgets.FloatLogSlider(
                value=1e-5, base=10.0, min=-10.0, max=-2.0, step=1.0, description="delta",
                readout_format=".0e", continuous_update=True, style=_WIDE,
                layout=widgets.Layout(width="300px")), "delta"),
            "sensitivity": widgets.FloatSlider(
                value=1.0, min=0.5, max=10.0, step=0.5, description="sensitivity",
                readout_format=".1f", continuous_update=True, style=_WIDE,
                layout=widgets.Layout(width="300px")),
            "n_rows": _selection_slider(self.rows, 1000, "rows (count and mean)"),
        }
        return controls

    def _compute(self, values: dict[str, Any], seed: int) -> Any:
        return noise_experiment(values["epsilon"], delta=values["delta"],
                                sensitivity=values["sensitivity"], n_rows=values["n_rows"],
                                true_mean=self.true_mean, rng=seed)

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        n = result.n_rows
        plot_noise_comparison(result, axes=axes, count_window=(n - 30, n + 30),
                              mean_window=(self.true_mean - 0.03, self.true_mean + 0.03),
                              error_ylim=(1e-5, 10.0))

    def _readout(self, result: Any) -> str:
        return result.summary()


class CompositionExplorer(Explorer):
    """Notebook 04: one training run, five epsilons. Which accountant should you trust?

    Controls: ``steps`` (1 to 100,000, a log scale of 1, 3, 10, ...),
    ``noise_multiplier`` (0.5 to 5), ``sample_rate`` (log slider, 0.0001 to 1)
    and ``delta`` (1e-10 to 1e-3). The figure shows epsilon against the number
    of DP-SGD steps (Poisson-subsampled Gaussian) by basic, advanced and optimal
    composition of each step's (eps0, delta0), by RDP and by PLD
    (:func:`~ppml_lab.dp.composition_experiments.composition_curves`), with the
    current number of steps marked; the readout says how much longer the
    tight accountant lets you train for the same epsilon. Nothing is random:
    there is no resample button.

    Parameters
    ----------
    steps : int, default 1000
        One of 1, 3, 10, 30, ..., 100,000.
    noise_multiplier : float, default 1.1
    sample_rate : float, default 0.01
    delta : float, default 1e-5
    rng : None, int or numpy.random.Generator
        Accepted like every explorer's, and unused: nothing here is random.
    dpi : float, default 90

    Examples
    --------
    >>> ex = CompositionExplorer()
    >>> ex
    Explorer: composition
    >>> ex.set(steps=10000)
    >>> round(ex.result.rdp, 2)
    5.63
    """

    title = "composition"
    panel_shape = (1, 1)
    figsize = (8.4, 4.6)
    static_row_size = (9.0, 3.9)
    static_values = (0.8, 1.1, 2.0)
    #: epsilon range of the figure (fixed, so that moving a slider moves the curves)
    ylim = (1e-2, 1e5)

    def __init__(self, *, steps: int = 1000, noise_multiplier: float = 1.1,
                 sample_rate: float = 0.01, delta: float = 1e-5, rng: SeedLike = None,
                 dpi: float = 90.0) -> None:
        super().__init__(rng=rng, dpi=dpi, steps=steps, noise_multiplier=noise_multiplier,
                         sample_rate=sample_rate, delta=delta)

    def _make_controls(self) -> dict[str, widgets.Widget]:
        return {
            "steps": _privacy_slider(
                _selection_slider([int(n) for n in DEFAULT_STEPS], 1000, "steps"), "steps",
                why="fewer noisy releases"),
            "noise_multiplier": _privacy_slider(widgets.FloatSlider(
                value=1.1, min=0.5, max=5.0, step=0.1, description="noise multiplier",
                readout_format=".1f", continuous_update=True, style=_WIDE),
                "noise multiplier", more_private="right", why="more noise in every step"),
            "sample_rate": _privacy_slider(widgets.FloatLogSlider(
                value=0.01, base=10.0, min=-4.0, max=0.0, step=0.25, description="sampling rate",
                readout_format=".2g", continuous_update=True, style=_WIDE),
                "sampling rate", why="each example is in fewer batches"),
            "delta": _privacy_slider(widgets.FloatLogSlider(
                value=1e-5, base=10.0, min=-10.0, max=-3.0, step=1.0, description="delta",
                readout_format=".0e", continuous_update=True, style=_WIDE),
                "delta", why="a smaller chance of a larger loss"),
        }

    def _compute(self, values: dict[str, Any], seed: int) -> Any:
        return composition_curves(values["noise_multiplier"], values["sample_rate"],
                                  values["delta"], steps=values["steps"])

    def _plot(self, result: Any, axes: np.ndarray) -> None:
        plot_composition(result, ax=axes[0], ylim=self.ylim)

    def _readout(self, result: Any) -> str:
        return result.summary()

    def static_figure(self, values: Any = None, *,
                      parameter: str = "noise_multiplier") -> StaticFigure:
        """Small multiples: one row per noise multiplier (by default 0.8, 1.1 and 2.0).

        Any other control can be varied instead, e.g.
        ``static_figure([0.001, 0.01, 0.1], parameter="sample_rate")``.
        """
        if values is None and parameter == "noise_multiplier":
            values = self.static_values
        return super().static_figure(values, parameter=parameter)
