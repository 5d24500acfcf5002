"""The model's error types, in one place so that callers can catch them without importing more."""

from __future__ import annotations


class TargetError(ValueError):
    """A target description is unusable; the message names the file (when there is one) and
    the field, so that a user can fix their JSON without reading our code."""

    def __init__(self, message: str, *, field: str | None = None, file: str | None = None) -> None:
        self.field = field
        self.file = file
        self.detail = message
        where = ""
        if file is not None:
            where += f"{file}: "
        if field is not None:
            where += f"field '{field}': "
        super().__init__(where + message)

    def in_file(self, file: str) -> TargetError:
        """The same error, now naming the file it came from."""
        return TargetError(self.detail, field=self.field, file=file)


class ProblemError(ValueError):
    """A matmul description the model cannot cost (bad sizes, unknown memory...)."""


class ScheduleError(ValueError):
    """A schedule that cannot run on the target: too many registers, offsets out of reach, a
    form the problem does not allow, or no legal schedule at all."""
