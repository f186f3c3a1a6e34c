""".cube reading and writing: conformance with colour-science and FFmpeg, round trips, errors."""

from __future__ import annotations

import os
import warnings
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest

from gradecli.color.lut import Lut, apply_u8, build_table_u8
from gradecli.errors import BadInputError, LutError
from gradecli.io.luts import read_lut, write_lut
from gradecli.io.luts.cube import format_cube, parse_cube, read_cube, write_cube
from tests.conftest import CUBE_DIR

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # colour warns that matplotlib is missing
    import colour

CUBE_FILES = sorted(CUBE_DIR.rglob("*.cube"))


def grade(rgb: np.ndarray) -> np.ndarray:
    r, g, b = rgb[..., 0], rgb[..., 1], rgb[..., 2]
    return np.stack(
        [
            r**0.8 + 0.1 * np.sin(3 * g) - 0.02,
            g**1.2 + 0.03 * np.cos(5 * b * r),
            np.sqrt(b) * 0.9 + 0.2 * r**3 * g + 0.05,
        ],
        axis=-1,
    )


def write_text(tmp_path: Path, text: str, name: str = "t.cube", newline: str = "\n") -> Path:
    p = tmp_path / name
    p.write_bytes(text.replace("\n", newline).encode("utf-8"))
    return p


# ------------------------------------------------------------------ conformance


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(CUBE_DIR))) for p in CUBE_FILES],
)
def test_shared_files_match_colour_science(path, rng):
    ours = read_cube(path)
    ref = colour.read_LUT(str(path))
    d = ours.input_domain
    inside = d[0] + rng.random((4000, 3)) * (d[1] - d[0])
    inside[:8] = [[d[i, 0], d[j, 1], d[k, 2]] for i in (0, 1) for j in (0, 1) for k in (0, 1)]
    np.testing.assert_allclose(ours.apply(inside, "trilinear"), ref.apply(inside), atol=1e-4)
    outside = d[0] - 1.0 + rng.random((2000, 3)) * (d[1] - d[0] + 2.0)
    clamped = np.clip(outside, d[0], d[1])
    for method in ("trilinear", "tetrahedral"):
        np.testing.assert_array_equal(ours.apply(outside, method), ours.apply(clamped, method))


@pytest.mark.parametrize(
    "path",
    [pytest.param(p, id=str(p.relative_to(CUBE_DIR))) for p in CUBE_FILES],
)
def test_shared_files_round_trip(path, tmp_path):
    lut = read_cube(path)
    out = tmp_path / "copy.cube"
    write_cube(lut, out)
    again = read_cube(out)
    assert out.read_text() == format_cube(again)
    assert again.title == lut.title and again.comments == lut.comments
    for name in ("table", "shaper"):
        a, b = getattr(lut, name), getattr(again, name)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_allclose(b, a, rtol=0, atol=5.01e-11)


def test_shared_file_details():
    lut = read_cube(CUBE_DIR / "ocio" / "iridas_3d.cube")
    assert lut.title == "A test 3D-LUT."
    np.testing.assert_array_equal(lut.domain, [[0, 1, 0], [2, 2, 1]])
    np.testing.assert_array_equal(lut.table[1, 0, 0], [2, 0, 0])  # second row: red index 1
    np.testing.assert_array_equal(lut.table[0, 1, 0], [0, 2, 0])
    lut = read_cube(CUBE_DIR / "ocio" / "resolve_1d3d.cube")
    assert (lut.shaper_size, lut.size) == (6, 3)
    np.testing.assert_array_equal(lut.shaper_domain, [[-1] * 3, [3] * 3])
    np.testing.assert_array_equal(lut.domain, [[0] * 3, [4] * 3])
    lut = read_cube(CUBE_DIR / "colour-science" / "iridas_cube" / "Demo.cube")
    assert lut.comments == ("Comments can go anywhere",)
    # LUT_1D_INPUT_RANGE in a 3D-only file is ignored, as colour-science and OpenColorIO do.
    lut = read_cube(CUBE_DIR / "colour-science" / "resolve_cube" / "eotf_sRGB_3D.cube")
    np.testing.assert_array_equal(lut.domain, [[0] * 3, [1] * 3])


# ------------------------------------------------------------------ syntax accepted

