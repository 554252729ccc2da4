"""Errors that stop a run before anything is written (CONTRACT §2: exit status 2)."""


class ScrubberInputError(Exception):
    """The batch, a rule or a payer profile cannot be used.

    The message is one line a night operator can act on: it names the file and,
    where it applies, the row, column or rule field.
    """

    exit_code = 2
