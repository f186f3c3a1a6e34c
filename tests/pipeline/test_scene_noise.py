"""A change of look between two pictures of one scene is not within content noise: the
estimates' content error is shared, so the noise of their difference shrinks."""

from __future__ import annotations

import numpy as np

from gradecli.color.look_estimate import estimate_look
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from gradecli.pipeline.shot_look import MIN_SCENE_NOISE, look_transfer_lut, scene_noise_scale
from tests._look_photos import photos


def _cast(rgb: np.ndarray, gains) -> np.ndarray:
    return srgb_eotf_inverse(np.clip(srgb_eotf(rgb) * np.asarray(gains), 0.0, 1.0))


def test_same_scene_lowers_the_noise_other_content_keeps_it():
    pics = photos()
    a, b = pics["coffee"], pics["astronaut"]
    cool = _cast(a, (0.8, 1.0, 1.25))
    same = scene_noise_scale(2.0, cool, a)
    assert MIN_SCENE_NOISE <= same < 0.5
    assert scene_noise_scale(2.0, a, b) == 2.0  # different content
    assert scene_noise_scale(1.0, cool, a) == 1.0  # a neutral target is exact already
    assert scene_noise_scale(2.0, None, a) == 2.0


def test_a_cast_take_moves_towards_its_uncast_take():
    a = photos()["coffee"]
    cool = _cast(a, (0.8, 1.0, 1.25))
    src, tgt = (estimate_look(x.reshape(-1, 3), "srgb", x) for x in (cool, a))
    _, share_other = look_transfer_lut(src, tgt, "srgb", 1.0, 17, 2.0)
    lut, share_same = look_transfer_lut(src, tgt, "srgb", 1.0, 17, scene_noise_scale(2.0, cool, a))
    # Towards another picture's estimate the same change is within content noise: not made.
    assert share_other == 0.0 and share_same > 0.2
    before = np.abs(cool - a).mean()
    assert np.abs(lut.apply(cool) - a).mean() < before


def test_grade_by_look_towards_a_reference_of_the_same_scene(tmp_path):
    # A cool take graded towards its uncast take by look alone is put back: the change of grade
    # between two pictures of one scene is read from their colours (scene_looks), where the
    # estimates alone moved it about a third of the way (taken for content noise, as towards a
    # picture of other content, nothing would move).
    import cv2

    from gradecli.cli.app import run
    from gradecli.io.images import read_image

    a = photos()["coffee"]
    cool = _cast(a, (0.8, 1.0, 1.25))
    src, ref, out = tmp_path / "cool.png", tmp_path / "ref.png", tmp_path / "out.png"
    for path, rgb in ((src, cool), (ref, a)):
        cv2.imwrite(str(path), cv2.cvtColor(np.rint(rgb * 255).astype(np.uint8),
                                            cv2.COLOR_RGB2BGR))
    assert run(["-q", "grade", str(src), "--ref", str(ref), "--match", "look",
                "-o", str(out)]) == 0
    got, want = read_image(out).rgb, read_image(ref).rgb
    assert np.abs(got - want).mean() < 0.2 * np.abs(read_image(src).rgb - want).mean()
