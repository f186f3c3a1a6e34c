"""The torch kernels give the CPU kernels' codes (torch's CPU device here; CUDA as well where a
GPU is visible: the same tests run there, see benchmarks/gpu_check.sh).

Where they may differ (gradecli/engine/torch_kernel.py): by one code, for 8-bit LUTs with a
shaper or a domain (numpy's float32 BLAS products on the CPU side) and, in principle, for
float64 ties; the tests bound both the size and the share of such differences.
"""

from __future__ import annotations

import zlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from gradecli.color.lut import Lut  # noqa: E402
from gradecli.color.ycbcr import YCbCrSpec  # noqa: E402
from gradecli.engine.kernels import LutGrade, make_kernel  # noqa: E402
from gradecli.engine.torch_batch import TorchGrader  # noqa: E402
from gradecli.io.video import plane_layout  # noqa: E402

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


pytestmark = pytest.mark.usefixtures("one_torch_thread")


def look(rgb: np.ndarray) -> np.ndarray:
    """Warm, contrasty, a little desaturated, and reaching outside 0..1 at the ends."""
    x = rgb * np.array([1.08, 1.0, 0.86]) + 0.02
    x = x + 0.3 * x * (1 - x) * (2 * x - 1)
    m = x.mean(axis=-1, keepdims=True)
    return m + 0.8 * (x - m)


def make_lut(size: int, shaper: bool = False, domain: bool = False) -> Lut:
    dom = np.array([[-0.05, 0.0, 0.02], [1.1, 1.0, 0.95]]) if domain else None
    lut = Lut.from_function(look, size, domain=dom)
    if shaper:
        t = np.linspace(0.0, 1.0, 1024)
        curve = np.stack([t**0.9, t, np.sqrt(t) * 0.98 + 0.01], axis=1)
        lut = Lut(lut.table, lut.domain, shaper=curve)
    return lut


