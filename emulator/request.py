"""A PTB transport that answers Bot API calls from a `BotApiEmulator` in the same process.

    request = InProcessRequest(emulator)
    app = (ApplicationBuilder().token(emulator.token)
           .request(request).get_updates_request(InProcessRequest(emulator)).build())

No sockets: the URL PTB built is parsed back into a method name (or a file path for
downloads) and the RequestData parameters go to the emulator as they are.
"""

from __future__ import annotations

import json
from typing import IO
from urllib.parse import unquote, urlsplit

from telegram.ext import ApplicationBuilder
from telegram.request import BaseRequest, RequestData

from emulator.core import BotApiEmulator
from emulator.models import UploadedFile


class InProcessRequest(BaseRequest):
    """`telegram.request.BaseRequest` backed by an in-memory emulator."""

    def __init__(self, emulator: BotApiEmulator) -> None:
        self.emulator = emulator

    @property
    def read_timeout(self) -> float | None:
        return None

    async def initialize(self) -> None:
        """Nothing to open."""

    async def shutdown(self) -> None:
        """Nothing to close."""

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: object = BaseRequest.DEFAULT_NONE,
        write_timeout: object = BaseRequest.DEFAULT_NONE,
        connect_timeout: object = BaseRequest.DEFAULT_NONE,
        pool_timeout: object = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """Route `…/bot<token>/<method>` to the emulator, `…/file/bot<token>/<path>` to its files."""
        path = unquote(urlsplit(url).path)
        if "/file/bot" in path:
            token, _, file_path = path.split("/file/bot", 1)[1].partition("/")
            stored = self.emulator.file(file_path)
            if token != self.emulator.token or stored is None:
                return 404, b'{"ok":false,"error_code":404,"description":"Not Found"}'
            return 200, stored.content
        token, _, api_method = path.rsplit("/bot", 1)[-1].partition("/")
        params = request_data.parameters if request_data else {}
        files = _files(request_data) if request_data and request_data.contains_files else {}
        status, body = await self.emulator.call(api_method, params, files, token=token)
        return status, json.dumps(body, ensure_ascii=False).encode("utf-8")


def _files(request_data: RequestData) -> dict[str, UploadedFile]:
    files: dict[str, UploadedFile] = {}
    for name, (filename, content, mime_type) in request_data.multipart_data.items():
        files[name] = UploadedFile(filename=filename, content=_read(content), mime_type=mime_type)
    return files


def _read(content: bytes | IO[bytes]) -> bytes:
    return content if isinstance(content, bytes) else content.read()


def use_emulator(builder: ApplicationBuilder, emulator: BotApiEmulator) -> ApplicationBuilder:
    """Point an ApplicationBuilder at the emulator: its token and two in-process transports."""
    return (
        builder.token(emulator.token)
        .request(InProcessRequest(emulator))
        .get_updates_request(InProcessRequest(emulator))
    )
