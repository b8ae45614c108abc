"""The one exception type that leaves the pdl package."""


class PDLError(Exception):
    """A job could not be counted. str() is a one-line human reason."""

    def __init__(self, reason: str):
        # Keep the message on one line whatever the caller passed in: the
        # backend logs it and pkpgcounter prints it as a single line.
        super().__init__(" ".join(str(reason).split()))
