"""Root pytest configuration: headless plotting for doctests and tests.

The notebooks run in their own kernels (nbval) and are not affected.
"""

import matplotlib

matplotlib.use("Agg")