BASIC = """TITLE "My LUT # not a comment"
# first comment
LUT_3D_SIZE 2

0 0 0
1 0 0 # trailing comment
0 1 0
# a comment between rows
1 1 0
0 0 1
1 0 1
0 1 1
1 1 1.0e0
"""


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"], ids=["LF", "CRLF", "CR"])
def test_parse_basic_file(tmp_path, newline):
    lut = read_cube(write_text(tmp_path, BASIC, newline=newline))
    assert lut.title == "My LUT # not a comment"
    assert lut.comments == ("first comment", "a comment between rows")
    assert lut.is_identity(tol=0)


def test_parse_variants():
    rows = "\n".join(f"{i % 2} {(i // 2) % 2} {i // 4}" for i in range(8))
    assert parse_cube(f"\ufeffTITLE unquoted words\nLUT_3D_SIZE 2\n{rows}\n").title == (
        "unquoted words"
    )
    lut = parse_cube(f"lut_3d_size 2\ndomain_max 2 2 2\n{rows}\n")  # keywords in any case
    np.testing.assert_array_equal(lut.domain[1], [2, 2, 2])
    lut = parse_cube(f"LUT_IN_VIDEO_RANGE\nLUT_3D_SIZE 2\n{rows}\n")  # unknown keywords ignored
    assert lut.size == 2
    lut = parse_cube(f"\n\n   \t\nLUT_3D_SIZE 2\n\n{rows}\n\n\n")
    assert lut.is_identity(tol=0)


@pytest.mark.parametrize(
    "header",
    [
        "LUT_3D_INPUT_RANGE -1 3\nLUT_3D_SIZE 2",
        "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -1 3",
        "DOMAIN_MIN -1 -1 -1\nLUT_3D_SIZE 2\nDOMAIN_MAX 3 3 3",
        "LUT_3D_SIZE 2\nDOMAIN_MIN -1 -1 -1\nDOMAIN_MAX 3 3 3\nLUT_3D_INPUT_RANGE -1 3",
        "LUT_1D_INPUT_RANGE 5 6\nLUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE -1 3",  # 1D range ignored
    ],
)
def test_input_range_in_any_position(header):
    rows = "\n".join(f"{i % 2} {(i // 2) % 2} {i // 4}" for i in range(8))
    lut = parse_cube(f"{header}\n{rows}\n")
    np.testing.assert_array_equal(lut.domain, [[-1] * 3, [3] * 3])


@pytest.mark.parametrize("order", ["1d-first", "3d-first"])
def test_resolve_shaper_plus_3d(order):
    heads = ["LUT_1D_SIZE 3\nLUT_1D_INPUT_RANGE 0 2", "LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 0 4"]
    if order == "3d-first":
        heads.reverse()
    shaper = "0 0 0\n1 1 1\n4 4 4"
    rows = "\n".join(f"{4 * (i % 2)} {4 * ((i // 2) % 2)} {4 * (i // 4)}" for i in range(8))
    lut = parse_cube("\n".join(heads) + f"\n{shaper}\n{rows}\n")
    assert (lut.shaper_size, lut.size) == (3, 2)
    np.testing.assert_array_equal(lut.shaper[2], [4, 4, 4])
    np.testing.assert_allclose(lut.apply(np.array([0.5, 1.0, 2.0])), [0.5, 1.0, 4.0])


# ------------------------------------------------------------------ errors

