"""gradecli: batch colour grading of video from the command line."""

__version__ = "0.1.0"
