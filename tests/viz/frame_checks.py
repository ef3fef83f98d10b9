"""The three frames a blitting test compares, shared by the explorer tests.

An explorer redraws only its changing artists over a kept background
(blitting, see ``ppml_lab.viz._explorer``). A test checks that the frame it
sent looks like a full drawing; this module produces the frames, each test
keeps its own tolerances.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from ppml_lab.viz.plots import dynamic_artists


def frames(explorer) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """RGB arrays (int) of the PNG sent, the blitted canvas it came from, and a full drawing.

    The full drawing draws every artist (none left out as "animated") on the
    same figure, then the artists are marked animated again, so the explorer
    keeps working as before.
    """
    blit = np.asarray(explorer._fig.canvas.buffer_rgba())[..., :3].astype(int)
    png = np.asarray(Image.open(io.BytesIO(explorer.figure.value)).convert("RGB")).astype(int)
    artists = dynamic_artists(explorer._axes)[1]
    for artist in artists:
        artist.set_animated(False)
    explorer._fig.canvas.draw()
    full = np.asarray(explorer._fig.canvas.buffer_rgba())[..., :3].astype(int)
    for artist in artists:
        artist.set_animated(True)
    return png, blit, full
