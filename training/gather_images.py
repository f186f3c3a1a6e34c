"""Gather the training and evaluation photos of the style model, deterministically and offline.

Sources (all installed from package registries, no other downloads):

- Debian packages ``opencv-doc`` (OpenCV's sample images), ``lomiri-wallpapers-16.04``,
  ``lomiri-wallpapers-20.04``, ``mate-backgrounds`` (photographic wallpapers) and
  ``jigzo-data`` (the photographs inside the jigsaw game's ``.pzl`` puzzles, see
  :func:`read_pzl`), fetched with ``apt-get download`` and unpacked with ``dpkg-deb -x`` into
  ``training/data/raw/``. Each file's licence is read from the package's machine-readable
  ``/usr/share/doc/<package>/copyright`` (DEP-5: the last ``Files:`` paragraph whose pattern
  matches the file's path in the source tree wins); a file whose licence cannot be found, or is
  not in :data:`ALLOWED_LICENCES`, is skipped. ``gnome-backgrounds``, ``lomiri-wallpapers``,
  ``ukui-wallpapers`` and ``sway-backgrounds`` were looked at too but hold no photographs
  (renders, abstract art, illustrations, logos); they are listed in :data:`PACKAGES` with nothing
  curated, and a package with nothing curated is not downloaded.
- scikit-image's bundled photographs (``skimage/data``), licences from their docstrings.

Only photographs are kept: the candidates per package are listed by hand in :data:`CURATED`
(after looking at every colour image of each package: drawings, renders, abstract art, logos,
documents, synthetic test patterns, photo composites, near-duplicate stereo/exposure pairs and
the same picture at several sizes or in light/dark variants are left out), and each must also
be colour (not grey) and at least :data:`MIN_SIDE` pixels on its short side.
scikit-image's astronaut, coffee, chelsea and rocket are the project's examples/stills, which are
reserved for independent evaluation, so they are recorded as excluded and never written.

Output: ``training/data/images/<source>__<name>.png`` (8-bit sRGB, resized with area averaging
to at most :data:`MAX_SIDE` pixels on the long side) and ``training/data/manifest.json`` (file,
source package and version, original path, copyright, licence, size, split). The split holds
out a seeded 20% of each source's photos (``split: "eval"``) for the benchmark; the rest are
``"train"``. Running the script twice gives identical files.

Run: ``python -m training.gather_images`` (needs ``apt-get`` and ``dpkg-deb``; a few hundred MB
of downloads the first time, cached in ``training/data/raw/``).
"""

from __future__ import annotations

import argparse
import fnmatch
import hashlib
import json
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RAW = DATA / "raw"
IMAGES = DATA / "images"
MANIFEST = DATA / "manifest.json"

MAX_SIDE = 512
MIN_SIDE = 200
EVAL_FRACTION = 0.2
SPLIT_SEED = 20240501

#: Licences that allow use for training and redistribution of results (with attribution).
ALLOWED_LICENCES = {
    "Apache-2.0 AND BSD-3-Clause",
    "BSD-3-Clause",
    "CC0-1.0",
    "CC-BY-4.0",
    "CC-BY-SA-3.0",
    "CC-BY-SA-4.0",
    "GPL-2",
    "GPL-2+",
    "public domain",
}


@dataclass(frozen=True)
class Package:
    """A Debian package and where its installed files sit in the upstream source tree."""

    name: str
    installed_prefix: str  # path inside the .deb of the image folder
    source_prefix: str  # the same folder in the source tree the copyright file describes


PACKAGES = (
    Package("opencv-doc", "usr/share/doc/opencv-doc/examples/", "samples/"),
    Package("lomiri-wallpapers-16.04", "usr/share/backgrounds/", "16.04/"),
    Package("mate-backgrounds", "usr/share/backgrounds/mate/", ""),
    Package("lomiri-wallpapers-20.04", "usr/share/backgrounds/", "20.04/"),
    Package("jigzo-data", "usr/share/games/jigzo/", ""),
    # Looked at, but no photographs (see CURATED); their copyright files are not consulted.
    Package("gnome-backgrounds", "usr/share/backgrounds/gnome/", "backgrounds/"),
    Package("lomiri-wallpapers", "usr/share/backgrounds/", ""),
    Package("ukui-wallpapers", "usr/share/backgrounds/", "backgrounds/"),
    Package("sway-backgrounds", "usr/share/backgrounds/sway/", "assets/"),
)

