"""``--device`` and hardware encoders for the commands that render video (lut apply, grade,
match): resolved once, before any work, with the notes to tell the user.

- ``--device cpu|cuda|auto``: :func:`gradecli.engine.device.resolve_device` (cuda without a
  usable GPU is a DeviceError, exit code 2; auto says what it chose).
- ``--codec h264_nvenc|hevc_nvenc``: used when NVENC can be opened here; otherwise the CPU
  encoder of the same format (libx264, libx265) with a note saying why.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from gradecli.engine.device import DeviceChoice, resolve_device
from gradecli.io.video import NVENC_FALLBACK, EncodeOptions, encoder_problem

__all__ = ["DeviceSetup", "prepare_device"]


@dataclass(frozen=True)
class DeviceSetup:
    """Where grading runs, the encoding to use (an NVENC codec replaced when unusable), and
    notes for people (one line each)."""

    choice: DeviceChoice
    encode: EncodeOptions | None
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        """For JSON output: the device choice, the codec used and the notes."""
        d = self.choice.to_dict()
        if self.encode is not None:
            d["codec"] = self.encode.codec
        d["notes"] = list(self.notes)
        return d


def prepare_device(device: str | DeviceChoice,
                   encode: EncodeOptions | None = None) -> DeviceSetup:
    """Resolve ``device`` and check ``encode``'s codec: an NVENC codec that cannot be opened
    here is replaced by its CPU encoder, said in a note. Raises DeviceError (exit code 2)."""
    choice = resolve_device(device)
    notes = [choice.note] if choice.note and choice.requested == "auto" else []
    if encode is not None and encode.codec in NVENC_FALLBACK:
        problem = encoder_problem(encode.codec)
        if problem is not None:
            cpu = NVENC_FALLBACK[encode.codec]
            notes.append(f"{problem}; encoding with {cpu} on the CPU instead")
            encode = dataclasses.replace(encode, codec=cpu)
    return DeviceSetup(choice, encode, tuple(notes))

