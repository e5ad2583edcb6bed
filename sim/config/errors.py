"""The error every configuration problem is reported as."""


class ScenarioError(ValueError):
    """A problem in a scenario file, or in an override of it.

    Attributes
    ----------
    file : str or None
        The file the offending value came from.
    key : str or None
        Dotted key (list items by 0-based index: ``phases.1.until.0.altitude_km``).
    expected : str
        What was expected there (and what was found).
    """

    def __init__(self, file, key, expected):
        self.file = None if file is None else str(file)
        self.key = key
        self.expected = expected
        super().__init__(str(self))

    def __str__(self):
        parts = (self.file, self.key, self.expected)
        return ": ".join(_clip(str(p)) for p in parts if p)

    def __reduce__(self):
        return (type(self), (self.file, self.key, self.expected))


#: Longest part of an error message [characters]: a hostile key or value is not echoed
#: whole.
MAX_PART = 600


def _clip(text: str) -> str:
    if len(text) <= MAX_PART:
        return text
    return f"{text[: MAX_PART - 100]}...({len(text):,} characters)"
