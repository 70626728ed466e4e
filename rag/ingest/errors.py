"""The one error type of ingestion: a file that cannot be loaded, explained to the user."""

from __future__ import annotations


class DocumentError(Exception):
    """A file that cannot be loaded. `str(e)` is a clear Chinese sentence for the user, with a short English hint."""

    def __init__(self, reason: str, hint: str = "", file: str | None = None) -> None:
        self.reason = reason
        self.hint = hint
        self.file = file
        super().__init__(_format_error(reason, hint, file))

    def for_file(self, name: str) -> DocumentError:
        """The same error, naming the file (decoders do not know the name; loaders do)."""
        return DocumentError(self.reason, self.hint, name)


def _format_error(reason: str, hint: str, file: str | None) -> str:
    message = f"{reason}：{file}" if file else reason
    return f"{message}（{hint}）" if hint else message