#: Photographs per package, as paths below ``installed_prefix`` (chosen by looking at them).
CURATED: dict[str, tuple[str, ...]] = {
    "opencv-doc": (
        "alphamat/input_images/plant.jpg",
        "data/aero1.jpg",
        "data/aloeL.jpg",
        "data/apple.jpg",
        "data/baboon.jpg",
        "data/board.jpg",
        "data/building.jpg",
        "data/butterfly.jpg",
        "data/chicky_512.png",
        "data/ela_original.jpg",
        "data/fruits.jpg",
        "data/home.jpg",
        "data/left.jpg",
        "data/leuvenA.jpg",
        "data/licenseplate_motion.jpg",
        "data/messi5.jpg",
        "data/orange.jpg",
        "data/rubberwhale1.png",
        "data/smarties.png",
        "data/squirrel_cls.jpg",
        "data/stuff.jpg",
        "dnn_superres/butterfly.png",
        "hfs/data/000.jpg",
        "hfs/data/001.jpg",
        "hfs/data/002.jpg",
        "reg/home.png",
        "text/scenetext01.jpg",
        "text/scenetext02.jpg",
        "text/scenetext03.jpg",
        "text/scenetext04.jpg",
        "text/scenetext05.jpg",
        "text/scenetext06.jpg",
    ),
    "lomiri-wallpapers-16.04": (
        "Bridge_by_Sander_Klootwijk.jpg",
        "Dragonfly_by_Bolly.jpg",
        "Picture_0B_by_freespace.jpg",
        "Picture_1A_by_freespace.jpg",
        "Wine_by_Jakkub_Mede.jpg",
        "aitzgorri_by_Aitzol_Berasategi.jpg",
        "friends_by_Aitzol_Berasategi.jpg",
        "life_by_Aitzol_Berasategi.jpg",
        "picosdeeuropa_by_Aitzol_Berasategi.jpg",
        "seeding_by_Clements_Engelhardt.jpg",
        "sunset_by_Aitzol_Berasategi.jpg",
    ),
    "mate-backgrounds": (
        "nature/Aqua.jpg",
        "nature/Blinds.jpg",
        "nature/Dune.jpg",
        "nature/FreshFlower.jpg",
        "nature/Garden.jpg",
        "nature/GreenMeadow.jpg",
        "nature/LadyBird.jpg",
        "nature/RainDrops.jpg",
        "nature/Storm.jpg",
        "nature/TwoWings.jpg",
        "nature/Wood.jpg",
        "nature/YellowFlower.jpg",
    ),
    # Fossa_by_Jasper_Roks is abstract art, Infinite-Sea_by_Aury88 a digital composite (Milky
    # Way pasted over a gradient and a synthetic sea), Painting-Colors_by__herobrine7gamer flat
    # colour bands: only the nuthatch is a photograph.
    "lomiri-wallpapers-20.04": ("Kleiber_by_Lukas_Baubkus.jpg",),
    # Every puzzle is a photograph (read by read_pzl); penguin-3x2 is CC-BY-NC-SA-1.0, so it is
    # recorded as excluded by the licence check. font/ and image/ hold a glyph atlas and icons.
    "jigzo-data": (
        "puzzles/00_default/bike-3x4.pzl",
        "puzzles/00_default/bird-2x3.pzl",
        "puzzles/00_default/blackberry-3x3.pzl",
        "puzzles/00_default/castle-6x3.pzl",
        "puzzles/00_default/clouds-4x4.pzl",
        "puzzles/00_default/gorilla2-3x3.pzl",
        "puzzles/00_default/heli-4x3.pzl",
        "puzzles/00_default/horse-4x3.pzl",
        "puzzles/00_default/penguin-3x2.pzl",
        "puzzles/00_default/tobogan-4x3.pzl",
        "puzzles/00_default/train-2x2.pzl",
        "puzzles/00_default/windmill-4x4.pzl",
    ),
    # None: only abstract 3D renders and patterns (adwaita, grid, licorice, pixels, symbolic,
    # truchet, wood; light and dark .webp each), a flat-colour vnc tile and vector drawings (.svg).
    "gnome-backgrounds": (),
    # None: its one image, warty-final-ubuntu.png, is an abstract gradient.
    "lomiri-wallpapers": (),
    # None: only illustrations and abstract 3D renders (calla, city, desert, goldfish, ...).
    "ukui-wallpapers": (),
    # None: the sway logo on a blue gradient, at eight sizes.
    "sway-backgrounds": (),
}

