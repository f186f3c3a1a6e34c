"""`gradecli segment INPUT... -o DIR`: soft masks of skin, sky and foliage."""

from __future__ import annotations

from pathlib import Path

import typer

from gradecli.cli.common import STATE, Phases, emit_json, err_console, out_console


def segment_cmd(
    inputs: list[Path] = typer.Argument(None, metavar="INPUT",
                                        help="Clips or stills (or folders of them)."),
    output: Path = typer.Option(..., "-o", "--output", metavar="DIR",
                                help="Folder for the masks and overlays (made if missing)."),
    from_file: str = typer.Option(None, "--from-file", metavar="LIST",
                                  help="Also the inputs listed in LIST, one a line (- reads "
                                  "standard input)."),
    fmt: str = typer.Option("png", "--format", metavar="FORMAT",
                            help="png (DIR/<clip>/<class>/<frame>.png) or video (a lossless "
                            "grey DIR/<clip>.<class>.mkv)."),
    rate: float = typer.Option(4.0, "--rate", metavar="N", help="Frames masked per second."),
    bits: int = typer.Option(8, "--bits", metavar="N", help="Mask depth: 8 or 16."),
    smoothing: float = typer.Option(0.5, "--smoothing", metavar="W",
                                    help="Weight of a new frame in the masks' average over time "
                                    "within a shot, 0..1 (1: none)."),
    seg_model: Path = typer.Option(None, "--seg-model", metavar="FILE.onnx",
                                   help="Your own segmentation network (input (1,3,H,W) sRGB "
                                   "0..1; output (1,K,H,W): skin, sky, foliage first)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
) -> None:
    """Soft masks (0..1) of skin, sky and foliage for clips and stills, with an overlay sheet
    to check them at a glance. Skin is keyed on the skin of the faces found in the clip (no
    face: an empty skin mask); sky and foliage on colour, smoothness and position.

    Example: gradecli segment interview.mp4 -o masks/ --json
    """
    from gradecli.pipeline.batch import expand_inputs
    from gradecli.pipeline.segment import SegmentOptions, segment_file

    model = None
    if seg_model is not None:
        from gradecli.models.segnet import SegModel

        model = SegModel.load(seg_model)
    opts = SegmentOptions(rate=rate, format=fmt, bits=bits, seg_model=model,
                          smoothing=smoothing)
    opts.validate()
    paths = expand_inputs(inputs or [], from_file=from_file, stills=True)
    if output.exists() and not output.is_dir():
        raise typer.BadParameter(f"{output}: must be a folder", param_hint="-o")
    results = []
    for k, p in enumerate(paths, 1):
        with Phases() as phases:
            update = phases(f"masking {p.name} ({k}/{len(paths)})", None)
            res = segment_file(p, output, opts, STATE.overwrite, update)
        results.append(res)
        if not as_json and not STATE.quiet:
            cover = ", ".join(f"{c} {100 * v:.0f}%" for c, v in res.coverage.items())
            err_console.print(f"{p.name}: {res.status}; {res.frames} frame(s), {res.faces} "
                              f"face(s); coverage {cover or '-'}", markup=False)
            if res.status == "written" and res.faces == 0 and opts.seg_model is None:
                err_console.print(f"{p.name}: no face found, so the skin mask is empty (skin "
                                  "is keyed on the faces' own skin)", markup=False)
    if as_json:
        emit_json({"command": "segment", "items": [r.to_dict() for r in results]})
    elif results and not STATE.quiet:
        out_console.print(f"masks in {output}; overlays: "
                          + ", ".join(Path(r.overlay).name for r in results if r.overlay),
                          markup=False)
