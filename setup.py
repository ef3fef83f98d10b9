"""What pyproject.toml cannot say: ship notebooks/ and docs/ inside the package.

The notebooks stay where the repository, Binder, nbval and the browser test expect
them (``notebooks/``), and the wheel carries them as package data: setuptools maps
the subpackage ``ppml_lab._notebooks`` to ``notebooks/`` (and ``ppml_lab._docs`` to
``docs/``, which notebooks link to), so ``pip install .`` and the wheel install
``ppml_lab/_notebooks/*.ipynb``. A ``packages.find`` table in pyproject.toml cannot
add a mapped package, hence this file. ``ppml-lab`` (:mod:`ppml_lab.cli`) finds
the notebooks there, or, in an editable install, in the source tree.

Everything else (metadata, dependencies, the ``ppml-lab`` script) is in
pyproject.toml.
"""

from setuptools import find_packages, setup

setup(
    packages=find_packages(include=["ppml_lab", "ppml_lab.*"])
    + ["ppml_lab._notebooks", "ppml_lab._docs"],
    package_dir={"ppml_lab._notebooks": "notebooks", "ppml_lab._docs": "docs"},
    package_data={
        "ppml_lab": ["py.typed", "_present/matplotlibrc",
                     "_present/voila/templates/ppml-present/*"],
        "ppml_lab._notebooks": ["*.ipynb"],
        "ppml_lab._docs": ["*.md"],
    },
)
