"""Property-based fuzzing of the LUT readers: a mutated valid file gives a Lut or a LutError.

Valid .cube texts (the conformance files in tests/data/cube and ``format_cube`` of random 1D, 3D
and shaper + 3D LUTs with domains, titles and comments) and valid Hald CLUT PNGs (``write_hald``,
8 and 16 bits, levels 2 and 3) are mutated: lines deleted, duplicated, swapped or inserted,
tokens inserted, numbers replaced by huge, tiny, NaN, infinite or malformed ones, keyword case
changed, bytes truncated, deleted, inserted or flipped, line ends and encodings changed, PNG
header fields rewritten (with or without a correct CRC) and chunks dropped or repeated; images
of other sizes, channel counts and depths are written too. Every file is read with
``read_cube``/``read_hald`` and ``read_lut`` (and the text with ``parse_cube``): the result must
be a :class:`Lut` or a :class:`LutError` whose one-line message starts with the file's name, and
never any other exception. An unmutated file must read.

Examples are derandomized (the same ones on every run) and no example database is written.
"""

from __future__ import annotations

import struct
import tempfile
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gradecli.color.lut import Lut
from gradecli.errors import LutError
from gradecli.io.luts import read_lut
from gradecli.io.luts.cube import format_cube, parse_cube, read_cube
from gradecli.io.luts.hald import read_hald, write_hald
from tests.conftest import CUBE_DIR

# 1000 + 500 examples, about 6-10 s on 2 cores (20 s under load). Fewer did not reach the two
# reader crashes this fuzzing found (now regression tests in test_cube.py and test_hald.py).
CUBE_EXAMPLES = 1000
HALD_EXAMPLES = 500