def random_planes(rng, n: int, h: int, w: int, pix_fmt: str) -> list[list[np.ndarray]]:
    """n frames of planes: smooth-ish chroma (few pairs, as in video) plus full-range noise
    (out-of-gamut Y'CbCr, sub-blacks and super-whites) in the top third."""
    lay = plane_layout(pix_fmt)
    top = (1 << lay.bit_depth)
    k = top // 256
    ch, cw = -(-h >> lay.log2_h), -(-w >> lay.log2_w)
    frames = []
    for _ in range(n):
        y = rng.integers(0, top, (h, w)).astype(lay.dtype)
        u = rng.integers(90 * k, 170 * k, (ch, cw)).astype(lay.dtype)
        v = rng.integers(90 * k, 170 * k, (ch, cw)).astype(lay.dtype)
        u[: ch // 3] = rng.integers(0, top, u[: ch // 3].shape)
        # views with a line size wider than the picture, as decoded frames' planes are
        frames.append([np.pad(p, ((0, 0), (0, 16)))[:, : p.shape[1]] for p in (y, u, v)])
    return frames


def cpu_result(lut: Lut, interp: str, spec_in, spec_out, lay_in, lay_out, planes):
    k = make_kernel(LutGrade(lut, interp), spec_in, lay_in, spec_out, lay_out)
    return k.process(planes)


def compare(a: list[np.ndarray], b: list[np.ndarray], max_share: float) -> None:
    """Planes equal, or within one code in at most ``max_share`` of the samples."""
    for pa, pb in zip(a, b, strict=True):
        assert pa.shape == pb.shape and pa.dtype == pb.dtype
        d = np.abs(pa.astype(np.int64) - pb.astype(np.int64))
        assert d.max(initial=0) <= 1, f"difference of {d.max()} codes"
        share = np.count_nonzero(d) / d.size
        assert share <= max_share, f"{share:.2e} of the codes differ (allowed {max_share:.0e})"


def run_case(device: str, pix_fmt: str, out_fmt: str, size: int, interp: str,
             shaper: bool, domain: bool, hw: tuple[int, int], spec=("bt709", False)) -> None:
    seed = zlib.crc32(f"{device}{pix_fmt}{out_fmt}{size}{interp}{shaper}{domain}{hw}".encode())
    rng = np.random.default_rng(seed)
    lay_in, lay_out = plane_layout(pix_fmt), plane_layout(out_fmt)
    s_in = YCbCrSpec(spec[0], spec[1], lay_in.bit_depth)
    s_out = YCbCrSpec(spec[0], spec[1], lay_out.bit_depth)
    lut = make_lut(size, shaper, domain)
    frames = random_planes(rng, 2, *hw, pix_fmt)
    grader = TorchGrader([(0, (lut, interp))], s_in, lay_in, s_out, lay_out, device)
    got = grader.grade(frames, [0, 1])
    table = lay_in.bit_depth == 8 and lay_out.bit_depth == 8 and lay_in.log2_w == lay_out.log2_w
    exact = table and not (shaper or domain)
    for f, g in zip(frames, got, strict=True):
        want = cpu_result(lut, interp, s_in, s_out, lay_in, lay_out, f)
        compare(g, want, 0.0 if exact else 2e-3)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p", "yuv444p"])
@pytest.mark.parametrize("size", [2, 17, 33, 65])
@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_8bit_table_is_exact(device, pix_fmt, size, interp):
    run_case(device, pix_fmt, pix_fmt, size, interp, False, False, (37, 51))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("pix_fmt", ["yuv420p10le", "yuv422p10le", "yuv444p10le"])
@pytest.mark.parametrize("size", [2, 17, 33, 65])
@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
def test_10bit_float_kernel(device, pix_fmt, size, interp):
    run_case(device, pix_fmt, pix_fmt, size, interp, False, False, (29, 43))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv422p10le", "yuv444p"])
@pytest.mark.parametrize("interp", ["tetrahedral", "trilinear"])
@pytest.mark.parametrize("shaper,domain", [(True, False), (False, True), (True, True)])
def test_shaper_and_domain(device, pix_fmt, interp, shaper, domain):
    run_case(device, pix_fmt, pix_fmt, 33, interp, shaper, domain, (32, 40))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("pix_fmt,out_fmt", [("yuv420p10le", "yuv420p"), ("yuv444p", "yuv420p"),
                                             ("yuv420p", "yuv444p16le"),
                                             ("yuv422p", "yuv420p10le")])
def test_depth_and_subsampling_changes(device, pix_fmt, out_fmt):
    run_case(device, pix_fmt, out_fmt, 17, "tetrahedral", False, False, (30, 46))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("hw", [(1, 1), (2, 2), (17, 2), (3, 5), (64, 96)])
def test_odd_and_tiny_sizes(device, hw):
    run_case(device, "yuv420p", "yuv420p", 9, "tetrahedral", False, False, hw)
    run_case(device, "yuv420p10le", "yuv420p10le", 9, "trilinear", False, False, hw)


@pytest.mark.parametrize("device", DEVICES)
def test_full_range_bt601(device):
    run_case(device, "yuv420p", "yuv420p", 33, "tetrahedral", False, False, (40, 40),
             spec=("bt601", True))
    run_case(device, "yuv444p12le", "yuv444p12le", 33, "tetrahedral", False, False, (20, 24),
             spec=("bt2020", True))


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("pix_fmt", ["yuv420p", "yuv420p10le"])
def test_batch_spanning_a_cut(device, pix_fmt):
    """Frames 0..6 in one batch, shots starting at 0 and 3 (and 5): each frame is graded with
    its own shot's LUT; a later batch reuses the kernels."""
    rng = np.random.default_rng(7)
    lay = plane_layout(pix_fmt)
    spec = YCbCrSpec("bt709", False, lay.bit_depth)
    luts = [make_lut(17), Lut.identity(5), make_lut(9, shaper=True)]
    schedule = [(0, (luts[0], "tetrahedral")), (3, (luts[1], "trilinear")),
                (5, (luts[2], "tetrahedral"))]
    frames = random_planes(rng, 7, 24, 34, pix_fmt)
    grader = TorchGrader(schedule, spec, lay, spec, lay, device)
    got = grader.grade(frames[:2], [0, 1]) + grader.grade(frames[2:], [2, 3, 4, 5, 6])
    shot_of = [0, 0, 0, 1, 1, 2, 2]
    for i, (f, g) in enumerate(zip(frames, got, strict=True)):
        lut, interp = schedule[shot_of[i]][1]
        want = cpu_result(lut, interp, spec, spec, lay, lay, f)
        compare(g, want, 0.0 if lay.bit_depth == 8 and shot_of[i] < 2 else 2e-3)
    assert grader.kernel_name.startswith(("TorchTableKernel", "TorchFloatKernel"))


def test_identity_reproduces_every_code():
    """An identity LUT gives back every 8-bit Y' code with chroma pairs across the whole code
    range (every 5th Cb and Cr code: out-of-gamut ones included)."""
    lay = plane_layout("yuv444p")
    spec = YCbCrSpec("bt709", False, 8)
    c = np.arange(0, 256, 5, dtype=np.uint8)
    pairs = np.stack(np.meshgrid(c, c, indexing="ij"), axis=-1).reshape(-1, 2)  # (2704, 2)
    y = np.tile(np.arange(256, dtype=np.uint8), (pairs.shape[0], 1))
    u = np.repeat(pairs[:, :1], 256, axis=1)
    v = np.repeat(pairs[:, 1:], 256, axis=1)
    grader = TorchGrader([(0, (Lut.identity(33), "tetrahedral"))], spec, lay, spec, lay, "cpu")
    (out,) = grader.grade([[y, u, v]], [0])
    for a, b in zip(out, (y, u, v), strict=True):
        np.testing.assert_array_equal(a, b)
