"""Read and write .cube LUT files: the Adobe/IRIDAS specification and DaVinci Resolve's variant.

What is read
------------
- ``LUT_3D_SIZE N`` (2..256) and/or ``LUT_1D_SIZE M`` (2..65536). With both, the file is a
  Resolve "shaper + 3D" file: the first M rows are the per-channel 1D shaper applied before the
  3D table, the next N**3 rows the 3D table.
- Table rows: three numbers each, red varying fastest, then green, then blue (so row
  ``r + g*N + b*N*N`` holds ``table[r, g, b]``).
- ``TITLE "text"`` (quoted; an unquoted title is accepted too), ``#`` comments on their own line
  (kept in :attr:`Lut.comments`) or trailing any line (ignored), blank lines, CRLF or CR line
  ends, a UTF-8 byte-order mark.
- Input ranges: ``DOMAIN_MIN r g b`` / ``DOMAIN_MAX r g b`` (Adobe, per channel) for a file
  with one table; ``LUT_1D_INPUT_RANGE min max`` / ``LUT_3D_INPUT_RANGE min max`` (Resolve), each
  for its own table. Header keywords may come in any order before the first table row. A range
  for a table the file does not have is ignored (colour-science and OpenColorIO do the same);
  DOMAIN_* in a shaper + 3D file is rejected as ambiguous, and DOMAIN_* that disagrees with the
  matching LUT_xD_INPUT_RANGE is rejected as contradictory. Other header keywords (e.g. Resolve's
  ``LUT_IN_VIDEO_RANGE``) are ignored.
- Everything else raises :class:`LutError` naming the file, the line where there is one, and
  the problem: wrong number of rows, NaN/inf, text or a wrong count of numbers on a row, a
  header keyword after the table, a size out of range or missing, an unreadable, empty or
  binary file.

Inputs outside a table's range are clamped when the LUT is applied (the specifications say so,
and OpenColorIO clamps; colour-science extrapolates).

What is written
---------------
``TITLE "..."``, the comments as ``# ...`` lines, then the sizes, then the rows (red fastest).
A single table's range is written as DOMAIN_MIN/DOMAIN_MAX after LUT_xD_SIZE, only when it is not
0..1; a shaper + 3D LUT is written Resolve-style (LUT_1D_SIZE, LUT_1D_INPUT_RANGE, LUT_3D_SIZE,
LUT_3D_INPUT_RANGE; the ranges only when not 0..1, and they must be the same for the three
channels). Numbers are rounded to ``decimals`` (10) decimal places and printed in fixed point
without trailing zeros, so reading a written file gives back the rounded values exactly and
writing it again gives identical bytes. Files are written atomically (temporary file, rename).

FFmpeg's lut3d filter (libavfilter 11, FFmpeg 8), for the record
-----------------------------------------------------------------
- It ignores DOMAIN_MIN: it only scales inputs by ``1 / (max - min)`` (clipped to at most 1),
  never offsets them, and only reads DOMAIN_* lines that come after LUT_3D_SIZE (where this
  writer puts them).
- It refuses files with only a 1D table (use its lut1d filter).
- It reads a Resolve shaper's rows as 3D data (it skips everything before LUT_3D_SIZE and takes
  the next rows as the table), so a shaper + 3D file gives a wrong picture or is refused.
- It refuses LUT_3D_INPUT_RANGE (and any other keyword but DOMAIN_* and TITLE) after
  LUT_3D_SIZE, and ignores it before.
- Its 8-bit path truncates instead of rounding: results differ from ours by at most one code
  value. For FFmpeg, bake shaper and domain into a plain 3D LUT on 0..1 (``Lut.resample``).
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import numpy as np

from gradecli.color.lut import DEFAULT_DOMAIN, MAX_1D_SIZE, MAX_3D_SIZE, Lut
from gradecli.errors import BadInputError, LutError
from gradecli.io.files import read_bytes, write_atomic

__all__ = ["format_cube", "parse_cube", "read_cube", "write_cube"]

_KEYWORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_KNOWN = frozenset(
    {
        "TITLE",
        "LUT_1D_SIZE",
        "LUT_3D_SIZE",
        "DOMAIN_MIN",
        "DOMAIN_MAX",
        "LUT_1D_INPUT_RANGE",
        "LUT_3D_INPUT_RANGE",
    }
)


def read_cube(path: str | os.PathLike[str]) -> Lut:
    """Read a .cube file (see the module docstring). Raises :class:`LutError` naming the file."""
    p = Path(path)
    data = read_bytes(p, LutError)
    return parse_cube(_decode(data, p), p)


def _decode(data: bytes, name: Path | str) -> str:
    if not data.strip():
        raise LutError(f"{name}: empty file")
    if b"\0" in data[:65536]:
        raise LutError(f"{name}: binary data, not a text .cube file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")  # titles and comments of older tools
    return text


class _Header:
    """Header keywords seen so far, with the line each came from."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.values: dict[str, tuple[int, object]] = {}

    def set(self, key: str, lineno: int, value: object) -> None:
        if key in self.values:
            first = self.values[key][0]
            raise LutError(f"{self.name}: line {lineno}: {key} repeated (first on line {first})")
        self.values[key] = (lineno, value)

    def get(self, key: str) -> object | None:
        v = self.values.get(key)
        return None if v is None else v[1]


