"""match and grade --ref: shots, targets, outputs and bad input."""

from __future__ import annotations

import json
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from gradecli.cli.app import run
from gradecli.color.ciede2000 import delta_e2000
from gradecli.color.spaces import rgb_to_lab
from gradecli.color.temporal import detect_cuts
from gradecli.color.ycbcr import YCbCrSpec, rgb_to_ycbcr
from gradecli.engine.analysis import analyze_clip
from gradecli.errors import BadInputError
from gradecli.io.images import write_image
from gradecli.io.luts import read_lut
from gradecli.io.video import EncodeOptions, frame_planes, plane_layout
from gradecli.pipeline.grade import GradeRequest, grade_file
from gradecli.pipeline.match import MatchOptions, match_clips
from gradecli.pipeline.shot_look import DEFAULT_MAX_DE
from gradecli.pipeline.targets import parse_target

SPEC = YCbCrSpec("bt709", False, 8)


def _picture(kind: int, t: int, h: int = 72, w: int = 128) -> np.ndarray:
    """Distinct scenes: moving gradients of different colours (float RGB 0..1)."""
    yy, xx = np.mgrid[0:h, 0:w] / w
    base = [(0.8, 0.5, 0.3), (0.2, 0.5, 0.8), (0.4, 0.75, 0.3), (0.7, 0.7, 0.7)][kind % 4]
    wave = 0.2 * np.sin(8 * xx + 0.15 * t + kind) * np.cos(5 * yy + kind)
    return np.clip(np.array(base) + wave[..., None] + 0.3 * (xx[..., None] - 0.5), 0, 1)


def write_clip(path: Path, scenes: list[tuple[int, int]], cast=None) -> Path:
    """A clip made of (scene kind, frame count) shots with hard cuts between them."""
    lay = plane_layout("yuv444p")
    with av.open(str(path), "w") as out:
        s = out.add_stream("ffv1", rate=24)
        s.width, s.height, s.pix_fmt = 128, 72, "yuv444p"
        s.codec_context.colorspace, s.codec_context.color_range = 1, 1
        t = 0
        for kind, n in scenes:
            for _ in range(n):
                rgb = _picture(kind, t)
                if cast is not None:
                    rgb = cast(rgb)
                codes = rgb_to_ycbcr(rgb, SPEC).astype(np.uint8)
                f = av.VideoFrame(128, 72, "yuv444p")
                for dst, c in zip(frame_planes(f, lay), range(3), strict=True):
                    np.copyto(dst, codes[..., c])
                f.pts, f.time_base = t, Fraction(1, 24)
                for p in s.encode(f):
                    out.mux(p)
                t += 1
        for p in s.encode(None):
            out.mux(p)
    return path


def warm(x):
    return np.clip(x * np.array([1.15, 1.0, 0.8]), 0, 1)


def cool(x):
    return np.clip(x * np.array([0.85, 1.0, 1.15]), 0, 1)


def test_detect_cuts_on_scores():
    s = np.full(100, 0.02)
    s[40] = 0.8
    s[70] = 0.9
    s[71] = 0.85  # a second high score right after: one cut only
    assert detect_cuts(s, 24, min_shot_s=0.4) == [40, 70]
    flash = np.full(100, 0.02)
    flash[50] = flash[51] = 0.9
    settled = np.full(100, 0.02)  # frame 49 vs 51 are alike: a flash, not a cut
    assert detect_cuts(flash, 24, settled=settled) == []


def test_analysis_finds_hard_cuts(tmp_path):
    clip = write_clip(tmp_path / "c.mkv", [(0, 30), (1, 25), (2, 30)])
    a = analyze_clip(clip, encoding="srgb")
    assert a.cuts == [30, 55]
    assert [(s.start, s.end) for s in a.shots] == [(0, 30), (30, 55), (55, 85)]
    single = analyze_clip(write_clip(tmp_path / "s.mkv", [(0, 48)]), encoding="srgb")
    assert single.cuts == [] and len(single.shots) == 1


def test_match_one_lut_per_shot_and_report(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 30), (1, 30)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(0, 30), (1, 30)], cast=cool)
    out = tmp_path / "out"
    opts = MatchOptions(match="colour", encode=EncodeOptions(codec="ffv1"))
    res = match_clips([a, b], out, opts)
    assert res.max_before > 5 and res.max_after < 0.5 and res.passed
    clip = res.clips[0]
    assert clip.cuts == [30] and len(clip.shots) == 2
    assert (out / "a.shot01.cube").exists() and (out / "a.shot02.cube").exists()
    assert (out / "a.mkv").exists() and (out / "b.mkv").exists()
    lut1, lut2 = read_lut(out / "a.shot01.cube"), read_lut(out / "a.shot02.cube")
    assert not np.allclose(lut1.table, lut2.table)


