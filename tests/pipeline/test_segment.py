"""segment (masks of skin, sky and foliage), --protect-skin and their bad input."""

from __future__ import annotations

import json
from functools import partial
from pathlib import Path

import av
import cv2
import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.color.lut import Lut
from gradecli.color.masks import (
    PRIOR_SKIN,
    SkinKey,
    luma601,
    refine_skin,
    skin_key,
    skin_probability,
    smooth_in_time,
)
from gradecli.engine.kernels import LutGrade
from gradecli.engine.protect import ProtectedGrade
from gradecli.engine.transcode import transcode
from gradecli.io.images import read_image
from gradecli.io.luts import write_lut
from gradecli.io.video import EncodeOptions, InputVideo, frame_to_rgb
from gradecli.pipeline.segment import skin_model_of
from tests.conftest import EXAMPLES
from tests.pipeline.test_match import write_clip

ASTRONAUT = EXAMPLES / "stills" / "astronaut.png"
ROCKET = EXAMPLES / "stills" / "rocket.jpg"


def _green(x: np.ndarray) -> np.ndarray:
    return np.clip(x * np.array([0.75, 1.15, 0.8]), 0.0, 1.0)


@pytest.fixture()
def green_lut(tmp_path) -> Path:
    path = tmp_path / "green.cube"
    write_lut(Lut.from_function(_green, size=17), path)
    return path