def _numbers(name: str, lineno: int, key: str, tokens: list[str], count: int) -> list[float]:
    if len(tokens) != count:
        raise LutError(f"{name}: line {lineno}: {key} needs {count} numbers, found {len(tokens)}")
    try:
        values = [float(t) for t in tokens]
    except ValueError:
        raise LutError(
            f"{name}: line {lineno}: {key} values must be numbers: {' '.join(tokens)}"
        ) from None
    if not all(np.isfinite(values)):
        raise LutError(f"{name}: line {lineno}: {key} has NaN or infinite values")
    return values


def _size(name: str, lineno: int, key: str, tokens: list[str], top: int) -> int:
    if len(tokens) != 1 or not re.fullmatch(r"\+?[0-9]+", tokens[0]):
        raise LutError(
            f"{name}: line {lineno}: {key} needs one whole number, got {' '.join(tokens)!r}"
        )
    digits = tokens[0].lstrip("+").lstrip("0") or "0"
    if len(digits) > len(str(top)):  # and int() refuses strings of over 4300 digits
        shown = digits if len(digits) <= 20 else f"{digits[:8]}...({len(digits)} digits)"
        raise LutError(f"{name}: line {lineno}: {key} {shown} is outside 2..{top}")
    n = int(digits)
    if not 2 <= n <= top:
        raise LutError(f"{name}: line {lineno}: {key} {n} is outside 2..{top}")
    return n


def _title(name: str, lineno: int, rest: str) -> str:
    rest = rest.strip()
    if rest.startswith('"'):
        end = rest.find('"', 1)
        if end < 0:
            raise LutError(f"{name}: line {lineno}: TITLE has no closing quote")
        tail = rest[end + 1 :].strip()
        if tail and not tail.startswith("#"):
            raise LutError(f"{name}: line {lineno}: text after the quoted TITLE: {tail!r}")
        return rest[1:end]
    return rest.split("#", 1)[0].strip()


def _is_number(token: str) -> bool:
    try:
        float(token)
    except ValueError:
        return False
    return True


