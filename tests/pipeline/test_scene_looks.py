"""Clips of one scene among other scenes: matched to one look exactly, the scene's level shrunk."""

from __future__ import annotations

import numpy as np

from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.look_estimate import NEUTRAL, ShotLook
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.transfer_functions import srgb_eotf, srgb_eotf_inverse
from gradecli.io.luts import read_lut
from gradecli.pipeline.match import MatchOptions, match_clips
from gradecli.pipeline.scene_looks import Anchor, SceneItem, scene_shifts, scenes, shifted
from tests.pipeline.test_match import _picture, cool, warm, write_clip


def _gained(rgb: np.ndarray, gains) -> np.ndarray:
    return srgb_eotf_inverse(np.clip(srgb_eotf(rgb) * np.asarray(gains), 0.0, 1.0))


def test_scenes_link_pictures_of_one_scene():
    p0, p1, p2 = _picture(0, 0), _picture(1, 0), _picture(2, 0)
    assert scenes([p0, p1, warm(p0), None, cool(p0), p2]) == [[0, 2, 4], [1], [3], [5]]


def test_scenes_do_not_link_a_layout_alike_picture_of_other_colours():
    # The same lightness layout in other colours (channels swapped): one scene by layout, but
    # its colours are not the first's times gains, so with the balances it is not linked.
    from gradecli.color.scene_balance import colour_balance

    p0 = _picture(0, 0)
    other = p0[..., ::-1]
    pics = [p0, warm(p0), other]
    bal = [colour_balance(p.reshape(-1, 3)) for p in pics]
    assert scenes(pics) == [[0, 1, 2]]
    assert scenes(pics, bal) == [[0, 1], [2]]


def test_a_scene_moves_to_one_level_and_a_hero_scene_to_the_hero():
    p0, p1 = _picture(0, 0), _picture(1, 0)
    flat = np.full((3, 19), 0.2)
    warmer = flat * np.exp([[0.5], [0.0], [-0.5]])  # the second take: R up, B down
    looks = [ShotLook((0.0, 0.0)), ShotLook((0.3, -0.3)), ShotLook((-0.1, 0.1))]
    items = [SceneItem(p0, looks[0], 1.0, flat), SceneItem(warm(p0), looks[1], 1.0, warmer),
             SceneItem(p1, looks[2], 1.0, flat)]
    goal = ShotLook((0.05, -0.05), black=0.02)
    out = scene_shifts(items, goal, "average", 2 / 3)
    assert set(out) == {0, 1}  # the shot whose scene is its own keeps its per-shot logic
    # By their colour balance the second take is e^0.5 redder and e^-0.5 bluer (the estimates
    # said less): their gains differ by that, so both end at one level.
    undo = np.exp([-0.5, 0.0, 0.5])
    np.testing.assert_allclose(np.divide(out[1].gains, out[0].gains), undo, rtol=1e-9)
    end = shifted(looks[0], out[0], goal)
    assert end.black == goal.black
    np.testing.assert_allclose(end.gains / looks[0].gains, out[0].gains, rtol=1e-9)
    # The first take is the hero: the second moves to it, the hero stays.
    items[0] = SceneItem(p0, looks[0], 1.0, flat, anchor=True)
    hero = scene_shifts(items, NEUTRAL, "hero", 2.0, p0)
    assert hero[1].share == 1.0
    np.testing.assert_allclose(hero[0].gains, 1.0, rtol=1e-12)
    np.testing.assert_allclose(hero[1].gains, undo, rtol=1e-12)
    # A hero picture outside the shots: a single shot of its scene moves to it.
    alone = scene_shifts(items[1:2], NEUTRAL, "hero", 2.0, p0, [Anchor(p0, flat)])
    np.testing.assert_allclose(alone[0].gains, undo, rtol=1e-12)
    assert scene_shifts(items[1:2], NEUTRAL, "hero", 2.0, p1, [Anchor(p1, flat)]) == {}


def _out_lab(clip_result, cast) -> np.ndarray:
    lut = read_lut(clip_result.shots[0].lut)
    pic = _picture(0, 10) if cast is None else cast(_picture(0, 10))
    return rgb_to_lab(lut.apply(pic))


def test_match_makes_two_takes_of_one_scene_agree_among_other_scenes(tmp_path):
    # Two takes of one scene, one warm and one cool, beside two other scenes: each take moved
    # towards the average by its own evidence stays far from the other; as one scene they meet.
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(0, 24)], cast=cool)
    c = write_clip(tmp_path / "c.mkv", [(1, 24)])
    d = write_clip(tmp_path / "d.mkv", [(2, 24)])
    res = match_clips([a, b, c, d], tmp_path / "o", MatchOptions(match="look", luts_only=True))
    by_name = {r.path.rsplit("/", 1)[-1]: r for r in res.clips}
    assert by_name["a.mkv"].shots[0].scene == by_name["b.mkv"].shots[0].scene == 0
    assert by_name["c.mkv"].shots[0].scene is None and by_name["d.mkv"].shots[0].scene is None
    before = float(delta_e2000(rgb_to_lab(warm(_picture(0, 10))),
                               rgb_to_lab(cool(_picture(0, 10)))).mean())
    after = float(delta_e2000(_out_lab(by_name["a.mkv"], warm),
                              _out_lab(by_name["b.mkv"], cool)).mean())
    # 12.7 -> 2.5 (each take on its own evidence: 6.0); what is left is the warm take's red,
    # clipped over a quarter of the picture, which no grade brings back.
    assert before > 8.0 and after < 0.25 * before
    assert all(s.look_change == 1.0 for s in by_name["a.mkv"].shots)


