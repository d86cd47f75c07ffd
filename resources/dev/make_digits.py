"""Dev-time script (run once): write resources/digits.npz from scikit-learn's copy of the UCI digits.

    .venv/bin/python resources/dev/make_digits.py

scikit-learn is a dev dependency only; the app reads the .npz with numpy alone.
"""

from pathlib import Path

import numpy as np
from sklearn.datasets import load_digits

OUT = Path(__file__).resolve().parents[1] / "digits.npz"


def main() -> None:
    d = load_digits()
    images = d.images.astype(np.uint8)  # (1797, 8, 8), values 0..16
    labels = d.target.astype(np.uint8)  # (1797,), 0..9
    assert images.max() <= 16 and images.shape == (1797, 8, 8)
    np.savez_compressed(OUT, images=images, labels=labels)
    print(OUT, OUT.stat().st_size, "bytes")


if __name__ == "__main__":
    main()