def parse_cube(text: str, name: str | os.PathLike[str] = "<cube>") -> Lut:
    """Parse the text of a .cube file; ``name`` (usually the path) prefixes error messages."""
    name = str(name)
    lines = text.removeprefix("\ufeff").splitlines()
    header = _Header(name)
    comments: list[str] = []
    first_row = len(lines)
    for index, raw in enumerate(lines):
        line = raw.strip()
        if not line:
            continue
        if line[0] == "#":
            comments.append(line[1:].strip())
            continue
        tokens = line.split("#", 1)[0].split()
        if not tokens:
            continue
        first = tokens[0]
        if not _KEYWORD.match(first) or _is_number(first):
            first_row = index  # the table starts here
            break
        lineno, key = index + 1, first.upper()
        if key == "TITLE":
            header.set(key, lineno, _title(name, lineno, line[len(first) :]))
        elif key == "LUT_3D_SIZE":
            header.set(key, lineno, _size(name, lineno, key, tokens[1:], MAX_3D_SIZE))
        elif key == "LUT_1D_SIZE":
            header.set(key, lineno, _size(name, lineno, key, tokens[1:], MAX_1D_SIZE))
        elif key in ("DOMAIN_MIN", "DOMAIN_MAX"):
            header.set(key, lineno, _numbers(name, lineno, key, tokens[1:], 3))
        elif key in ("LUT_1D_INPUT_RANGE", "LUT_3D_INPUT_RANGE"):
            header.set(key, lineno, _numbers(name, lineno, key, tokens[1:], 2))
        # any other keyword: ignored (documented)
    values = _fast_table(lines[first_row:])
    if values is None:
        values = _careful_table(name, lines, first_row, comments)
    return _build(name, header, comments, values)


def _fast_table(lines: list[str]) -> np.ndarray | None:
    """The table rows as (R, 3) floats, or None if anything needs the careful line-by-line path.

    Handles the common case (plain ASCII rows of three finite numbers, blank lines, no
    comments) with a few vectorised passes instead of a Python loop over the lines.
    """
    block = "\n".join(lines)
    if "#" in block or not block.isascii():
        return None
    b = np.frombuffer(block.encode("ascii"), dtype=np.uint8)
    # Python's str.split() whitespace in ASCII; any other control character: careful path.
    space = (b == 32) | ((b >= 9) & (b <= 13)) | ((b >= 28) & (b <= 31))
    if ((b < 32) & ~space).any():
        return None
    starts = ~space
    starts[1:] &= space[:-1]
    per_line = np.bincount(np.cumsum(b == 10)[starts], minlength=len(lines))
    if not ((per_line == 0) | (per_line == 3)).all():
        return None
    tokens = block.split()
    try:
        values = np.fromiter(map(float, tokens), dtype=np.float64, count=len(tokens))
    except ValueError:
        return None
    if not np.isfinite(values).all():
        return None
    return values.reshape(-1, 3)


def _careful_table(name: str, lines: list[str], start: int, comments: list[str]) -> np.ndarray:
    """The table rows parsed line by line, raising errors that name the line."""
    rows: list[str] = []
    row_lines: list[int] = []
    for index in range(start, len(lines)):
        lineno, line = index + 1, lines[index].strip()
        if not line:
            continue
        if line[0] == "#":
            comments.append(line[1:].strip())
            continue
        content = line.split("#", 1)[0].strip()
        tokens = content.split()
        if not tokens:
            continue
        first = tokens[0]
        if _KEYWORD.match(first) and not _is_number(first):
            if first.upper() in _KNOWN:
                raise LutError(f"{name}: line {lineno}: {first.upper()} after the table data")
            raise LutError(f"{name}: line {lineno}: text in the table data: {content!r}")
        if len(tokens) != 3:
            raise LutError(
                f"{name}: line {lineno}: expected 3 numbers on a table row, found {len(tokens)}"
            )
        rows.append(content)
        row_lines.append(lineno)
    values = np.empty((len(rows), 3))
    for i, (content, lineno) in enumerate(zip(rows, row_lines, strict=True)):
        try:
            values[i] = [float(t) for t in content.split()]
        except ValueError:
            bad = next(t for t in content.split() if not _is_number(t))
            raise LutError(f"{name}: line {lineno}: not a number in the table: {bad!r}") from None
        if not np.isfinite(values[i]).all():
            raise LutError(f"{name}: line {lineno}: NaN or infinite value in the table")
    return values


