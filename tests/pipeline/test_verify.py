from __future__ import annotations

import numpy as np
import pytest

from gradecli.color.spaces import lab_to_rgb
from gradecli.errors import BadInputError, VideoError
from gradecli.io.images import write_image
from gradecli.pipeline.verify import verify
from tests.test_video_engine import make_clip


def _flat(path, lab):
    write_image(path, np.broadcast_to(lab_to_rgb(np.array(lab, float)), (16, 16, 3)), bit_depth=16)
    return path


def test_identical_and_different(tmp_path):
    a = _flat(tmp_path / "a.png", [50, 10, 10])
    b = _flat(tmp_path / "b.png", [50, 10, 10])
    c = _flat(tmp_path / "c.png", [60, -5, 20])
    res = verify([a, b], max_de=0.1)
    assert res.passed and res.max_delta_e00 < 0.05
    res = verify([a, b, c], max_de=2.0)
    assert not res.passed
    assert len(res.pairs) == 3
    d = res.to_dict()
    assert set(d) >= {"items", "pairs", "max_delta_e00", "passed"}
    assert d["items"][0]["mean_lab"] == pytest.approx([50, 10, 10], abs=0.05)
    assert d["max_delta_e00"] == max(p["delta_e00"] for p in d["pairs"])


def test_video_and_its_frames_agree(tmp_path):
    clip = make_clip(tmp_path / "c.mkv", frames=6)
    res = verify([clip, clip])
    assert res.passed and res.items[0].kind == "video" and res.items[0].frames == 6


def test_bad_inputs(tmp_path):
    good = make_clip(tmp_path / "good.mkv", frames=4)
    with pytest.raises(BadInputError, match="no such file"):
        verify([good, tmp_path / "nope.mp4"])
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"junk" * 50)
    with pytest.raises(VideoError, match="bad.mp4"):
        verify([good, bad])
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(BadInputError, match="not a video or image"):
        verify([good, txt])
    with pytest.raises(BadInputError, match="at least two"):
        verify([])
    with pytest.raises(BadInputError, match=r"at least two clips or stills \(only .*good.mkv"):
        verify([good])
    with pytest.raises(BadInputError, match="--frames must be at least 1"):
        verify([good, good], frames=0)


def test_by_look_compares_estimated_looks(tmp_path):
    from gradecli.color.look_estimate import ShotLook, apply_look
    from gradecli.pipeline.shot_look import DEFAULT_MAX_DE
    from tests._look_photos import photos

    pic = photos()["chelsea"]
    warm, cool = ShotLook(cast=(0.2, -0.25)), ShotLook(cast=(-0.2, 0.25))
    paths = {}
    for name, look in (("w1", warm), ("w2", warm), ("c", cool)):
        paths[name] = tmp_path / f"{name}.png"
        write_image(paths[name], apply_look(look, pic))
    same = verify([paths["w1"], paths["w2"]], by="look")
    diff = verify([paths["w1"], paths["c"]], by="look")
    assert same.by == "look" and same.max_de == DEFAULT_MAX_DE["look"] and same.passed
    assert same.max_delta_e00 < 0.05 < diff.max_delta_e00
    assert diff.max_delta_e00 == diff.pairs[0].look_delta_e00
    d = diff.to_dict()
    assert d["by"] == "look" and "look" in d["items"][0] and "look_delta_e00" in d["pairs"][0]
    assert verify([paths["w1"], paths["c"]]).max_de == 2.0  # colour: the old default
    with pytest.raises(BadInputError, match="--by"):
        verify([paths["w1"], paths["c"]], by="nope")


def test_by_auto_compares_looks_of_different_scenes_and_colours_of_one(tmp_path):
    from tests._look_photos import photos

    pics = photos()
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    write_image(a, pics["astronaut"])
    write_image(b, pics["coffee"])
    assert verify([a, b]).by == "look"
    c = tmp_path / "c.png"
    write_image(c, np.clip(pics["astronaut"] * [1.1, 1.0, 0.9], 0, 1))
    assert verify([a, c]).by == "colour"
