"""Root pytest configuration: headless plotting for doctests and tests.

The notebooks run in their own kernels (nbval) and are not affected.
"""

import matplotlib

matplotlib.use("Agg")


def _flwr_missing() -> bool:
    try:
        import flwr  # noqa: F401
    except ImportError:
        return True
    return False


# ppml_lab.federated.flower.apps and .secagg_workflow import Flower at import time (the
# optional extra): without flwr, doctest collection skips those two modules; their tests
# say why they skip. (`make test-oldest` runs the suite without flwr.)
FLWR_MODULES = ["ppml_lab/federated/flower/apps.py", "ppml_lab/federated/flower/secagg_workflow.py"]
collect_ignore = FLWR_MODULES if _flwr_missing() else []


import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    """Close what a test or doctest drew, so hundreds of figures do not pile up."""
    yield
    import matplotlib.pyplot as plt

    plt.close("all")