def _range_domain(values: object) -> np.ndarray:
    lo, hi = values  # type: ignore[misc]
    return np.array([[lo] * 3, [hi] * 3], dtype=np.float64)


def _build(name: str, header: _Header, comments: list[str], values: np.ndarray) -> Lut:
    n3 = header.get("LUT_3D_SIZE")
    n1 = header.get("LUT_1D_SIZE")
    if n3 is None and n1 is None:
        raise LutError(f"{name}: missing LUT_3D_SIZE or LUT_1D_SIZE line")
    expected = (n1 or 0) + (n3**3 if n3 else 0)  # type: ignore[operator]
    if len(values) != expected:
        what = " + ".join(s for s in (f"{n1} 1D" if n1 else "", f"{n3}^3 3D" if n3 else "") if s)
        raise LutError(f"{name}: expected {expected} table rows ({what}), found {len(values)}")

    dmin, dmax = header.get("DOMAIN_MIN"), header.get("DOMAIN_MAX")
    has_domain = dmin is not None or dmax is not None
    domain = np.array(
        [
            dmin if dmin is not None else DEFAULT_DOMAIN[0],
            dmax if dmax is not None else DEFAULT_DOMAIN[1],
        ],
        dtype=np.float64,
    )
    range1, range3 = header.get("LUT_1D_INPUT_RANGE"), header.get("LUT_3D_INPUT_RANGE")
    if n1 and n3 and has_domain:
        raise LutError(
            f"{name}: DOMAIN_MIN/DOMAIN_MAX is ambiguous in a file with both a 1D and a 3D table; "
            "use LUT_1D_INPUT_RANGE and LUT_3D_INPUT_RANGE"
        )

    def single(range_: object, key: str) -> np.ndarray:
        if range_ is None:
            return domain
        r = _range_domain(range_)
        if has_domain and not np.array_equal(r, domain):
            raise LutError(f"{name}: DOMAIN_MIN/DOMAIN_MAX and {key} disagree")
        return r

    title = header.get("TITLE") or ""
    try:
        if n1 and n3:
            shaper_domain = DEFAULT_DOMAIN if range1 is None else _range_domain(range1)
            domain3 = DEFAULT_DOMAIN if range3 is None else _range_domain(range3)
            table = values[n1:].reshape(n3, n3, n3, 3).transpose(2, 1, 0, 3)
            return Lut(table, domain3, values[:n1], shaper_domain, str(title), tuple(comments))
        if n3:
            table = values.reshape(n3, n3, n3, 3).transpose(2, 1, 0, 3)
            return Lut(
                table,
                single(range3, "LUT_3D_INPUT_RANGE"),
                title=str(title),
                comments=tuple(comments),
            )
        return Lut(
            None,
            shaper=values,
            shaper_domain=single(range1, "LUT_1D_INPUT_RANGE"),
            title=str(title),
            comments=tuple(comments),
        )
    except (LutError, BadInputError) as e:
        raise LutError(f"{name}: {e}") from None


# ------------------------------------------------------------------------------------------
# Writing
# ------------------------------------------------------------------------------------------

_TRAILING_ZEROS = re.compile(r"\.?0+(?=[ \n])")


