"""Build hook: compiles the native HCN simulator (``dataplane.hns._hcnsim``) with cffi.

Project metadata lives in pyproject.toml. On Windows the real computenetwork.dll is used
and the simulator (POSIX threads) is not built.
"""

import sys

from setuptools import setup

setup(
    cffi_modules=[] if sys.platform == "win32" else ["dataplane/hns/_build_sim.py:ffibuilder"],
)