def test_match_look_mode_matches_looks_and_keeps_content(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 24)], cast=cool)
    res = match_clips([a, b], tmp_path / "o", MatchOptions(match="look", luts_only=True))
    assert res.by == "look" and res.method == "look"
    pair = res.pairs[0]
    assert res.max_after == pair.look_after and res.max_before == pair.look_before
    assert res.clips[0].look_before["words"] and res.clips[0].look_after["words"]
    assert res.max_de == DEFAULT_MAX_DE["look"]  # the default threshold between looks
    assert res.max_after < 0.5 * res.max_before  # a clear warm/cool difference is matched
    assert all(s.look_change > 0.5 for c in res.clips for s in c.shots) and not res.looks_left
    auto = match_clips([a, b], tmp_path / "d", MatchOptions(luts_only=True))
    assert auto.by == "look"  # different pictures: auto matches looks
    colour = match_clips([a, b], tmp_path / "c", MatchOptions(match="colour", luts_only=True))
    assert colour.by == "colour" and colour.max_after == colour.pairs[0].after
    assert colour.max_de == 2.0
    looks = MatchOptions(match="look", luts_only=True, target="neutral")
    neutral = match_clips([a, b], tmp_path / "n", looks)
    assert "neutral" in neutral.target
    with pytest.raises(BadInputError, match="neutral needs --match look"):
        MatchOptions(match="colour", target="neutral").validate()
    with pytest.raises(BadInputError, match="--match must be"):
        MatchOptions(match="nope").validate()


def test_auto_matches_takes_of_one_scene_by_colour(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(0, 24)], cast=cool)
    res = match_clips([a, b], tmp_path / "o", MatchOptions(luts_only=True))
    assert res.by == "colour" and res.method != "look"


def test_content_similarity_ignores_casts_and_tells_scenes_apart():
    from gradecli.pipeline.shot_look import content_similarity, same_scene

    p0, p1 = _picture(0, 0), _picture(1, 0)
    assert content_similarity(p0, warm(p0)) > 0.95
    assert content_similarity(p0, p0 ** 2.0) > 0.99  # a tone curve keeps the layout
    assert content_similarity(p0, p1) < 0.8
    assert same_scene([p0, cool(p0), warm(p0)]) and not same_scene([p0, p1])
    assert not same_scene([p0, None])


def test_match_hero_target_recovers_the_hero(tmp_path):
    hero = write_clip(tmp_path / "hero.mkv", [(0, 36)])
    casts = [
        write_clip(tmp_path / f"c{i}.mkv", [(0, 36)], cast=f) for i, f in enumerate([warm, cool])
    ]
    res = match_clips(
        [*casts, hero],
        tmp_path / "o",
        MatchOptions(match="colour", target=f"hero:{hero}", luts_only=True),
    )
    for c in res.clips[:2]:
        lut = read_lut(c.shots[0].lut)
        for t in (0, 20):
            want = rgb_to_lab(_picture(0, t))
            got = rgb_to_lab(
                lut.apply(warm(_picture(0, t)) if "c0" in c.path else cool(_picture(0, t)))
            )
            assert float(delta_e2000(got, want).mean()) < 2.0
    hero_lut = read_lut(res.clips[2].shots[0].lut)
    assert hero_lut.is_identity(1e-6)


def test_match_towards_a_reference_clip_that_is_not_rendered(tmp_path):
    # The same scene in two casts, matched towards the uncast take given as ref:CLIP (colour
    # mode: one scene): both come out as the reference, which is analysed and not rendered.
    ref = write_clip(tmp_path / "ref.mkv", [(0, 36)])
    casts = [
        write_clip(tmp_path / f"c{i}.mkv", [(0, 36)], cast=f) for i, f in enumerate([warm, cool])
    ]
    out = tmp_path / "o"
    res = match_clips(casts, out, MatchOptions(target=f"ref:{ref}", luts_only=True))
    assert res.target.startswith("reference clip ref.mkv")
    assert sorted(p.name for p in out.glob("*.cube")) == ["c0.cube", "c1.cube"]
    for c, f in zip(res.clips, (warm, cool), strict=True):
        lut = read_lut(c.shots[0].lut)
        want = rgb_to_lab(_picture(0, 20))
        assert float(delta_e2000(rgb_to_lab(lut.apply(f(_picture(0, 20)))), want).mean()) < 2.0


