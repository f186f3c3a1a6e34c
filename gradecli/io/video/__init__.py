"""Video files through PyAV: probing, decoding to numpy planes, encoding, stream copy.

The only module that opens video files. Frames cross into the rest of gradecli as lists of numpy
planes (uint8 for 8-bit, uint16 holding the low ``bit_depth`` bits otherwise) together with a
:class:`~gradecli.color.ycbcr.YCbCrSpec` saying how to turn them into R'G'B'. gradecli converts
Y'CbCr itself (see ``gradecli.color.ycbcr``) instead of trusting swscale's defaults, which assume
BT.601 for untagged input.

The package is the only code that imports PyAV: ``common`` (codecs, containers, colour tags,
plane layouts), ``input`` (probing, decoding, completeness), ``frames`` (frames <-> numpy
planes), ``output`` (encoding, atomic outputs).
"""

from gradecli.io.video.common import (
    CODECS,
    VIDEO_EXTENSIONS,
    PlaneLayout,
    is_video_path,
    plane_layout,
    pyav_version,
)
from gradecli.io.video.frames import (
    blank_frame,
    frame_planes,
    frame_rgb,
    is_video_frame,
    new_frame,
    stamp_like,
)
from gradecli.io.video.hardware import (
    NVENC_FALLBACK,
    HardwareCodecs,
    encoder_problem,
    hardware_codecs,
)
from gradecli.io.video.input import (
    InputVideo,
    VideoInfo,
    frame_to_rgb,
    probe_video,
    read_frames_at,
)
from gradecli.io.video.output import (
    EncodeOptions,
    MaskVideo,
    OutputVideo,
    check_container,
    choose_output_format,
    temp_path_for,
)

__all__ = [
    "CODECS",
    "VIDEO_EXTENSIONS",
    "EncodeOptions",
    "HardwareCodecs",
    "InputVideo",
    "MaskVideo",
    "NVENC_FALLBACK",
    "OutputVideo",
    "PlaneLayout",
    "VideoInfo",
    "blank_frame",
    "check_container",
    "choose_output_format",
    "encoder_problem",
    "frame_planes",
    "frame_rgb",
    "frame_to_rgb",
    "hardware_codecs",
    "is_video_frame",
    "is_video_path",
    "new_frame",
    "plane_layout",
    "probe_video",
    "pyav_version",
    "read_frames_at",
    "stamp_like",
    "temp_path_for",
]
