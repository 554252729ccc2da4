"""Errors that stop a run before anything is written, each with its exit status.

The message is one line a night operator can act on; the exit status tells a
cron wrapper what kind of failure it was without parsing the text.
"""


class ScrubberError(Exception):
    """A failure the scrubber expected and explains in one line."""

    exit_code = 1


class ScrubberInputError(ScrubberError):
    """The batch, a rule or a payer profile cannot be used (CONTRACT §2: exit status 2).

    The message names the file and, where it applies, the row, column or rule field.
    """

    exit_code = 2


class RunInProgressError(ScrubberError):
    """Another run is writing the same output folder: this one leaves it alone."""

    exit_code = 3


class TerminatedError(ScrubberError):
    """SIGTERM (systemd stopping a unit that ran too long): stop cleanly, leave the last report as it was."""

    exit_code = 143
