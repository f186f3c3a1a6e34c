"""Build hook for the one optional C extension (the 8-bit Y'CbCr table kernel's inner loop).

Everything else is in pyproject.toml. Without a C compiler the build skips the extension
(``optional=True``) and gradecli uses its numpy kernel, which gives identical results.
"""

import sys

from setuptools import Extension, setup

ARGS = [] if sys.platform == "win32" else ["-O3"]

setup(
    ext_modules=[
        Extension(
            "gradecli.engine._yuvtable",
            ["gradecli/engine/_yuvtable.c"],
            extra_compile_args=ARGS,
            optional=True,
        )
    ]
)
