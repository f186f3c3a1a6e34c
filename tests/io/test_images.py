from __future__ import annotations

import cv2
import numpy as np
import pytest

from gradecli.errors import BadInputError, ImageError
from gradecli.io.images import read_image, write_image


def test_rgb_round_trip_8_bit(tmp_path, rng):
    rgb = rng.integers(0, 256, (20, 30, 3)) / 255.0
    write_image(tmp_path / "a.png", rgb)
    img = read_image(tmp_path / "a.png")
    assert img.bit_depth == 8 and img.alpha is None and not img.grayscale
    np.testing.assert_allclose(img.rgb, rgb, atol=1e-12)


def test_16_bit_png_kept_16_bit(tmp_path, rng):
    codes = rng.integers(0, 65536, (10, 12, 3), dtype=np.uint16)
    cv2.imwrite(str(tmp_path / "a.png"), codes[..., ::-1])
    img = read_image(tmp_path / "a.png")
    assert img.bit_depth == 16
    np.testing.assert_allclose(img.rgb, codes / 65535.0)
    write_image(tmp_path / "b.png", img.rgb, bit_depth=16)
    back = cv2.imread(str(tmp_path / "b.png"), cv2.IMREAD_UNCHANGED)
    assert back.dtype == np.uint16
    np.testing.assert_array_equal(back[..., ::-1], codes)


def test_grayscale_and_alpha(tmp_path):
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4) * 20
    cv2.imwrite(str(tmp_path / "g.png"), gray)
    img = read_image(tmp_path / "g.png")
    assert img.grayscale and img.rgb.shape == (3, 4, 3)
    np.testing.assert_allclose(img.rgb[..., 1], gray / 255.0)
    bgra = np.zeros((3, 4, 4), np.uint8)
    bgra[..., 2] = 200
    bgra[..., 3] = 77
    cv2.imwrite(str(tmp_path / "a.png"), bgra)
    img = read_image(tmp_path / "a.png")
    assert img.rgb[0, 0, 0] == pytest.approx(200 / 255) and (img.alpha == 77).all()
    write_image(tmp_path / "o.png", img.rgb, alpha=img.alpha)
    out = cv2.imread(str(tmp_path / "o.png"), cv2.IMREAD_UNCHANGED)
    assert out.shape == (3, 4, 4) and (out[..., 3] == 77).all()


@pytest.mark.parametrize("content", [b"", b"\x89PNG\r\n\x1a\n truncated"])
def test_bad_images(tmp_path, content):
    p = tmp_path / "bad.png"
    p.write_bytes(content)
    with pytest.raises(ImageError, match="bad.png"):
        read_image(p)


def test_missing_and_folder(tmp_path):
    with pytest.raises(BadInputError, match="no such file"):
        read_image(tmp_path / "nope.png")
    with pytest.raises(BadInputError, match="folder"):
        read_image(tmp_path)
    with pytest.raises(BadInputError, match="does not exist"):
        write_image(tmp_path / "no" / "x.png", np.zeros((2, 2, 3)))