FUZZ = settings(
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

CONFORMANCE_TEXTS = [p.read_bytes() for p in sorted(CUBE_DIR.rglob("*.cube"))]

KEYWORDS = [
    "TITLE",
    "LUT_1D_SIZE",
    "LUT_3D_SIZE",
    "DOMAIN_MIN",
    "DOMAIN_MAX",
    "LUT_1D_INPUT_RANGE",
    "LUT_3D_INPUT_RANGE",
    "LUT_IN_VIDEO_RANGE",
]
SPECIAL_NUMBERS = [
    "0",
    "1",
    "-1",
    "2",
    "0.5",
    "-0",
    "1e308",
    "-1e308",
    "1.7976931348623157e308",
    "1e999",
    "-1e999",
    "1e-320",
    "nan",
    "NaN",
    "-nan",
    "inf",
    "-inf",
    "Infinity",
    "9" * 5000,  # int() refuses it, float() makes inf
    "1" + "0" * 400,
    "0x1F",
    "1_0",
    "1e",
    ".",
    "+",
    "-",
    "--1",
    "1.2.3",
    "1,5",
    "\u0663",  # ARABIC-INDIC DIGIT THREE: float() accepts it
    "\uff10",  # FULLWIDTH DIGIT ZERO
    "\u00bd",
]
GARBAGE = [
    '"',
    '"unterminated',
    '"quoted" tail',
    "#",
    "# comment",
    "abc",
    "\t",
    "\x00",
    "\x0b",
    "\x1c",
    "\x1f",
    "\x85",
    "\u2028",
    "\ufeff",
    "\u00e9",
    "\udcff",  # a lone surrogate: parse_cube only (not encodable)
]
SIZES = [
    *map(str, [-1, 0, 1, 2, 3, 4, 5, 17, 33, 255, 256, 257, 65535, 65536, 65537, 10**30]),
    "+2",
    "0002",
    "2.0",
    "2e0",
    "",
    "two",
    "9" * 5000,
]

tokens = st.one_of(
    st.sampled_from(KEYWORDS),
    st.sampled_from(KEYWORDS).map(str.lower),
    st.sampled_from(SPECIAL_NUMBERS),
    st.sampled_from(GARBAGE),
    st.floats().map(repr),
    st.integers(-(10**6), 10**6).map(str),
    st.text(max_size=6),
)
numbers = st.one_of(st.sampled_from(SPECIAL_NUMBERS), st.floats().map(repr), tokens)


@pytest.fixture(scope="module")
def fuzz_dir():
    with tempfile.TemporaryDirectory(prefix="lut-fuzz-") as d:
        yield Path(d)


def check_lut_or_lut_error(read, path_or_text, name: str) -> Lut | None:
    """``read(path_or_text)``: a Lut, or None after a clean LutError that names ``name``."""
    try:
        lut = read(path_or_text)
    except LutError as e:
        message = str(e)
        assert message.startswith(f"{name}: "), message
        assert "\n" not in message and "\r" not in message, message
        return None
    assert isinstance(lut, Lut)
    return lut


# ------------------------------------------------------------------ .cube

# Title and comment text: no NUL (binary data to the reader) and no character that
# str.splitlines() takes for a line end.
LINE_TEXT = st.text(
    st.characters(
        blacklist_categories=("Cs", "Zl", "Zp"),
        blacklist_characters="\x00\n\r\x0b\x0c\x1c\x1d\x1e\x85",
    ),
    max_size=12,
)


@st.composite
def random_lut(draw) -> Lut:
    kind = draw(st.sampled_from(["1d", "3d", "shaper+3d"]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    scale = draw(st.sampled_from([1.0, 1e-6, 1e6]))

    def values(shape):
        return rng.uniform(-0.5, 1.5, shape) * scale

    def domain(uniform: bool):
        if not draw(st.booleans()):
            return np.array([[0.0] * 3, [1.0] * 3])
        lo = rng.uniform(-2, 1, 1 if uniform else 3)
        hi = lo + rng.uniform(0.1, 4, 1 if uniform else 3)
        return np.array([np.broadcast_to(lo, 3), np.broadcast_to(hi, 3)])

    shaper = table = None
    if kind != "3d":
        shaper = values((draw(st.integers(2, 6)), 3))
    if kind != "1d":
        n = draw(st.integers(2, 4))
        table = values((n, n, n, 3))
    both = shaper is not None and table is not None
    title = draw(st.one_of(st.just(""), LINE_TEXT))
    comments = draw(st.lists(LINE_TEXT, max_size=3))
    return Lut(
        table,
        domain(both) if table is not None else np.array([[0.0] * 3, [1.0] * 3]),
        shaper,
        domain(both) if shaper is not None else np.array([[0.0] * 3, [1.0] * 3]),
        title=title,
        comments=tuple(comments),
    )


valid_cube_bytes = st.one_of(
    st.sampled_from(CONFORMANCE_TEXTS),
    random_lut().map(lambda lut: format_cube(lut).encode("utf-8")),
)


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines(keepends=True) or [b""]


def _index(draw, seq) -> int:
    return draw(st.integers(0, max(len(seq) - 1, 0)))


def _encode(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


@st.composite
def cube_mutation(draw, data: bytes) -> bytes:
    op = draw(
        st.sampled_from(
            [
                "delete line",
                "duplicate line",
                "swap lines",
                "insert line",
                "insert token",
                "replace number",
                "keyword case",
                "keyword case",
                "header values",
                "header values",
                "header values",
                "truncate",
                "delete bytes",
                "insert bytes",
                "replace byte",
                "line ends",
                "bom",
                "encoding",
            ]
        )
    )
    lines = _lines(data)
    if op == "delete line":
        i = _index(draw, lines)
        k = draw(st.integers(1, 3))
        del lines[i : i + k]
    elif op == "duplicate line":
        i = _index(draw, lines)
        lines.insert(i, lines[i])
    elif op == "swap lines":
        i, j = _index(draw, lines), _index(draw, lines)
        lines[i], lines[j] = lines[j], lines[i]
    elif op == "insert line":
        words = draw(st.lists(tokens, max_size=4))
        lines.insert(draw(st.integers(0, len(lines))), _encode(" ".join(words) + "\n"))
    elif op in ("insert token", "replace number", "keyword case", "header values"):
        headers = [k for k, line in enumerate(lines) if line[:1].isalpha()]
        if op in ("keyword case", "header values") and headers:
            i = draw(st.sampled_from(headers))
        else:
            i = _index(draw, lines)
        words = lines[i].decode("utf-8", "surrogateescape").split()
        if op == "insert token":
            words.insert(draw(st.integers(0, len(words))), draw(tokens))
        elif op == "replace number" and words:
            words[_index(draw, words)] = draw(numbers)
        elif op == "keyword case" and words:
            change = draw(st.sampled_from([str.lower, str.title, str.swapcase, str.upper]))
            words[0] = change(words[0])
        elif op == "header values" and words:
            if words[0].upper().endswith("_SIZE"):
                words[1:] = [draw(st.sampled_from(SIZES))]
            else:
                words[1:] = draw(st.lists(numbers, max_size=4))
        lines[i] = _encode(" ".join(words) + "\n")
    else:
        b = bytearray(b"".join(lines))
        if op == "truncate":
            del b[draw(st.integers(0, len(b))) :]
        elif op == "delete bytes":
            i = _index(draw, b)
            del b[i : i + draw(st.integers(1, 16))]
        elif op == "insert bytes":
            i = draw(st.integers(0, len(b)))
            b[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "replace byte" and b:
            b[_index(draw, b)] = draw(st.integers(0, 255))
        elif op == "line ends":
            b = bytearray(bytes(b).replace(b"\n", draw(st.sampled_from([b"\r\n", b"\r"]))))
        elif op == "bom":
            b[0:0] = b"\xef\xbb\xbf"
        elif op == "encoding":
            text = bytes(b).decode("utf-8", "replace")
            b = bytearray(text.encode(draw(st.sampled_from(["latin-1", "utf-16"])), "replace"))
        return bytes(b)
    return b"".join(lines)


@st.composite
def mutated_cube(draw) -> tuple[bytes, int]:
    data = draw(valid_cube_bytes)
    count = draw(st.integers(0, 4))
    for _ in range(count):
        data = draw(cube_mutation(data))
    return data, count


@settings(FUZZ, max_examples=CUBE_EXAMPLES)
@given(case=mutated_cube())
def test_mutated_cube_files_give_a_lut_or_a_lut_error(case, fuzz_dir):
    data, mutations = case
    path = fuzz_dir / "fuzz.cube"
    path.write_bytes(data)
    luts = [
        check_lut_or_lut_error(read_cube, path, str(path)),
        check_lut_or_lut_error(read_lut, path, str(path)),
        check_lut_or_lut_error(
            lambda text: parse_cube(text, "fuzz text"),
            data.decode("utf-8", "surrogateescape"),
            "fuzz text",
        ),
    ]
    if mutations == 0:
        assert all(lut is not None for lut in luts), "a valid file did not read"


# ------------------------------------------------------------------ Hald CLUT PNG


def _hald_bases() -> list[bytes]:
    rng = np.random.default_rng(7)
    out = []
    with tempfile.TemporaryDirectory(prefix="hald-base-") as d:
        for level, bits in [(2, 8), (2, 16), (3, 8), (3, 16)]:
            n = level * level
            lut = Lut(rng.uniform(0, 1, (n, n, n, 3)))
            path = Path(d) / f"l{level}b{bits}.png"
            write_hald(lut, path, level=level, bits=bits)
            out.append(path.read_bytes())
    return out


HALD_BASES = _hald_bases()


@st.composite
def other_image(draw) -> bytes:
    """A PNG of a size, channel count or depth that may or may not be a Hald CLUT's."""
    side = st.sampled_from([1, 2, 7, 8, 9, 27, 63, 64])
    h, w = draw(side), draw(side)
    channels = draw(st.sampled_from([1, 2, 3, 4]))
    dtype = draw(st.sampled_from([np.uint8, np.uint16]))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    image = rng.integers(0, np.iinfo(dtype).max, (h, w, channels), endpoint=True).astype(dtype)
    if channels == 2:  # PNG has no 2-channel colour: gray + alpha via a 4-channel image
        image = np.concatenate([image[..., :1]] * 3 + [image[..., 1:]], axis=-1)
    ok, buf = cv2.imencode(".png", image[..., 0] if channels == 1 else image)
    assert ok
    return buf.tobytes()


def _chunks(data: bytes) -> list[tuple[int, int]]:
    """(start, end) of each whole PNG chunk after the signature."""
    out, pos = [], 8
    while pos + 12 <= len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        end = pos + 12 + length
        if end > len(data):
            break
        out.append((pos, end))
        pos = end
    return out


@st.composite
def png_mutation(draw, data: bytes) -> bytes:
    op = draw(
        st.sampled_from(
            [
                "ihdr",
                "ihdr",
                "truncate",
                "flip",
                "replace bytes",
                "delete bytes",
                "insert bytes",
                "drop chunk",
                "duplicate chunk",
            ]
        )
    )
    b = bytearray(data)
    if op == "ihdr" and len(b) >= 33:
        field = draw(
            st.sampled_from(["width", "height", "size", "size", "depth", "colour", "interlace"])
        )
        # libpng refuses sides over 10**6; OpenCV images of over 2**30 pixels.
        huge = st.sampled_from(
            [0, 1, 7, 8, 27, 64, 4096, 4097, 32768, 65536, 10**6, 10**6 + 1, 2**31 - 1]
        )
        if field == "width":
            b[16:20] = struct.pack(">I", draw(huge))
        elif field == "height":
            b[20:24] = struct.pack(">I", draw(huge))
        elif field == "size":  # square: the Hald side check alone does not refuse it
            side = draw(huge)
            b[16:24] = struct.pack(">II", side, side)
        elif field == "depth":
            b[24] = draw(st.sampled_from([1, 2, 4, 8, 16, 32, 0, 255]))
        elif field == "colour":
            b[25] = draw(st.sampled_from([0, 2, 3, 4, 6, 1, 7, 255]))
        else:
            b[28] = draw(st.sampled_from([0, 1, 2]))
        if draw(st.integers(0, 3)) > 0:  # mostly a correct CRC, so that libpng looks further
            b[29:33] = struct.pack(">I", zlib.crc32(bytes(b[12:29])))
    elif op == "truncate":
        del b[draw(st.integers(0, len(b))) :]
    elif op == "flip" and b:
        i = _index(draw, b)
        b[i] ^= draw(st.integers(1, 255))
    elif op == "replace bytes" and b:
        i = _index(draw, b)
        new = draw(st.binary(min_size=1, max_size=16))
        b[i : i + len(new)] = new
    elif op == "delete bytes" and b:
        i = _index(draw, b)
        del b[i : i + draw(st.integers(1, 64))]
    elif op == "insert bytes":
        i = draw(st.integers(0, len(b)))
        b[i:i] = draw(st.binary(min_size=1, max_size=16))
    elif op in ("drop chunk", "duplicate chunk"):
        chunks = _chunks(bytes(b))
        if chunks:
            start, end = draw(st.sampled_from(chunks))
            if op == "drop chunk":
                del b[start:end]
            else:
                b[end:end] = b[start:end]
    return bytes(b)


@st.composite
def mutated_png(draw) -> tuple[bytes, bool]:
    """(PNG bytes, whether they are an unmutated Hald CLUT written by write_hald)."""
    base_is_hald = draw(st.integers(0, 3)) > 0
    data = draw(st.sampled_from(HALD_BASES)) if base_is_hald else draw(other_image())
    count = draw(st.integers(0, 3))
    for _ in range(count):
        data = draw(png_mutation(data))
    return data, base_is_hald and count == 0


@settings(FUZZ, max_examples=HALD_EXAMPLES)
@given(case=mutated_png())
def test_mutated_hald_images_give_a_lut_or_a_lut_error(case, fuzz_dir):
    data, valid = case
    path = fuzz_dir / "fuzz.png"
    path.write_bytes(data)
    luts = [
        check_lut_or_lut_error(read_hald, path, str(path)),
        check_lut_or_lut_error(read_lut, path, str(path)),
    ]
    if valid:
        assert all(lut is not None for lut in luts), "a valid Hald CLUT did not read"
