"""Build hook: the optional C extension (the 8-bit Y'CbCr table kernel's inner loop) and the
bundled model weights.

Everything else is in pyproject.toml. Without a C compiler the build skips the extension
(``optional=True``) and gradecli uses its numpy kernel, which gives identical results.
"""

import sys
from glob import glob

from setuptools import Extension, setup

ARGS = [] if sys.platform == "win32" else ["-O3"]

setup(
    # The bundled style model (weights/ at the top of the repository) goes with wheels too.
    data_files=[
        ("share/gradecli/weights", sorted(glob("weights/*.onnx")) + ["weights/MODEL_CARD.md"])
    ],
    ext_modules=[
        Extension(
            "gradecli.engine._yuvtable",
            ["gradecli/engine/_yuvtable.c"],
            extra_compile_args=ARGS,
            optional=True,
        )
    ]
)