#: scikit-image photographs: (file in skimage/data, licence, copyright, use).
SKIMAGE_PHOTOS = (
    (
        "motorcycle_left.png",
        "BSD-3-Clause",
        "scikit-image team (distribution); Middlebury 2014 stereo dataset, Scharstein et al.",
        True,
    ),
    ("astronaut.png", "public domain", "NASA", False),
    ("coffee.png", "CC0-1.0", "Rachel Michetti", False),
    ("chelsea.png", "CC0-1.0", "Stefan van der Walt", False),
    ("rocket.jpg", "public domain", "SpaceX", False),
)
SKIMAGE_EXCLUDED_WHY = "same photo as examples/stills (reserved for independent evaluation)"


# -- Debian packages -------------------------------------------------------------------------


def _run(cmd: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, cwd=cwd, capture_output=True, text=True)


def fetch_package(name: str) -> tuple[Path, str]:
    """Download (once) and unpack package ``name``; returns (unpacked root, version)."""
    debs = RAW / "debs"
    debs.mkdir(parents=True, exist_ok=True)
    found = sorted(debs.glob(f"{name}_*.deb"))
    if not found:
        res = _run(["apt-get", "download", name], cwd=debs)
        if res.returncode != 0:  # the package lists may be missing: update once and retry
            _run(["apt-get", "update"])
            res = _run(["apt-get", "download", name], cwd=debs)
        if res.returncode != 0:
            sys.exit(f"apt-get download {name} failed:\n{res.stderr.strip()}")
        found = sorted(debs.glob(f"{name}_*.deb"))
    deb = found[-1]
    version = deb.name.split("_")[1]
    root = RAW / name
    if not (root / "usr").is_dir():
        root.mkdir(parents=True, exist_ok=True)
        res = _run(["dpkg-deb", "-x", str(deb), str(root)])
        if res.returncode != 0:
            sys.exit(f"dpkg-deb -x {deb} failed:\n{res.stderr.strip()}")
    return root, version


@dataclass(frozen=True)
class CopyrightEntry:
    patterns: tuple[str, ...]
    copyright: str
    licence: str


def parse_copyright(text: str) -> list[CopyrightEntry]:
    """The ``Files:`` paragraphs of a DEP-5 copyright file, in file order."""
    entries = []
    for para in re.split(r"\n\s*\n", text):
        fields: dict[str, list[str]] = {}
        key = None
        for line in para.splitlines():
            if line[:1] in (" ", "\t") and key is not None:
                fields[key].append(line.strip())
            elif ":" in line:
                key, _, value = line.partition(":")
                key = key.strip()
                fields[key] = [value.strip()]
        if "Files" in fields and "License" in fields:
            patterns = tuple(p for line in fields["Files"] for p in line.split() if p)
            copyright_ = " ".join(v for v in fields.get("Copyright", []) if v and v != ".")
            entries.append(CopyrightEntry(patterns, copyright_, fields["License"][0]))
    return entries


def licence_of(entries: list[CopyrightEntry], source_path: str) -> CopyrightEntry | None:
    """The paragraph that covers ``source_path`` (the last matching one, as DEP-5 says)."""
    match = None
    for e in entries:
        if any(fnmatch.fnmatchcase(source_path, p) for p in e.patterns):
            match = e
    return match


# -- images ----------------------------------------------------------------------------------


