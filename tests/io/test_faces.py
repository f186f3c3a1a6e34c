"""Face search: the two size ranges together find what the whole search finds, and the seed
search looks for small faces only where the large ones are too few."""

from __future__ import annotations

import numpy as np
import pytest

from gradecli.io import faces
from gradecli.io.faces import Face, detect_faces, merged, seed_faces
from gradecli.io.images import read_image
from tests.conftest import EXAMPLES


@pytest.fixture(scope="module")
def astronaut() -> np.ndarray:
    return read_image(EXAMPLES / "stills" / "astronaut.png").rgb


@pytest.fixture(scope="module")
def small_faces(astronaut) -> np.ndarray:
    """The astronaut shrunk to half, four times in a 2 x 2 mosaic of the original's size: four
    faces of about 10 % of the long side (under the large range's 12 %)."""
    import cv2

    h, w = astronaut.shape[:2]
    return np.tile(cv2.resize(astronaut, (w // 2, h // 2), interpolation=cv2.INTER_AREA),
                   (2, 2, 1))


def _share(face: Face, picture: np.ndarray) -> float:
    return face.w / max(picture.shape[:2])


def test_large_and_small_ranges_cover_the_whole_search(astronaut, small_faces):
    for pic in (astronaut, small_faces):
        whole = detect_faces(pic)
        assert whole, "the test pictures show a face"
        both = merged([*detect_faces(pic, sizes="large"), *detect_faces(pic, sizes="small")])
        assert both == whole


def test_each_range_finds_its_own_sizes(astronaut, small_faces):
    large = detect_faces(astronaut, sizes="large")
    assert len(large) == 1 and _share(large[0], astronaut) >= 0.12
    assert detect_faces(small_faces, sizes="large") == []
    small = detect_faces(small_faces, sizes="small")
    assert len(small) == 4 and all(_share(f, small_faces) < 0.12 for f in small)


def test_seed_search_skips_small_faces_when_large_ones_are_enough(astronaut, monkeypatch):
    calls: list[str] = []
    real = faces.detect_faces

    def counted(pic, min_side=24, sizes="all"):
        calls.append(sizes)
        return real(pic, min_side, sizes)

    monkeypatch.setattr(faces, "detect_faces", counted)
    found = seed_faces([astronaut, astronaut[:, ::-1].copy()])
    assert [len(f) for f in found] == [1, 1]
    assert calls == ["large", "large"]  # two large faces: enough, no small search
    calls.clear()
    assert [len(f) for f in seed_faces([astronaut])] == [1]
    assert calls == ["large", "small"]  # one is too few: the small ones are searched too


def test_seed_search_finds_small_faces_when_there_are_no_large_ones(small_faces):
    found = seed_faces([small_faces])
    assert len(found[0]) == 4 and all(_share(f, small_faces) < 0.12 for f in found[0])


def test_sizes_is_checked(astronaut):
    with pytest.raises(ValueError, match="sizes"):
        detect_faces(astronaut, sizes="medium")