def test_a_hero_clip_gives_the_same_look_inside_or_outside_the_inputs(tmp_path):
    # Look mode towards hero:C: the shots of A and B get the same LUTs whether C is one of the
    # inputs (its look estimated per shot) or only named (analysed apart, estimated alike).
    a = write_clip(tmp_path / "a.mkv", [(0, 24), (1, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(2, 36)], cast=cool)
    c = write_clip(tmp_path / "c.mkv", [(3, 24), (1, 24)])
    opts = MatchOptions(match="look", target=f"hero:{c}", luts_only=True)
    inside = match_clips([a, b, c], tmp_path / "in", opts)
    outside = match_clips([a, b], tmp_path / "out", opts)
    assert outside.target.endswith("(not rendered)")
    for ci, co in zip(inside.clips[:2], outside.clips, strict=True):
        for si, so in zip(ci.shots, co.shots, strict=True):
            np.testing.assert_allclose(read_lut(si.lut).table, read_lut(so.lut).table, atol=1e-6)


def test_grade_towards_a_reference_clip(tmp_path, capsys):
    ref = write_clip(tmp_path / "ref.mkv", [(0, 36)])
    src = write_clip(tmp_path / "src.mkv", [(0, 36)], cast=warm)
    res = grade_file(src, tmp_path / "out.mkv", GradeRequest(ref=str(ref)))
    assert res.delta_e00_to_ref_after < 0.5 * res.delta_e00_to_ref_before
    assert len(json.loads((tmp_path / "out.grade.json").read_text())["reference"]["sha256"]) == 64
    # A still graded towards a clip (colours matched): the clip's sampled frames are the look.
    still = tmp_path / "s.png"
    write_image(still, warm(_picture(0, 10)))
    res = grade_file(still, tmp_path / "s_out.png",
                     GradeRequest(ref=str(ref), options=MatchOptions(match="colour")))
    assert res.delta_e00_to_ref_after < 0.5 * res.delta_e00_to_ref_before
    # A reference that is neither: exit 2, one line, nothing written.
    bad = tmp_path / "ref.txt"
    bad.write_text("x")
    assert run(["grade", str(still), "--ref", str(bad), "-o", str(tmp_path / "b.png")]) == 2
    err = capsys.readouterr().err
    assert "ref.txt: --ref must be a still image" in err and "Traceback" not in err
    assert not list(tmp_path.glob("b.*"))


def test_match_cli_exit_codes_and_skips_broken(tmp_path, capsys):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(3, 24)], cast=cool)
    bad = tmp_path / "bad.mkv"
    bad.write_bytes(b"junk" * 100)
    out = tmp_path / "out"
    code = run(["--quiet", "match", str(a), str(b), str(bad), "-o", str(out), "--luts-only"])
    assert code == 1  # the broken clip is reported, the others finished
    assert "bad.mkv" in capsys.readouterr().err
    report = json.loads((out / "match_report.json").read_text())
    assert [Path(f["path"]).name for f in report["failed"]] == ["bad.mkv"]
    assert (out / "a.cube").exists() and (out / "b.cube").exists()
    assert run(["match", str(a), str(bad), "-o", str(tmp_path / "o2")]) == 2
    err = capsys.readouterr().err
    assert "at least two usable clips" in err and "Traceback" not in err
    assert run(["match", str(a), "-o", str(tmp_path / "o3"), "--method", "nope"]) == 2
    err = capsys.readouterr().err
    assert "unknown --method 'nope'" in err
    assert all(m in err for m in ("auto", "reinhard", "histogram", "mkl", "idt", "model",
                                  "model-int8"))  # every method the help lists


def test_targets_parse():
    assert parse_target("average") == ("average", None)
    assert parse_target("hero:x.mp4") == ("hero", "x.mp4")
    for bad in ("mean", "hero", "first:x"):
        with pytest.raises(BadInputError):
            parse_target(bad)


def test_stats_target(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 24)], cast=cool)
    prof = tmp_path / "look.json"
    prof.write_text(json.dumps({"mean": [55, 5, 10], "std": [15, 6, 8]}))
    res = match_clips([a, b], tmp_path / "o", MatchOptions(target=f"stats:{prof}", luts_only=True))
    for c in res.clips:
        assert float(delta_e2000(c.after_mean_lab, [55, 5, 10])) < 0.5


def test_grade_still_and_clip_to_ref(tmp_path):
    ref = tmp_path / "ref.png"
    write_image(ref, warm(_picture(2, 0, 60, 80)))
    still = tmp_path / "still.png"
    write_image(still, cool(_picture(0, 3, 60, 80)))
    colour = MatchOptions(match="colour")
    res = grade_file(still, None, GradeRequest(ref=ref, options=colour))
    assert Path(res.output).exists() and Path(res.luts[0]).exists()
    assert res.delta_e00_to_ref_after < res.delta_e00_to_ref_before
    clip = write_clip(tmp_path / "c.mkv", [(0, 24), (1, 24)], cast=cool)
    req = GradeRequest(
        ref=ref, options=MatchOptions(match="colour", encode=EncodeOptions(codec="ffv1"))
    )
    res = grade_file(clip, tmp_path / "g.mkv", req, lut_out=tmp_path / "look.cube")
    assert res.shots == 2 and len(res.luts) == 2
    assert res.delta_e00_to_ref_after < 1.0
    notes = tmp_path / "notes.txt"
    notes.write_text("not a picture")
    with pytest.raises(BadInputError, match=r"notes.txt: --ref must be a still image .* or a clip"):
        grade_file(still, None, GradeRequest(ref=notes))