def read_rgb(path: Path) -> np.ndarray | None:
    """uint8 (H, W, 3) RGB, alpha dropped; None when unreadable.

    OpenCV reads the jpg, png and webp files curated here; jigzo's ``.pzl`` puzzles go through
    :func:`read_pzl`.
    """
    im = read_pzl(path) if path.suffix == ".pzl" else cv2.imread(str(path), cv2.IMREAD_COLOR)
    if im is None:
        return None
    return cv2.cvtColor(im, cv2.COLOR_BGR2RGB)


def _pzl_members(data: bytes) -> dict[str, bytes]:
    """The files inside a jigzo ``.pzl``: lines ``PzlF``, version, name, URL, then members."""
    pos = 0

    def line() -> str:
        nonlocal pos
        end = data.index(b"\n", pos)
        text, pos = data[pos:end].decode("latin-1"), end + 1
        return text

    if line() != "PzlF":
        raise ValueError("not a jigzo puzzle")
    for _ in range(3):  # version, puzzle name, URL
        line()
    members = {}
    while pos < len(data):  # each member: its name, its size in bytes, the bytes
        name = line()
        size = int(line())
        members[name] = data[pos : pos + size]
        pos += size
    return members


def read_pzl(path: Path) -> np.ndarray | None:
    """The photograph inside a jigzo puzzle, uint8 (H, W, 3) BGR; None when unreadable.

    A puzzle holds ``<id>.map`` (text; its ``image x y w h`` line is where the whole picture sits
    in the texture), ``<id>.jpg`` (a 1024x1024 texture: the picture, then the cut-out pieces),
    ``<id>.png`` (the texture's alpha mask, 0 on a 1-pixel frame round the picture, which is
    trimmed) and ``<id>-t.jpg`` (a thumbnail, too small to use).
    """
    try:
        members = _pzl_members(path.read_bytes())
        stem = next(n[: -len(".map")] for n in members if n.endswith(".map"))
        map_lines = members[stem + ".map"].decode("latin-1").splitlines()
        rect = next(ln.split()[1:5] for ln in map_lines if ln.startswith("image "))
        x, y, w, h = (int(v) for v in rect)
        texture = cv2.imdecode(np.frombuffer(members[stem + ".jpg"], np.uint8), cv2.IMREAD_COLOR)
        mask = cv2.imdecode(np.frombuffer(members[stem + ".png"], np.uint8), cv2.IMREAD_UNCHANGED)
    except (ValueError, KeyError, StopIteration):
        return None
    if texture is None or mask is None or mask.ndim != 3 or mask.shape[2] != 4:
        return None
    inside = mask[y : y + h, x : x + w, 3] > 0
    rows, cols = np.flatnonzero(inside.any(axis=1)), np.flatnonzero(inside.any(axis=0))
    if rows.size == 0:
        return None
    return texture[y + rows[0] : y + rows[-1] + 1, x + cols[0] : x + cols[-1] + 1]


def is_photo_sized_colour(rgb: np.ndarray) -> tuple[bool, str]:
    h, w = rgb.shape[:2]
    if min(h, w) < MIN_SIDE:
        return False, f"too small ({w}x{h})"
    x = rgb.astype(np.int16)
    if np.abs(x[..., 0] - x[..., 1]).max() <= 2 and np.abs(x[..., 1] - x[..., 2]).max() <= 2:
        return False, "greyscale"
    return True, ""


def downscale(rgb: np.ndarray) -> np.ndarray:
    h, w = rgb.shape[:2]
    scale = MAX_SIDE / max(h, w)
    if scale >= 1:
        return rgb
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgb, size, interpolation=cv2.INTER_AREA)


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "_", text).strip("_")


def assign_splits(records: list[dict]) -> None:
    """Seeded 20% of each source's photos become ``eval`` (stratified, order-independent)."""
    by_source: dict[str, list[dict]] = {}
    for r in records:
        by_source.setdefault(r["source"], []).append(r)
    for source, recs in sorted(by_source.items()):
        recs.sort(key=lambda r: r["file"])
        digest = hashlib.sha256(source.encode()).digest()
        rng = np.random.default_rng([SPLIT_SEED, int.from_bytes(digest[:4], "little")])
        order = rng.permutation(len(recs))
        n_eval = int(round(EVAL_FRACTION * len(recs)))
        eval_idx = set(order[:n_eval].tolist())
        for i, r in enumerate(recs):
            r["split"] = "eval" if i in eval_idx else "train"