def test_segment_a_still(tmp_path, capsys):
    out = tmp_path / "masks"
    assert run(["segment", str(ASTRONAUT), "-o", str(out), "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]
    assert item["faces"] >= 1 and item["skin_model"]["faces"] >= 1
    for c in ("skin", "sky", "foliage"):
        m = cv2.imread(str(out / f"astronaut.{c}.png"), cv2.IMREAD_UNCHANGED)
        assert m.shape == (512, 512) and m.dtype == np.uint8
        assert 0.0 <= item["coverage"][c] <= 1.0
    assert item["coverage"]["skin"] > 0.02 and (out / "astronaut.overlay.png").is_file()


def test_segment_a_clip_png_and_video(tmp_path, capsys):
    clip = write_clip(tmp_path / "c.mkv", [(0, 12), (2, 12)])
    out = tmp_path / "m"
    assert run(["-q", "segment", str(clip), "-o", str(out), "--rate", "12", "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]
    assert item["cuts"] == [12] and item["frames"] == 12  # every other frame at 24 fps
    names = sorted(p.name for p in (out / "c" / "skin").iterdir())
    assert names[0] == "000000.png" and len(names) == 12
    assert (out / "c.overlay.png").is_file()
    assert run(["-q", "segment", str(clip), "-o", str(tmp_path / "v"), "--format", "video",
                "--bits", "16", "--rate", "12"]) == 0
    with InputVideo(tmp_path / "v" / "c.sky.mkv") as v:
        frames = list(v.frames())
    assert len(frames) == 12 and frames[0].format.name == "gray16le"


def test_masks_are_stable_in_a_shot_and_reset_at_a_cut():
    rng = np.random.default_rng(0)
    prev = np.zeros((8, 8), np.float32)
    noisy = prev + rng.uniform(0, 1, (8, 8)).astype(np.float32)
    assert np.abs(smooth_in_time(prev, noisy, 0.5) - prev).mean() < np.abs(noisy - prev).mean()
    np.testing.assert_array_equal(smooth_in_time(prev, noisy, 0.5, cut=True), noisy)


def test_own_segmentation_model(tmp_path, capsys):
    torch = pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")

    class Tiny(torch.nn.Module):
        def forward(self, x):  # skin = red, sky = blue, foliage = green: one mask per channel
            return torch.stack([x[:, 0], x[:, 2], x[:, 1]], dim=1)

    good = tmp_path / "tiny.onnx"
    torch.onnx.export(Tiny(), (torch.rand(1, 3, 32, 32),), str(good), input_names=["x"],
                      output_names=["masks"], dynamic_axes={"x": {2: "h", 3: "w"}},
                      dynamo=False)
    out = tmp_path / "own"
    assert run(["-q", "segment", str(ASTRONAUT), "-o", str(out), "--seg-model", str(good)]) == 0
    skin = cv2.imread(str(out / "astronaut.skin.png"), cv2.IMREAD_UNCHANGED) / 255.0
    red = read_image(ASTRONAUT).rgb[..., 0]
    assert np.abs(skin - red).mean() < 0.02  # the model's channel 0, resized back

    class Wrong(torch.nn.Module):
        def forward(self, x):
            return x[:, :3]

    bad = tmp_path / "four.onnx"
    torch.onnx.export(Wrong(), (torch.rand(1, 4, 32, 32),), str(bad), dynamo=False)
    assert run(["segment", str(ASTRONAUT), "-o", str(tmp_path / "x"), "--seg-model",
                str(bad)]) == 2
    assert "input shape" in capsys.readouterr().err and not (tmp_path / "x").exists()
    junk = tmp_path / "junk.onnx"
    junk.write_bytes(b"not a model")
    assert run(["segment", str(ASTRONAUT), "-o", str(tmp_path / "y"), "--seg-model",
                str(junk)]) == 2
    assert "not a usable ONNX model" in capsys.readouterr().err and not (tmp_path / "y").exists()


def test_protect_skin_bad_input(tmp_path, green_lut, capsys):
    out = tmp_path / "o.png"
    assert run(["lut", "apply", str(ASTRONAUT), str(green_lut), "-o", str(out),
                "--protect-skin", "2"]) == 2
    assert "--protect-skin must be 0..1" in capsys.readouterr().err
    assert run(["lut", "apply", str(ROCKET), str(green_lut), "-o", str(out),
                "--protect-skin", "1"]) == 2  # a still with no face: no skin to key on
    assert "no face found" in capsys.readouterr().err
    assert run(["grade", str(ROCKET), "--adjust", "tint=-30", "-o", str(out),
                "--protect-skin", "1"]) == 2
    assert not out.exists() and not (tmp_path / "o.cube").exists()


def test_protection_keeps_the_face_and_grades_the_rest(tmp_path, green_lut):
    plain, kept = tmp_path / "plain.png", tmp_path / "kept.png"
    assert run(["-q", "lut", "apply", str(ASTRONAUT), str(green_lut), "-o", str(plain)]) == 0
    assert run(["-q", "lut", "apply", str(ASTRONAUT), str(green_lut), "-o", str(kept),
                "--protect-skin", "1"]) == 0
    src = read_image(ASTRONAUT).rgb
    a, b = read_image(plain).rgb, read_image(kept).rgb
    face = (slice(95, 140), slice(195, 250))  # inside the astronaut's face
    change = np.abs(a[face] - src[face]).mean()
    assert np.abs(b[face] - src[face]).mean() < 0.4 * change
    sky = (slice(20, 60), slice(300, 360))  # the grey backdrop keeps its grade
    assert np.abs(b[sky] - src[sky]).mean() > 0.9 * np.abs(a[sky] - src[sky]).mean()


def test_a_zero_mask_changes_nothing(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", [(0, 6)])
    lut = Lut.from_function(_green, size=9)
    plain, zero = tmp_path / "p.mkv", tmp_path / "z.mkv"
    enc = EncodeOptions(codec="ffv1")
    transcode(clip, plain, LutGrade(lut), enc)
    never = ProtectedGrade(LutGrade(lut), LutGrade(Lut.identity(9)),
                           lambda rgb: np.zeros(rgb.shape[:2], np.float32), 1.0)
    transcode(clip, zero, never, enc)
    with InputVideo(plain) as a, InputVideo(zero) as b:
        for fa, fb in zip(a.frames(), b.frames(), strict=True):
            np.testing.assert_array_equal(frame_to_rgb(fa, a.info), frame_to_rgb(fb, b.info))


def test_skin_key_uses_the_face_model():
    rgb = read_image(ASTRONAUT).rgb
    prior = skin_probability(rgb, PRIOR_SKIN)
    assert prior.shape == rgb.shape[:2] and 0.0 <= prior.min() and prior.max() <= 1.0
    key = partial(skin_probability, model=PRIOR_SKIN)
    assert np.array_equal(key(rgb), prior)


def test_skin_key_splits_into_a_per_pixel_key_and_its_refinement():
    rgb = read_image(ASTRONAUT).rgb.astype(np.float32)
    model, _ = skin_model_of([rgb])
    whole = skin_probability(rgb, model)
    np.testing.assert_array_equal(SkinKey(model)(rgb), whole)
    np.testing.assert_array_equal(refine_skin(skin_key(rgb, model), luma601(rgb)), whole)
    px = SkinKey(model).pixels(rgb)  # per pixel: the same for a picture or a list of pixels
    assert px.shape == (512, 512, 2)
    np.testing.assert_array_equal(SkinKey(model).pixels(rgb.reshape(-1, 3)), px.reshape(-1, 2))
    np.testing.assert_allclose(SkinKey(model).refine(px[..., 0], px[..., 1]), whole, atol=1e-6)
    assert not SkinKey(None).refine(px[..., 0], px[..., 1]).any()


def test_segment_is_listed_with_help(capsys):
    assert run(["--help"]) == 0
    assert "segment" in capsys.readouterr().out
    assert run(["segment", "--help"]) == 0
    assert "--protect-skin" not in capsys.readouterr().out  # segment writes masks only
    assert av is not None


def test_still_without_a_face_has_an_empty_skin_mask(tmp_path, capsys):
    out = tmp_path / "m"
    assert run(["segment", str(EXAMPLES / "stills" / "coffee.png"), "-o", str(out),
                "--json"]) == 0
    item = json.loads(capsys.readouterr().out)["items"][0]
    assert item["faces"] == 0 and item["coverage"]["skin"] == 0.0
    assert item["skin_model"] == {}
