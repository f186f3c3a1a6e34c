"""Shots of one scene among others: their looks are made to agree exactly.

A match of several scenes may show one scene more than once: two cameras on one set, one take
delivered twice with different white balance, a cut back to an angle seen before. Shots of one
scene show the same colours, so how their grades differ is measured directly
(:func:`balance_change`: the ratios of their linear-light channels' percentiles, content
cancelling), not by the estimator, which is built to doubt: its ridge regression reads about two
thirds of a cast (measured: a 3500 K copy of a clip read as 86 "warm" above it; moved each half
way by that, the two still read 26 apart). The scene's look as a whole is as uncertain as any
one picture's. So, per scene (shots whose pictures' content_similarity is at least SCENE_LINK
and whose colours differ by gains alone, linked) of two or more shots, or of one shot and the
target's own picture:

- the scene's level is the mean of its shots' looks, moved towards the target look only as far
  as that change stands out from content noise (change_evidence, with the noise of a scene's
  estimate against the target's: an average target shares it in proportion to the scene's
  weight in the average);
- a scene that shows the target itself (a hero's shot, or a hero or reference picture that is
  not an input) goes where the target stands, by the balances alone;
- every shot of the scene is then moved to its level in full.

Shots whose scene is their own are not touched here: each moves towards the target as far as
its own evidence allows (shot_look).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from gradecli.color.look_estimate import (
    ShotLook,
    change_evidence,
    look_difference,
    mean_look,
    towards,
)
from gradecli.color.scene_balance import (
    GAIN_SPREAD,
    balance_change,
    colour_balance,
    gain_spread,
)
from gradecli.color.spaces import lab_to_rgb
from gradecli.engine.analysis import ClipAnalysis
from gradecli.pipeline.analysis import MediaProfile
from gradecli.pipeline.shot_fit import ShotGoal
from gradecli.pipeline.shot_look import (
    scene_noise_scale,
    similarity_matrix,
    unbarred,
)
from gradecli.pipeline.targets import Target

__all__ = ["SCENE_LINK", "Anchor", "SceneItem", "SceneShift", "clip_scene_shifts",
           "profile_look_difference", "same_scene_goal", "scene_look_difference", "scenes",
           "scene_shifts", "shifted", "target_anchors"]

#: Content similarity (shot_look.content_similarity) above which two shots may be one scene
#: here. Stricter than shot_look.SAME_SCENE (0.8), since a false link makes two pictures' colours
#: agree, content and all: different photos reach 0.81 (a mountain meadow against dune grass),
#: while the bundled Caminandes shots against its 3500 K copy measure 0.94-1.00. Linked pictures
#: must also differ by gains alone (scene_balance.gain_spread <= GAIN_SPREAD).
SCENE_LINK = 0.9


@dataclass(frozen=True)
class SceneItem:
    """One shot as scene matching sees it: its bar-cropped ``picture`` (None: no scene), its
    estimated ``look``, its ``weight`` in an average target (e.g. its samples), its
    ``balance`` (gradecli.color.scene_balance.colour_balance), and whether it is the target
    itself (a hero's shot: ``anchor``)."""

    picture: np.ndarray | None
    look: ShotLook
    weight: float
    balance: np.ndarray
    anchor: bool = False


@dataclass(frozen=True)
class Anchor:
    """A picture of the target that is not a shot being matched (a hero or reference clip's
    shot, or still, outside the inputs): its bar-cropped picture and its ``balance``
    (gradecli.color.scene_balance.colour_balance)."""

    picture: np.ndarray
    balance: np.ndarray


@dataclass(frozen=True)
class SceneShift:
    """The change of look given to one shot of a scene: ``gains``, linear-light (R, G, B)
    multipliers; ``scene``, the scene's number (0, 1, ... in the order of their first shots);
    ``share`` 0..1, how much of the change from the scene's mean look to the target was made (1
    for a scene that shows the target)."""

    gains: tuple[float, float, float]
    scene: int
    share: float


def scenes(pictures: list[np.ndarray | None], balances: list[np.ndarray] | None = None,
           threshold: float = SCENE_LINK) -> list[list[int]]:
    """Indices of ``pictures`` grouped by scene: two pictures are linked when their content
    similarity is at least ``threshold`` and, with ``balances``, their colours differ by
    per-channel gains (gain_spread at most GAIN_SPREAD); linked pictures, and so their scenes,
    are one scene (single linkage). Missing pictures are scenes of their own. Scenes in order
    of their first member."""
    from scipy.sparse.csgraph import connected_components

    missing = np.array([p is None for p in pictures], bool)
    linked = similarity_matrix(pictures) >= threshold
    linked[missing, :] = linked[:, missing] = False
    if balances is not None:
        for i, j in zip(*np.nonzero(np.triu(linked, 1)), strict=True):
            if gain_spread(balances[i], balances[j]) > GAIN_SPREAD:
                linked[i, j] = linked[j, i] = False
    _, labels = connected_components(linked, directed=False)
    found: dict[int, list[int]] = {}
    for i, label in enumerate(labels):  # in order of first member
        found.setdefault(int(label), []).append(i)
    return list(found.values())


def _average_noise(weights: np.ndarray, members: list[int], all_scenes: list[list[int]]) -> float:
    """The noise (in units of one estimate's) of the change from a scene's mean look to the
    weighted average of every shot's look: the scene's own content noise counts ``1 - w``
    times, every other scene's ``w_s`` times, ``w`` the scenes' shares of the weights."""
    w = weights / weights.sum()
    own = float(w[members].sum())
    others = sum(float(w[s].sum()) ** 2 for s in all_scenes if s is not members)
    return (1.0 - own) ** 2 + others


def scene_shifts(
    items: list[SceneItem],
    goal: ShotLook,
    target_kind: str,
    noise_scale: float,
    target_picture: np.ndarray | None = None,
    anchors: list[Anchor] | None = None,
) -> dict[int, SceneShift]:
    """Per shot (index into ``items``) whose scene holds another shot or the target, the change
    of look that takes it to its scene's level (see the module's docstring).

    ``goal``: the target look, of kind ``target_kind`` ("average", "median", "neutral", ...);
    ``noise_scale``: the noise of a change towards it from one shot
    (shot_look.target_noise_scale); ``target_picture``: the target's own picture, if it is one;
    ``anchors``: the target's pictures that are not among ``items``."""
    anchors = anchors or []
    n = len(items)
    found = scenes([it.picture for it in items] + [a.picture for a in anchors],
                   [it.balance for it in items] + [a.balance for a in anchors])
    shot_scenes = [[i for i in s if i < n] for s in found]
    w = (np.array([it.weight for it in items], np.float64) if target_kind == "average"
         else np.ones(n))
    out: dict[int, SceneShift] = {}
    number = 0
    for members, whole in zip(shot_scenes, found, strict=True):
        if not members or len(whole) < 2:
            continue
        # Per-channel log gains of each picture against the scene's first shot.
        pos = np.array([balance_change(items[members[0]].balance, b) for b in
                        [items[i].balance for i in members]
                        + [anchors[i - n].balance for i in whole if i >= n][:1]])
        targets = [k for k, i in enumerate(members) if items[i].anchor]
        if targets or len(pos) > len(members):  # the scene shows the target: to it
            there, share = pos[targets[0] if targets else len(members)], 1.0
        else:  # to the scene's mean look, moved towards the target as far as evidence allows
            mean = mean_look([items[i].look for i in members], [float(w[i]) for i in members])
            if target_kind in ("average", "median"):
                noise = _average_noise(w, members, [s for s in shot_scenes if s])
            else:
                noise = scene_noise_scale(noise_scale, items[members[0]].picture, target_picture)
            share = change_evidence(mean, goal, noise)
            level = towards(mean, goal, share)
            centre = (w[members] / w[members].sum()) @ pos
            there = centre + np.log(level.gains / mean.gains)
        for k, i in enumerate(members):
            out[i] = SceneShift(tuple(float(g) for g in np.exp(there - pos[k])), number, share)
        number += 1
    return out


def shifted(look: ShotLook, shift: SceneShift, goal: ShotLook) -> ShotLook:
    """The look whose gains are ``look``'s times ``shift``'s, with ``goal``'s black point: where
    a shot of a scene goes (a transfer from ``look`` to it applies exactly ``shift.gains``)."""
    return ShotLook.from_gains(look.gains * np.asarray(shift.gains), goal.black, goal.confidence)


def clip_scene_shifts(analyses: list[ClipAnalysis], looks: list[list[ShotLook]], tgt: Target,
                      goal: ShotLook, noise_scale: float, target_picture: np.ndarray | None,
                      ) -> dict[tuple[int, int], SceneShift]:
    """:func:`scene_shifts` for every shot of analysed clips (``looks``: each clip's shot
    looks), towards the target ``tgt`` with look ``goal``: (clip index, shot index) -> the
    change to its scene's level, for the shots whose scene another shot, or the target's own
    picture, shows too."""
    keys, items = [], []
    for i, a in enumerate(analyses):
        for j, shot in enumerate(a.shots):
            keys.append((i, j))
            items.append(SceneItem(unbarred(a, shot.thumb), looks[i][j], float(len(shot.rgb)),
                                   colour_balance(shot.rgb, a.encoding), anchor=i == tgt.hero))
    found = scene_shifts(items, goal, tgt.kind, noise_scale, target_picture,
                         target_anchors(tgt, analyses[0].encoding) if analyses else [])
    return {keys[k]: v for k, v in found.items()}


def target_anchors(tgt: Target, encoding: str) -> list[Anchor]:
    """The target's own pictures when it is a clip or still that is not an input (a hero or
    reference): per shot of a clip, else the still; none for other targets."""
    if tgt.hero is not None or tgt.kind in ("average", "median", "neutral", "stats"):
        return []
    if tgt.shots:
        return [Anchor(pic, colour_balance(rgb, encoding)) for pic, rgb in tgt.shots
                if pic is not None]
    if tgt.thumb is None:
        return []
    return [Anchor(tgt.thumb, colour_balance(lab_to_rgb(tgt.lab, encoding), encoding))]


def scene_look_difference(a: ShotLook, b: ShotLook,
                          pictures: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
                          balances: tuple[np.ndarray | None, np.ndarray | None] = (None, None),
                          ) -> float:
    """The look difference (look_estimate.look_difference, ΔE00 on the ColorChecker) of two
    clips or stills with looks ``a`` and ``b``. When their ``pictures`` show one scene and their
    ``balances`` (color.scene_balance.colour_balance of the samples the pictures come from) are
    given, ``b`` is read as ``a`` changed by the gains their colours measure, ``b``'s black
    kept: exact where the estimator reads about two thirds of a cast."""
    ba, bb = balances
    if ba is None or bb is None or len(scenes(list(pictures), [ba, bb])) > 1:
        return look_difference(a, b)
    measured = ShotLook.from_gains(a.gains * np.exp(balance_change(ba, bb)), b.black,
                                   b.confidence)
    return look_difference(a, measured)


def profile_look_difference(a: MediaProfile, b: MediaProfile) -> float:
    """:func:`scene_look_difference` of two profiled inputs (``verify``, match's gate)."""
    return scene_look_difference(a.look, b.look, (a.picture, b.picture), (a.balance, b.balance))


def same_scene_goal(goal: ShotGoal, src_look: ShotLook, sample: np.ndarray, picture: np.ndarray,
                   target: Target) -> ShotGoal:
    """``goal`` (look mode) for a still (its look ``src_look``, R'G'B' ``sample`` (N, 3) 0..1
    sRGB, small ``picture``), or, when the reference ``target`` shows the same scene, the
    reference's grade read from their colours and made in full."""
    item = SceneItem(picture, src_look, 1.0, colour_balance(sample, "srgb"))
    shift = scene_shifts([item], goal.look, "ref", goal.noise_scale, target.thumb,
                         target_anchors(target, "srgb")).get(0)
    if shift is None:
        return goal
    return dataclasses.replace(goal, look=shifted(src_look, shift, goal.look), noise_scale=0.0)