def dark(x):
    return x * 0.25


def test_groups_auto_and_parallel_jobs(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=warm)
    b = write_clip(tmp_path / "b.mkv", [(1, 24)], cast=cool)
    c = write_clip(tmp_path / "c.mkv", [(3, 24)], cast=dark)
    opts = MatchOptions(groups="auto", jobs=2, encode=EncodeOptions(codec="ffv1"))
    res = match_clips([a, b, c], tmp_path / "o", opts)
    assert sorted(len(g) for g in res.groups) == [1, 2]
    assert [Path(p).name for p in next(g for g in res.groups if len(g) == 1)] == ["c.mkv"]
    assert all((tmp_path / "o" / n).exists() for n in ("a.mkv", "b.mkv", "c.mkv"))
    assert len(res.pairs) == 1  # pairs are compared within a group
    # Rendered in worker processes, the clips' profiles come back with their outcomes.
    assert res.measured == "rendered clips" and res.pairs[0].rendered is not None


def test_grade_cli(tmp_path, capsys):
    ref = tmp_path / "ref.png"
    write_image(ref, warm(_picture(2, 0, 60, 80)))
    still = tmp_path / "s.png"
    write_image(still, cool(_picture(0, 3, 60, 80)))
    assert run(["--quiet", "grade", str(still), "--ref", str(ref), "-o", str(tmp_path / "o.png"),
                "--method", "mkl"]) == 0
    assert (tmp_path / "o.png").exists() and (tmp_path / "o.cube").exists()
    assert "ΔE00" in capsys.readouterr().out
    assert run(["grade", str(still), "--ref", str(tmp_path / "none.png")]) == 2
    assert "none.png" in capsys.readouterr().err


def letterboxed(x):
    out = x.copy()
    out[:12] = 0.0
    out[-12:] = 0.0
    return out


def test_letterbox_bars_are_found_and_kept_black(tmp_path):
    a = write_clip(tmp_path / "a.mkv", [(0, 24)], cast=lambda x: letterboxed(warm(x)))
    b = write_clip(tmp_path / "b.mkv", [(1, 24)], cast=lambda x: cool(x) * 0.7 + 0.2)
    assert analyze_clip(a, encoding="srgb").bars[:2] == (12, 12)
    opts = MatchOptions(match="colour", encode=EncodeOptions(codec="ffv1"))
    res = match_clips([a, b], tmp_path / "o", opts)
    assert res.passed
    with av.open(str(tmp_path / "o" / "a.mkv")) as c:
        for f in c.decode(video=0):
            y = frame_planes(f, plane_layout("yuv444p"))[0]
            assert (y[:12] == 16).all() and (y[-12:] == 16).all()
            assert y[12:-12].mean() > 30


def test_looks_left_when_no_shot_changed():
    from gradecli.pipeline.match_result import ClipResult, MatchResult, ShotResult

    def clip(change):
        shot = ShotResult(0, 0, 10, 0.0, 0.4, None, [50, 0, 0], [50, 0, 0], {}, {}, change)
        return ClipResult("c.mp4", None, 0, 10, [], [shot], [50, 0, 0], [50, 0, 0])

    def result(*changes):
        return MatchResult("look", "t", [clip(c) for c in changes], [], [], [], 10.0)

    assert result(0.0, 0.0).looks_left
    assert not result(0.0, 0.3).looks_left
    assert not result(None, None).looks_left  # colour mode: no look changes to speak of


def test_the_note_when_no_look_changed_names_what_was_within_the_noise():
    from gradecli.cli.match import looks_left_note
    from gradecli.pipeline.match_result import ClipResult, MatchResult, ShotResult

    def result(target, change):
        shot = ShotResult(0, 0, 10, 0.0, 0.4, None, [50, 0, 0], [50, 0, 0], {}, {}, change)
        clip = ClipResult("c.mp4", None, 0, 10, [], [shot], [50, 0, 0], [50, 0, 0])
        kind = "average" if target.startswith("average") else "ref"
        return MatchResult("look", target, [clip], [], [], [], 10.0, target_kind=kind)

    average = looks_left_note(result("average of the inputs (Wasserstein barycentre)", 0.0))
    assert average.startswith("the clips' looks differ") and "--target ref:IMAGE" in average
    ref = looks_left_note(result("reference still coffee.png", 0.0))
    assert ref.startswith("each clip's look differs from the target's")
    assert "--target ref:IMAGE" not in ref  # the user named one already
    assert looks_left_note(result("reference still coffee.png", 0.4)) is None
