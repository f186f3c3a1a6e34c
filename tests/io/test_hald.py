"""Hald CLUT images: layout, round trips, .cube conversion, level rule, errors, FFmpeg haldclut."""

from __future__ import annotations

import struct
import zlib
from fractions import Fraction

import cv2
import numpy as np
import pytest

from gradecli.color.lut import Lut, apply_u8, build_table_u8
from gradecli.errors import BadInputError, LutError
from gradecli.io.luts import read_lut, write_lut
from gradecli.io.luts.cube import read_cube, write_cube
from gradecli.io.luts.hald import (
    hald_image_to_lut,
    hald_level_for_size,
    lut_to_hald_image,
    read_hald,
    write_hald,
)
from tests.conftest import CUBE_DIR


def grade(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.clip(
        np.stack(
            [
                r**0.8 + 0.1 * np.sin(3 * g),
                g**1.2 + 0.03 * np.cos(5 * b * r),
                np.sqrt(b) * 0.9 + 0.1 * r**3 * g,
            ],
            axis=-1,
        ),
        0.0,
        1.0,
    )


def identity_hald_bgr(level: int, bits: int) -> np.ndarray:
    """An identity Hald CLUT built from the definition, as OpenCV's BGR."""
    n = level * level
    i = np.arange(n**3)
    rgb = np.stack([i % n, (i // n) % n, i // (n * n)], axis=-1) / (n - 1)
    top = (1 << bits) - 1
    img = np.round(rgb * top).astype(np.uint16 if bits == 16 else np.uint8)
    return img.reshape(level**3, level**3, 3)[..., ::-1]


@pytest.mark.parametrize("bits", [8, 16])
@pytest.mark.parametrize("level", [2, 4, 8])
def test_reads_an_independent_identity(tmp_path, level, bits):
    p = tmp_path / "identity.png"
    assert cv2.imwrite(str(p), identity_hald_bgr(level, bits))
    lut = read_hald(p)
    assert lut.size == level * level
    assert lut.is_identity(tol=0.5 / ((1 << bits) - 1) + 1e-12)


@pytest.mark.parametrize("bits", [8, 16])
def test_identity_round_trip(tmp_path, bits):
    p = tmp_path / "id.png"
    write_hald(Lut.identity(36), p, bits=bits)
    raw = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)
    assert raw.shape == (216, 216, 3) and raw.dtype == (np.uint16 if bits == 16 else np.uint8)
    np.testing.assert_array_equal(raw, identity_hald_bgr(6, bits))
    assert read_hald(p).is_identity(tol=0.5 / ((1 << bits) - 1) + 1e-12)


def test_pixel_layout_red_fastest():
    lut = Lut.from_function(grade, 4)
    img = lut_to_hald_image(lut, level=2, bits=16)
    assert img.shape == (8, 8, 3) and img.dtype == np.uint16
    flat = img.reshape(-1, 3)
    n = 4
    for r, g, b in [(1, 0, 0), (0, 1, 0), (0, 0, 1), (3, 2, 1)]:
        expected = np.floor(lut.table[r, g, b] * 65535 + 0.5)
        np.testing.assert_array_equal(flat[r + g * n + b * n * n], expected)


def test_cube_to_hald_to_cube(tmp_path):
    src = Lut.from_function(grade, 36, title="look")
    cube = tmp_path / "look.cube"
    write_cube(src, cube)
    hald = tmp_path / "look.png"
    write_lut(read_lut(cube), hald)
    back = tmp_path / "back.cube"
    write_lut(read_lut(hald), back)
    result = read_cube(back)
    assert result.size == 36
    np.testing.assert_allclose(result.table, src.table, rtol=0, atol=0.5 / 65535 + 1e-9)
    eight = tmp_path / "look8.png"
    write_hald(src, eight, bits=8)
    np.testing.assert_allclose(read_hald(eight).table, src.table, rtol=0, atol=0.5 / 255 + 1e-9)


def test_shared_cube_to_hald(tmp_path):
    path = CUBE_DIR / "colour-science" / "iridas_cube" / "Colour_Correct.cube"
    lut = read_cube(path)  # size 4 = level 2: stored as is, clipped to 0..1
    write_hald(lut, tmp_path / "cc.png")
    back = read_hald(tmp_path / "cc.png")
    np.testing.assert_allclose(back.table, np.clip(lut.table, 0, 1), atol=0.5 / 65535 + 1e-9)


@pytest.mark.parametrize(
    ("size", "level"),
    [(2, 2), (4, 2), (6, 2), (7, 3), (17, 4), (33, 6), (64, 8), (65, 8), (256, 16)],
)
def test_level_rule(size, level):
    assert hald_level_for_size(size) == level


def test_other_sizes_are_resampled_to_the_nearest_level(rng):
    lut = Lut.from_function(grade, 33)
    img = lut_to_hald_image(lut)
    assert img.shape == (216, 216, 3)  # level 6, size 36
    got = hald_image_to_lut(img)
    g = np.linspace(0, 1, 36)
    grid = np.stack(np.meshgrid(g, g, g, indexing="ij"), -1)
    np.testing.assert_allclose(got.table, lut.apply(grid), atol=0.5 / 65535 + 1e-9)
    # Explicit level, shaper, domain and 1D-only LUTs are all evaluated on the Hald grid.
    assert lut_to_hald_image(lut, level=3).shape == (27, 27, 3)
    curves = np.stack([np.linspace(0, 1, 5) ** p for p in (0.5, 1.0, 2.0)], -1)
    one_d = hald_image_to_lut(lut_to_hald_image(Lut(None, shaper=curves), level=3))
    x = rng.random((100, 3))
    np.testing.assert_allclose(one_d.apply(x), Lut(None, shaper=curves).apply(x), atol=0.02)


def test_outputs_are_clipped():
    lut = Lut.from_function(lambda v: v * 3.0 - 1.0, 4)
    img = lut_to_hald_image(lut, bits=8)
    assert img.min() == 0 and img.max() == 255


@pytest.mark.parametrize(
    ("image", "match"),
    [
        (np.zeros((8, 9, 3), np.uint8), "square, this image is 9x8"),
        (np.zeros((100, 100, 3), np.uint8), "100x100 is not a Hald CLUT size"),
        (np.zeros((1, 1, 3), np.uint8), "1x1 is not a Hald CLUT size"),
        (np.zeros((8, 8), np.uint8), "must be an RGB image"),
        (np.zeros((8, 8, 3), np.float32), "8 or 16 bits"),
    ],
)
def test_bad_images(tmp_path, image, match):
    p = tmp_path / "bad.png"
    if image.dtype == np.float32:
        with pytest.raises(LutError, match=match):
            hald_image_to_lut(image, str(p))
        return
    assert cv2.imwrite(str(p), image)
    with pytest.raises(LutError, match=match) as info:
        read_hald(p)
    assert str(info.value).startswith(f"{p}: ")


def test_unreadable_files(tmp_path):
    p = tmp_path / "text.png"
    p.write_text("not an image")
    with pytest.raises(LutError, match="text.png: not a readable image"):
        read_hald(p)
    (tmp_path / "empty.png").write_bytes(b"")
    with pytest.raises(LutError, match="empty file"):
        read_hald(tmp_path / "empty.png")
    with pytest.raises(LutError, match="cannot read"):
        read_hald(tmp_path / "missing.png")


def test_huge_header_sizes_are_refused_before_decoding(tmp_path):
    # Found by tests/io/test_lut_fuzz.py: a PNG whose IHDR claimed 65536x65536 made OpenCV raise
    # cv2.error (more than CV_IO_MAX_IMAGE_PIXELS) instead of a LutError.
    ok, buf = cv2.imencode(".png", identity_hald_bgr(2, 8))
    assert ok
    png = bytearray(buf.tobytes())
    p = tmp_path / "huge.png"
    for w, h, match in [
        (65536, 65536, "65536x65536 is not a Hald CLUT size"),
        (40000, 8, "a Hald CLUT is square, this image is 40000x8"),
        (4096, 4096, "not a readable image"),  # a Hald size, then too little pixel data
    ]:
        png[16:24] = struct.pack(">II", w, h)
        png[29:33] = struct.pack(">I", zlib.crc32(bytes(png[12:29])))  # IHDR's CRC
        p.write_bytes(bytes(png))
        for read in (read_hald, read_lut):
            with pytest.raises(LutError, match=match) as info:
                read(p)
            assert str(info.value).startswith(f"{p}: ")
    # Another format OpenCV refuses with cv2.error: a LutError too.
    ok, buf = cv2.imencode(".bmp", identity_hald_bgr(2, 8))
    assert ok
    bmp = bytearray(buf.tobytes())
    bmp[18:26] = struct.pack("<ii", 60000, 60000)  # BITMAPINFOHEADER width, height
    p = tmp_path / "huge.bmp"
    p.write_bytes(bytes(bmp))
    with pytest.raises(LutError, match=r"huge.bmp: not a readable image \(OpenCV: "):
        read_hald(p)


def test_rgba_is_accepted(tmp_path):
    bgra = np.concatenate([identity_hald_bgr(2, 8), np.full((8, 8, 1), 255, np.uint8)], -1)
    p = tmp_path / "rgba.png"
    assert cv2.imwrite(str(p), bgra)
    assert read_hald(p).is_identity(tol=0.5 / 255 + 1e-12)


def test_bad_arguments(tmp_path):
    with pytest.raises(BadInputError):
        write_hald(Lut.identity(4), tmp_path / "x.png", level=1)
    with pytest.raises(BadInputError):
        write_hald(Lut.identity(4), tmp_path / "x.png", level=17)
    with pytest.raises(BadInputError):
        write_hald(Lut.identity(4), tmp_path / "x.png", bits=12)
    with pytest.raises(BadInputError):
        write_hald("lut", tmp_path / "x.png")  # type: ignore[arg-type]
    assert not (tmp_path / "x.png").exists()


# ------------------------------------------------------------------ FFmpeg's haldclut (via PyAV)


def ffmpeg_haldclut(image: np.ndarray, hald_rgb: np.ndarray) -> np.ndarray:
    av = pytest.importorskip("av")
    graph = av.filter.Graph()
    tb = Fraction(1, 25)
    clut_format = "rgb48le" if hald_rgb.dtype == np.uint16 else "rgb24"
    h, w = image.shape[:2]
    main = graph.add_buffer(width=w, height=h, format="rgb24", time_base=tb, name="main")
    side = hald_rgb.shape[0]
    clut = graph.add_buffer(width=side, height=side, format=clut_format, time_base=tb, name="clut")
    filt = graph.add("haldclut", "interp=tetrahedral")
    sink = graph.add("buffersink")
    main.link_to(filt, 0, 0)
    clut.link_to(filt, 0, 1)
    filt.link_to(sink)
    graph.configure()
    a = av.VideoFrame.from_ndarray(image, format="rgb24")
    b = av.VideoFrame.from_ndarray(np.ascontiguousarray(hald_rgb), format=clut_format)
    a.pts = b.pts = 0
    main.push(a)
    clut.push(b)
    main.push(None)
    clut.push(None)
    return graph.pull().to_ndarray()


@pytest.mark.parametrize("bits", [8, 16])
def test_ffmpeg_haldclut_agrees_within_one_code(tmp_path, rng, bits):
    p = tmp_path / "look.png"
    write_hald(Lut.from_function(grade, 36), p, bits=bits)
    lut = read_hald(p)
    rgb = cv2.imread(str(p), cv2.IMREAD_UNCHANGED)[..., ::-1]
    lv = np.arange(16, dtype=np.uint8) * 17
    grid = np.stack(np.meshgrid(lv, lv, lv, indexing="ij"), -1).reshape(-1, 3)
    image = np.concatenate([grid, rng.integers(0, 256, (4096, 3), dtype=np.uint8)])
    image = image.reshape(128, 64, 3)
    try:
        theirs = ffmpeg_haldclut(image, rgb).astype(int)
    except (ValueError, TypeError, NotImplementedError) as e:  # pragma: no cover
        pytest.skip(f"PyAV cannot build a two-input haldclut graph here: {e}")
    ours = apply_u8(image, build_table_u8(lut)).astype(int)
    assert np.abs(ours - theirs).max() <= 1