def gather(clean: bool = False) -> dict:
    """Build training/data/images and manifest.json; returns the manifest."""
    if clean and IMAGES.exists():
        shutil.rmtree(IMAGES)
    IMAGES.mkdir(parents=True, exist_ok=True)
    records: list[dict] = []
    excluded: list[dict] = []

    for pkg in PACKAGES:
        if not CURATED[pkg.name]:  # looked at, no photographs: nothing to fetch
            continue
        root, version = fetch_package(pkg.name)
        copyright_path = root / "usr" / "share" / "doc" / pkg.name / "copyright"
        entries = parse_copyright(copyright_path.read_text(encoding="utf-8", errors="replace"))
        for rel in CURATED[pkg.name]:
            path = root / pkg.installed_prefix / rel
            where = f"{pkg.name}:/{pkg.installed_prefix}{rel}"
            if not path.is_file():
                excluded.append({"original": where, "why": "not in the package"})
                continue
            entry = licence_of(entries, pkg.source_prefix + rel)
            if entry is None or entry.licence not in ALLOWED_LICENCES:
                why = "no licence found" if entry is None else f"licence {entry.licence}"
                excluded.append({"original": where, "why": why})
                continue
            rgb = read_rgb(path)
            ok, why = (False, "unreadable") if rgb is None else is_photo_sized_colour(rgb)
            if not ok:
                excluded.append({"original": where, "why": why})
                continue
            name = f"{_slug(pkg.name)}__{_slug(Path(rel).with_suffix('').as_posix())}.png"
            records.append(
                _write(name, rgb, pkg.name, version, where, entry.copyright, entry.licence)
            )

    import skimage
    import skimage.data

    sk_dir = Path(skimage.data.__file__).parent
    for fname, licence, copyright_, use in SKIMAGE_PHOTOS:
        where = f"scikit-image {skimage.__version__}:skimage/data/{fname}"
        if not use:
            excluded.append({"original": where, "why": SKIMAGE_EXCLUDED_WHY})
            continue
        rgb = read_rgb(sk_dir / fname)
        ok, why = (False, "missing") if rgb is None else is_photo_sized_colour(rgb)
        if not ok:
            excluded.append({"original": where, "why": why})
            continue
        name = f"scikit_image__{_slug(Path(fname).stem)}.png"
        records.append(
            _write(name, rgb, "scikit-image", skimage.__version__, where, copyright_, licence)
        )

    assign_splits(records)
    records.sort(key=lambda r: r["file"])
    manifest = {
        "description": "style-model photos; made by training/gather_images.py",
        "max_side": MAX_SIDE,
        "split_seed": SPLIT_SEED,
        "eval_fraction": EVAL_FRACTION,
        "images": records,
        "excluded": excluded,
    }
    MANIFEST.write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def _write(
    name: str, rgb: np.ndarray, source: str, version: str, where: str, copyright_: str, lic: str
) -> dict:
    small = downscale(rgb)
    out = IMAGES / name
    cv2.imwrite(str(out), cv2.cvtColor(small, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_PNG_COMPRESSION, 6])
    return {
        "file": f"images/{name}",
        "source": source,
        "version": version,
        "original": where,
        "copyright": copyright_,
        "licence": lic,
        "width": int(small.shape[1]),
        "height": int(small.shape[0]),
        "sha256": hashlib.sha256(small.tobytes()).hexdigest(),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--clean", action="store_true", help="remove training/data/images first")
    args = ap.parse_args(argv)
    m = gather(clean=args.clean)
    n_train = sum(r["split"] == "train" for r in m["images"])
    n_eval = sum(r["split"] == "eval" for r in m["images"])
    print(f"{len(m['images'])} photos ({n_train} train, {n_eval} eval) -> {IMAGES}")
    for r in m["images"]:
        print(f"  {r['split']:5s} {r['file']:60s} {r['licence']}")
    for e in m["excluded"]:
        print(f"  skip  {e['original']}: {e['why']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