def _format_numbers(values: np.ndarray, decimals: int) -> str:
    """Rows of ``values`` (K, C) as text lines, fixed point, trailing zeros removed."""
    x = np.asarray(values, dtype=np.float64)
    # Numbers of 2**52 and more are whole already; np.round would overflow them to inf.
    whole = np.abs(x) >= 2.0**52
    v = np.where(whole, x, np.round(np.where(whole, 0.0, x), decimals)) + 0.0  # no "-0"
    k, c = v.shape
    if decimals <= 0 or np.abs(v).max(initial=0.0) >= 2.0**52 / 10.0**decimals:
        # No decimals, or numbers too large for exact integers: format fully, strip by text.
        row = " ".join([f"%.{max(decimals, 0)}f"] * c) + "\n"
        text = (row * k) % tuple(v.ravel().tolist())
        return _TRAILING_ZEROS.sub("", text) if decimals > 0 else text
    # Each number with only the decimals it needs: the count of trailing zero digits of its
    # fixed-point form comes from the integer of its last ``decimals`` digits.
    frac = np.rint(np.abs(v) * 10.0**decimals).astype(np.int64) % 10**decimals
    digits = np.full(v.shape, decimals, dtype=np.int64)
    for j in range(decimals):
        digits -= (frac % 10 ** (j + 1) == 0)
    row = " ".join(["%.*f"] * c) + "\n"
    pairs = np.empty((k, c, 2), dtype=object)
    pairs[..., 0] = digits
    pairs[..., 1] = v
    return (row * k) % tuple(pairs.ravel().tolist())


def _uniform_range(domain: np.ndarray, what: str) -> tuple[float, float] | None:
    if np.array_equal(domain, DEFAULT_DOMAIN):
        return None
    if not (domain[0] == domain[0, 0]).all() or not (domain[1] == domain[1, 0]).all():
        raise LutError(
            f"cannot write a shaper + 3D .cube with a per-channel {what} "
            f"{domain.tolist()}: LUT_xD_INPUT_RANGE has one min and one max"
        )
    return float(domain[0, 0]), float(domain[1, 0])


def format_cube(lut: Lut, decimals: int = 10) -> str:
    """The text of ``lut`` as a .cube file (see the module docstring for the layout)."""
    if not isinstance(lut, Lut):
        raise BadInputError(f"can only write a Lut, got {type(lut).__name__}")
    if isinstance(decimals, bool) or not isinstance(decimals, int) or not 1 <= decimals <= 15:
        raise BadInputError(f"decimals must be an integer in 1..15, got {decimals!r}")
    out: list[str] = []
    if lut.title:
        out.append('TITLE "' + lut.title.replace('"', "'") + '"\n')
    out.extend(f"# {c}\n" if c else "#\n" for c in lut.comments)

    def numbers(*vals: float) -> str:
        return _format_numbers(np.array([vals]), decimals).strip()

    if lut.shaper is not None and lut.table is not None:
        r1 = _uniform_range(lut.shaper_domain, "1D domain")
        r3 = _uniform_range(lut.domain, "3D domain")
        out.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}\n")
        if r1 is not None:
            out.append(f"LUT_1D_INPUT_RANGE {numbers(*r1)}\n")
        out.append(f"LUT_3D_SIZE {lut.size}\n")
        if r3 is not None:
            out.append(f"LUT_3D_INPUT_RANGE {numbers(*r3)}\n")
    else:
        if lut.table is not None:
            out.append(f"LUT_3D_SIZE {lut.size}\n")
            domain = lut.domain
        else:
            out.append(f"LUT_1D_SIZE {lut.shaper.shape[0]}\n")  # type: ignore[union-attr]
            domain = lut.shaper_domain
        if not np.array_equal(domain, DEFAULT_DOMAIN):
            out.append(f"DOMAIN_MIN {numbers(*domain[0])}\n")
            out.append(f"DOMAIN_MAX {numbers(*domain[1])}\n")
    if lut.shaper is not None:
        out.append(_format_numbers(lut.shaper, decimals))
    if lut.table is not None:
        out.append(_format_numbers(lut.table.transpose(2, 1, 0, 3).reshape(-1, 3), decimals))
    return "".join(out)


def write_cube(lut: Lut, path: str | os.PathLike[str], decimals: int = 10) -> None:
    """Write ``lut`` to ``path`` as a .cube file, atomically (UTF-8, LF line ends)."""
    try:
        text = format_cube(lut, decimals)
    except LutError as e:
        raise LutError(f"{path}: {e}") from None
    write_atomic(path, text.encode("utf-8"))