ROWS8 = "\n".join(f"{i % 2} {(i // 2) % 2} {i // 4}" for i in range(8))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        (f"LUT_3D_SIZE 2\n{ROWS8}\n0 0 0\n", "expected 8 table rows"),
        ("LUT_3D_SIZE 2\n0 0 0\n1 1 1\n", "expected 8 table rows"),
        ("LUT_1D_SIZE 3\nLUT_3D_SIZE 2\n" + ROWS8, "expected 11 table rows"),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('1 1 1', 'nan 1 1')}\n", "line 9: NaN or infinite"),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', 'inf 1 1')}\n", "line 8: NaN or infinite"),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', '-Infinity 1 1')}\n", "NaN or infinite"),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', '0 x 1')}\n", "line 8: not a number .*'x'"),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', 'red green blue')}\n", "line 8: text in"),
        (f"LUT_3D_SIZE 2\n{ROWS8}\nLUT_3D_SIZE 2\n", "LUT_3D_SIZE after the table"),
        ("LUT_3D_SIZE 1\n0 0 0\n", "LUT_3D_SIZE 1 is outside 2..256"),
        (f"LUT_3D_SIZE 257\n{ROWS8}\n", "LUT_3D_SIZE 257 is outside 2..256"),
        (f"LUT_3D_SIZE 2.0\n{ROWS8}\n", "needs one whole number"),
        (f"LUT_3D_SIZE\n{ROWS8}\n", "needs one whole number"),
        (f"LUT_1D_SIZE 65537\n{ROWS8}\n", "outside 2..65536"),
        (f"LUT_1D_SIZE 00000000065537\n{ROWS8}\n", "LUT_1D_SIZE 65537 is outside 2..65536"),
        # Found by tests/io/test_lut_fuzz.py: int() refuses strings of over 4300 digits.
        (f"LUT_3D_SIZE {'9' * 5000}\n{ROWS8}\n", r"99999999\.\.\.\(5000 digits\) is outside"),
        (f'TITLE "x"\n{ROWS8}\n', "missing LUT_3D_SIZE or LUT_1D_SIZE"),
        (
            f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', '0 1')}\n",
            "line 8: expected 3 numbers.*found 2",
        ),
        (f"LUT_3D_SIZE 2\n{ROWS8.replace('0 1 1', '0 1 1 1')}\n", "expected 3 numbers.*found 4"),
        (f"LUT_3D_SIZE 2\nLUT_3D_SIZE 2\n{ROWS8}\n", "line 2: LUT_3D_SIZE repeated"),
        (f"LUT_3D_SIZE 2\nDOMAIN_MIN 0 0\n{ROWS8}\n", "DOMAIN_MIN needs 3 numbers"),
        (f"LUT_3D_SIZE 2\nDOMAIN_MAX 1 nan 1\n{ROWS8}\n", "DOMAIN_MAX has NaN"),
        (f"LUT_3D_SIZE 2\nDOMAIN_MAX 1 a 1\n{ROWS8}\n", "DOMAIN_MAX values must be numbers"),
        (f"LUT_3D_SIZE 2\nDOMAIN_MIN 1 0 0\n{ROWS8}\n", "below its maximum"),
        (f"LUT_3D_SIZE 2\nLUT_3D_INPUT_RANGE 1\n{ROWS8}\n", "needs 2 numbers"),
        (f"LUT_3D_SIZE 2\nDOMAIN_MAX 2 2 2\nLUT_3D_INPUT_RANGE 0 3\n{ROWS8}\n", "disagree"),
        (f"LUT_1D_SIZE 2\nLUT_3D_SIZE 2\nDOMAIN_MAX 2 2 2\n0 0 0\n1 1 1\n{ROWS8}\n", "ambiguous"),
        (f'TITLE "open\nLUT_3D_SIZE 2\n{ROWS8}\n', "no closing quote"),
        (f'TITLE "a" b\nLUT_3D_SIZE 2\n{ROWS8}\n', "text after the quoted TITLE"),
    ],
)
def test_malformed_files_raise_lut_error_naming_file_and_problem(tmp_path, text, match):
    p = write_text(tmp_path, text, name="bad lut.cube")
    with pytest.raises(LutError, match=match) as info:
        read_cube(p)
    message = str(info.value)
    assert message.startswith(f"{p}: ")
    assert "\n" not in message


