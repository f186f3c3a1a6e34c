"""CIEDE2000 colour difference (CIE 142-2001), vectorised.

Follows Sharma, Wu & Dalal (2005), "The CIEDE2000 color-difference formula: implementation notes,
supplementary test data, and mathematical observations", including their notes on hue angles
when a chroma is zero and on the mean hue.
"""

from __future__ import annotations

import numpy as np

__all__ = ["delta_e2000"]

_25_POW_7 = 25.0**7


def delta_e2000(
    lab1: np.ndarray, lab2: np.ndarray, k_l: float = 1.0, k_c: float = 1.0, k_h: float = 1.0
) -> np.ndarray:
    """CIEDE2000 difference of CIELAB colours ``lab1`` and ``lab2``, broadcasting over (..., 3).

    L* is 0..100. Returns a float64 array of shape ``broadcast(lab1, lab2).shape[:-1]``;
    a difference of about 1 is just noticeable side by side.
    """
    lab1 = np.asarray(lab1, dtype=np.float64)
    lab2 = np.asarray(lab2, dtype=np.float64)
    if lab1.shape[-1] != 3 or lab2.shape[-1] != 3:
        raise ValueError("delta_e2000 expects arrays shaped (..., 3)")
    L1, a1, b1 = lab1[..., 0], lab1[..., 1], lab1[..., 2]
    L2, a2, b2 = lab2[..., 0], lab2[..., 1], lab2[..., 2]

    c_bar = (np.hypot(a1, b1) + np.hypot(a2, b2)) / 2
    c_bar7 = c_bar**7
    g = 0.5 * (1 - np.sqrt(c_bar7 / (c_bar7 + _25_POW_7)))
    a1p = (1 + g) * a1
    a2p = (1 + g) * a2
    c1p = np.hypot(a1p, b1)
    c2p = np.hypot(a2p, b2)
    # Hue angles in degrees 0..360; defined as 0 where chroma is 0 (Sharma's note 1).
    h1p = np.where((a1p == 0) & (b1 == 0), 0.0, np.degrees(np.arctan2(b1, a1p)) % 360)
    h2p = np.where((a2p == 0) & (b2 == 0), 0.0, np.degrees(np.arctan2(b2, a2p)) % 360)

    d_lp = L2 - L1
    d_cp = c2p - c1p
    chroma_zero = (c1p * c2p) == 0
    dh = h2p - h1p
    dh = np.where(dh > 180, dh - 360, np.where(dh < -180, dh + 360, dh))
    dh = np.where(chroma_zero, 0.0, dh)
    d_hp = 2 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh) / 2)

    l_bar = (L1 + L2) / 2
    c_barp = (c1p + c2p) / 2
    h_sum = h1p + h2p
    h_barp = np.where(
        chroma_zero,
        h_sum,
        np.where(
            np.abs(h1p - h2p) <= 180,
            h_sum / 2,
            np.where(h_sum < 360, (h_sum + 360) / 2, (h_sum - 360) / 2),
        ),
    )
    t = (
        1
        - 0.17 * np.cos(np.radians(h_barp - 30))
        + 0.24 * np.cos(np.radians(2 * h_barp))
        + 0.32 * np.cos(np.radians(3 * h_barp + 6))
        - 0.20 * np.cos(np.radians(4 * h_barp - 63))
    )
    d_theta = 30 * np.exp(-(((h_barp - 275) / 25) ** 2))
    c_barp7 = c_barp**7
    r_c = 2 * np.sqrt(c_barp7 / (c_barp7 + _25_POW_7))
    l50 = (l_bar - 50) ** 2
    s_l = 1 + 0.015 * l50 / np.sqrt(20 + l50)
    s_c = 1 + 0.045 * c_barp
    s_h = 1 + 0.015 * c_barp * t
    r_t = -np.sin(np.radians(2 * d_theta)) * r_c

    tl = d_lp / (k_l * s_l)
    tc = d_cp / (k_c * s_c)
    th = d_hp / (k_h * s_h)
    return np.sqrt(tl**2 + tc**2 + th**2 + r_t * tc * th)
