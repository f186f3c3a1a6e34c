"""Pure colour maths: arrays in, arrays out; no IO, no state.

Every function takes float arrays shaped (..., 3). RGB is non-linear code values 0..1,
CIELAB has L* 0..100 (D65).
"""

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.spaces import lab_to_rgb, rgb_to_lab
from gradecli.color.stats import LabStats, lab_stats

__all__ = ["delta_e2000", "rgb_to_lab", "lab_to_rgb", "LabStats", "lab_stats"]
