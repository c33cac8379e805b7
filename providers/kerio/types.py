"""Values returned by the Kerio client."""

from collections.abc import Iterator
from dataclasses import dataclass

import requests


@dataclass(frozen=True)
class ServerInfo:
    product: str
    version: str
    os: str
    api_version: str | None = None

    def __str__(self) -> str:
        text = " ".join(part for part in (self.product, self.version) if part)
        return f"{text} (API {self.api_version})" if self.api_version else text


@dataclass(frozen=True)
class HistoryPage:
    """One answer of CallHistory.get: the raw records, where they start and all matches."""

    records: list[dict]
    start: int
    total_items: int


class RecordingDownload:
    """A streamed audio file; read it while the client that opened it is still open."""

    def __init__(self, name: str, response: requests.Response):
        self.name = name
        self._response = response
        self.content_type = response.headers.get("Content-Type", "application/octet-stream")
        length = response.headers.get("Content-Length", "")
        self.content_length = int(length) if length.isdigit() else None

    def iter_bytes(self, chunk_size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            yield from self._response.iter_content(chunk_size=chunk_size)
        finally:
            self.close()

    def read(self) -> bytes:
        return b"".join(self.iter_bytes())

    def close(self) -> None:
        self._response.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    def __repr__(self) -> str:
        return f"<RecordingDownload {self.name!r} {self.content_length} bytes>"