@pytest.mark.parametrize(
    ("content", "match"),
    [
        (b"", "empty file"),
        (b"  \n\n \r\n", "empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
    ],
)
def test_empty_and_binary_files(tmp_path, content, match):
    p = tmp_path / "x.cube"
    p.write_bytes(content)
    with pytest.raises(LutError, match=match):
        read_cube(p)


def test_unreadable_files(tmp_path):
    with pytest.raises(LutError, match="missing.cube: cannot read"):
        read_cube(tmp_path / "missing.cube")
    folder = tmp_path / "folder.cube"
    folder.mkdir()
    with pytest.raises(LutError, match="folder.cube: cannot read"):
        read_cube(folder)


# ------------------------------------------------------------------ writing


def sample_luts() -> dict[str, Lut]:
    dom = np.array([[-0.1, 0.0, 0.2], [1.5, 2.0, 0.9]])
    x = np.linspace(-0.25, 2.0, 40)
    shaper = np.stack([np.clip(x, 0, None) ** p for p in (0.45, 0.5, 0.55)], -1)
    return {
        "3d": Lut.from_function(grade, 17, title="a grade", comments=("one", "two")),
        "3d-domain": Lut.from_function(lambda v: grade(np.clip(v, 0, None)), 5, dom),
        "1d": Lut(None, shaper=shaper, shaper_domain=[[-0.25] * 3, [2.0] * 3], title="1D"),
        "1d-domain": Lut(None, shaper=shaper[:, ::-1], shaper_domain=dom),
        "shaper+3d": Lut(
            Lut.from_function(grade, 9).table,
            [[0.0] * 3, [1.2] * 3],
            shaper,
            [[-0.25] * 3, [2.0] * 3],
            title='quote " inside',
        ),
        "tiny values": Lut(Lut.identity(2).table * 1e-12 - 3e-11),
    }


@pytest.mark.parametrize("name", list(sample_luts()))
def test_write_read_round_trip_is_exact_to_printed_precision(tmp_path, name):
    lut = sample_luts()[name]
    p = tmp_path / "lut.cube"
    write_cube(lut, p)
    text = p.read_text()
    back = read_cube(p)
    p2 = tmp_path / "again.cube"
    write_cube(back, p2)
    assert p2.read_bytes() == p.read_bytes()
    for field in ("table", "shaper", "domain", "shaper_domain"):
        a, b = getattr(lut, field), getattr(back, field)
        assert (a is None) == (b is None)
        if a is not None:
            np.testing.assert_array_equal(b, np.round(a, 10) + 0.0)
    assert back.title == lut.title.replace('"', "'")
    assert back.comments == lut.comments
    assert "-0 " not in text and "-0\n" not in text
    assert "e-" not in text and "e+" not in text  # fixed point only


def test_huge_values_are_written_whole_not_as_inf(tmp_path):
    # np.round(x, 10) overflows to inf for |x| above ~1.8e298: such a LUT, which reads fine, was
    # written with "inf" in its rows and could not be read back.
    values = np.array([[0.0, 1.0, -1e300], [2.0**52 + 2, 1.7976931348623157e308, 0.5]])
    lut = Lut(None, shaper=values, shaper_domain=[[-1e308] * 3, [1e308] * 3])
    p = tmp_path / "huge.cube"
    write_cube(lut, p)
    text = p.read_text()
    assert "inf" not in text and "e+" not in text
    back = read_cube(p)
    np.testing.assert_array_equal(back.shaper, values)
    np.testing.assert_array_equal(back.shaper_domain, lut.shaper_domain)


def test_written_layout(tmp_path):
    luts = sample_luts()
    text = format_cube(luts["3d"])
    lines = text.splitlines()
    assert lines[:4] == ['TITLE "a grade"', "# one", "# two", "LUT_3D_SIZE 17"]
    assert "DOMAIN" not in text
    t = luts["3d"].table
    row1 = [float(v) for v in lines[5].split()]  # second row: red index 1
    np.testing.assert_allclose(row1, t[1, 0, 0], atol=1e-10)
    row17 = [float(v) for v in lines[4 + 17].split()]  # green index 1
    np.testing.assert_allclose(row17, t[0, 1, 0], atol=1e-10)
    text = format_cube(luts["3d-domain"])
    assert text.splitlines()[:3] == [
        "LUT_3D_SIZE 5",
        "DOMAIN_MIN -0.1 0 0.2",
        "DOMAIN_MAX 1.5 2 0.9",
    ]
    text = format_cube(luts["shaper+3d"])
    assert text.splitlines()[1:5] == [
        "LUT_1D_SIZE 40",
        "LUT_1D_INPUT_RANGE -0.25 2",
        "LUT_3D_SIZE 9",
        "LUT_3D_INPUT_RANGE 0 1.2",
    ]
    assert format_cube(Lut.identity(2)) == "LUT_3D_SIZE 2\n" + ROWS8 + "\n"


@pytest.mark.parametrize("decimals", [1, 3, 6, 10, 15])
def test_numbers_are_fixed_point_with_trailing_zeros_dropped(rng, decimals):
    values = np.concatenate([
        rng.random((500, 3)),
        np.round(rng.random((200, 3)), 2),
        rng.normal(size=(200, 3)) * 20,
        rng.random((100, 3)) * 1e-7,
        np.array([[0.0, -0.0, 1.0], [1e-12, -1e-12, 0.5], [10.0, 100.0, -0.25]]),
    ])
    lut = Lut(table=np.resize(values, (9, 9, 9, 3)))
    rows = format_cube(lut, decimals).splitlines()[1:]
    flat = lut.table.transpose(2, 1, 0, 3).reshape(-1, 3)
    for row, vals in zip(rows, flat, strict=True):
        # The plain way: fixed point at ``decimals``, then strip zeros (and a bare point).
        want = [f"{round(v, decimals) + 0.0:.{decimals}f}".rstrip("0").rstrip(".") or "0"
                for v in vals]
        assert row.split() == want


def test_write_is_atomic_and_refuses_unwritable(tmp_path):
    p = tmp_path / "out.cube"
    write_cube(Lut.identity(2), p)
    os.chmod(p, 0o640)
    bad = Lut(Lut.identity(2).table, [[0, 0, 0], [1, 2, 1]], np.zeros((2, 3)))
    with pytest.raises(LutError, match="out.cube: cannot write a shaper"):
        write_cube(bad, p)  # per-channel domain + shaper: not expressible
    assert read_cube(p).is_identity(tol=0)  # untouched
    write_cube(Lut.identity(3), p)
    assert read_cube(p).size == 3
    assert (p.stat().st_mode & 0o777) == 0o640
    assert sorted(x.name for x in tmp_path.iterdir()) == ["out.cube"]  # no temporary left
    with pytest.raises(BadInputError, match="cannot write"):
        write_cube(Lut.identity(2), tmp_path / "no such folder" / "x.cube")
    with pytest.raises(BadInputError):
        write_cube("not a lut", p)  # type: ignore[arg-type]
    with pytest.raises(BadInputError):
        write_cube(Lut.identity(2), p, decimals=0)


def test_registry_dispatches_on_extension(tmp_path):
    lut = Lut.identity(4)
    for name in ("a.cube", "b.CUBE", "c.png"):
        write_lut(lut, tmp_path / name)
        assert read_lut(tmp_path / name).is_identity(tol=1e-4)
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
    for name in ("x.3dl", "x", "x.cube.txt"):
        with pytest.raises(BadInputError, match="unknown LUT file type"):
            read_lut(tmp_path / name)
        with pytest.raises(BadInputError, match="unknown LUT file type"):
            write_lut(lut, tmp_path / name)


# ------------------------------------------------------------------ FFmpeg's lut3d (via PyAV)


def ffmpeg_lut3d(path: Path, image: np.ndarray) -> np.ndarray:
    av = pytest.importorskip("av")
    graph = av.filter.Graph()
    h, w = image.shape[:2]
    src = graph.add_buffer(width=w, height=h, format="rgb24", time_base=Fraction(1, 25))
    escaped = str(path).replace("\\", "\\\\").replace(":", "\\:").replace("'", "\\'")
    lut3d = graph.add("lut3d", f"file='{escaped}':interp=tetrahedral")
    sink = graph.add("buffersink")
    src.link_to(lut3d)
    lut3d.link_to(sink)
    graph.configure()
    frame = av.VideoFrame.from_ndarray(image, format="rgb24")
    frame.pts = 0
    graph.push(frame)
    return graph.pull().to_ndarray()


@pytest.mark.parametrize("size", [33, 17])
def test_ffmpeg_lut3d_agrees_within_one_code(tmp_path, rng, size):
    lut = Lut.from_function(lambda v: np.clip(grade(v), 0, 1), size, title="ffmpeg test")
    path = tmp_path / "graded lut.cube"
    write_cube(lut, path)
    lv = np.arange(16, dtype=np.uint8) * 17
    grid = np.stack(np.meshgrid(lv, lv, lv, indexing="ij"), -1).reshape(-1, 3)
    image = np.concatenate([grid, rng.integers(0, 256, (4096, 3), dtype=np.uint8)])
    image = image.reshape(128, 64, 3)
    theirs = ffmpeg_lut3d(path, image).astype(int)
    ours = apply_u8(image, build_table_u8(read_cube(path))).astype(int)
    diff = ours - theirs
    assert np.abs(diff).max() <= 1  # FFmpeg truncates, we round
    assert diff.min() >= 0 or (diff < 0).mean() < 1e-3