def test_the_cli_says_which_clips_were_matched_as_one_scene(tmp_path, capsys):
    from gradecli.cli.app import run

    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(0, 24)], cast=cool)
    c = write_clip(tmp_path / "c.mkv", [(1, 24)])
    run(["match", str(a), str(b), str(c), "--match", "look", "--luts-only", "-o",
         str(tmp_path / "o")])
    out = capsys.readouterr().out
    assert "a.mkv" in out and "same scene as b.mkv (matched by colour)" in out
    assert "same scene as a.mkv" in out and "c.mkv: 1 shot(s)" in out
    line_c = next(x for x in out.splitlines() if x.startswith("c.mkv: 1 shot(s)"))
    assert "same scene" not in line_c


def test_similarity_matrix_is_the_rank_correlation_of_every_pair():
    import cv2
    from scipy.stats import spearmanr

    from gradecli.pipeline.shot_look import content_similarity, similarity_matrix

    pics = [_picture(0, 0), warm(_picture(0, 0)), _picture(1, 5), np.full((72, 128, 3), 0.5),
            np.full((40, 40, 3), 0.2), None]
    sim = similarity_matrix(pics)
    np.testing.assert_allclose(sim, sim.T)
    np.testing.assert_allclose(np.diag(sim), 1.0)
    for i, j in ((0, 1), (0, 2), (1, 2)):
        lay = [cv2.resize(pics[k].astype(np.float32), (32, 32), interpolation=cv2.INTER_AREA)
               .mean(axis=2).ravel() for k in (i, j)]
        assert abs(sim[i, j] - spearmanr(*lay).statistic) < 1e-9
        assert abs(content_similarity(pics[i], pics[j]) - sim[i, j]) < 1e-12
    assert sim[3, 4] == 1.0 and sim[0, 3] == 0.0  # flat fields: alike only each other
    assert sim[0, 5] == 0.0 and sim[5, 3] == 0.0  # a missing picture is like nothing


def test_verify_compares_two_stills_of_one_scene_by_their_colours(tmp_path):
    import cv2

    from gradecli.color.look_estimate import look_difference
    from gradecli.pipeline.verify import verify
    from tests._look_photos import photos
    from tests.color.test_scene_balance import _gained

    pics = photos()
    a = pics["coffee"] * 0.9
    gains = np.array([1.3, 1.0, 0.75])
    paths = []
    for name, rgb in (("a", a), ("warm", _gained(a, gains)), ("other", pics["astronaut"])):
        path = tmp_path / f"{name}.png"
        cv2.imwrite(str(path), cv2.cvtColor(np.rint(rgb * 255).astype(np.uint8),
                                            cv2.COLOR_RGB2BGR))
        paths.append(path)
    res = verify(paths, by="look")
    one_scene = res.pairs[0]  # a against its warm take
    la = res.items[0].look
    g = la.gains * gains
    exact = look_difference(la, ShotLook((float(np.log(g[0] / g[1])), float(np.log(g[2] / g[1]))),
                                         float(np.log2(np.array([0.2126, 0.7152, 0.0722]) @ g))))
    assert abs(one_scene.look_delta_e00 - exact) < 0.3
    # The two estimates alone read the warm take's cast at about two thirds.
    estimated = look_difference(la, res.items[1].look)
    assert estimated < 0.85 * one_scene.look_delta_e00
    # Other content: the estimates, as before.
    assert res.pairs[1].look_delta_e00 == look_difference(la, res.items[2].look)


def test_scene_partners_and_the_report_line(tmp_path):
    from gradecli.pipeline.match_result import scene_partners
    from gradecli.pipeline.report import match_report_items

    assert scene_partners({"a": {0}, "b": {0, 1}, "c": set(), "d": {1}}) == {
        "a": ["b"], "b": ["a", "d"], "d": ["b"]}
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(0, 24)], cast=cool)
    c = write_clip(tmp_path / "c.mkv", [(1, 24)])
    res = match_clips([a, b, c], tmp_path / "o", MatchOptions(match="look", luts_only=True))
    items, _ = match_report_items(res.to_dict(), tmp_path)
    lines = {item.name: item.lines for item in items}
    assert "same scene as b.mkv (matched by colour)" in lines["a.mkv"]
    assert not any("same scene" in line for line in lines["c.mkv"])
