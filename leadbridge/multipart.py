"""File uploads by the GraphQL multipart request spec: the `operations` and `map` fields and the
file parts of a multipart/form-data POST become the request's parameters, each file in place of
the null its path names in `variables`.

Forms can be posted across sites without a CORS preflight, but every GraphQL request needs a
bearer token in its Authorization header, which such a form cannot send.
"""

from collections.abc import Awaitable, Callable
from typing import Any

from starlette.datastructures import FormData, UploadFile
from starlette.formparsers import MultiPartException
from starlette.requests import Request
from starlette.types import Message
from strawberry.file_uploads.utils import replace_placeholders_with_files

from leadbridge.client_json import UnreadableJSON, load_json

MULTIPART = "multipart/form-data"
MIB = 1024 * 1024
MAX_UPLOAD_BYTES = 201 * MIB
MAX_FILES = 10
MAX_FIELDS = 100
MAX_FIELD_BYTES = MIB


class MultipartError(Exception):
    """A multipart request refused before GraphQL execution: its HTTP status and one message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def is_multipart(request: Request) -> bool:
    content_type = request.headers.get("content-type", "")
    return request.method == "POST" and content_type.split(";")[0].strip().lower() == MULTIPART


def _too_large() -> MultipartError:
    return MultipartError(413, f"The request body is larger than {MAX_UPLOAD_BYTES // MIB} MiB")


def _limited(receive: Callable[[], Awaitable[Message]]) -> Callable[[], Awaitable[Message]]:
    """The request's receive, refusing once the body passes MAX_UPLOAD_BYTES: what a client
    sends beyond it is never spooled to disk."""
    received = 0

    async def limited() -> Message:
        nonlocal received
        message = await receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > MAX_UPLOAD_BYTES:
                raise _too_large()
        return message

    return limited


def _json_field(form: FormData, name: str) -> Any:
    value = form.get(name)
    if not isinstance(value, str):
        raise MultipartError(400, f"The multipart request needs a '{name}' field holding JSON")
    try:
        return load_json(value)
    except UnreadableJSON as error:
        raise MultipartError(400, error.explain(f"The '{name}' field is not valid JSON")) from None


def _files(form: FormData, files_map: Any) -> dict[str, UploadFile]:
    if not isinstance(files_map, dict) or not all(
        isinstance(paths, list) and all(isinstance(path, str) and path.startswith("variables.") for path in paths)
        for paths in files_map.values()
    ):
        raise MultipartError(400, "The 'map' field must map each file field to a list of paths into variables")
    files = {}
    for name in files_map:
        file = form.get(name)
        if not isinstance(file, UploadFile):
            raise MultipartError(400, f"The 'map' field names a file '{name}' that the request does not hold")
        files[name] = file
    return files


async def read_operations(request: Request) -> dict[str, Any]:
    """The request parameters (`query`, `variables`, ...) with the uploaded files in place.
    MultipartError when the body is too large or does not follow the spec; batched operations
    (a JSON array) are not supported."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise _too_large()
    limited = Request(request.scope, _limited(request.receive))
    try:
        form = await limited.form(max_files=MAX_FILES, max_fields=MAX_FIELDS, max_part_size=MAX_FIELD_BYTES)
    except MultiPartException as error:
        raise MultipartError(400, f"The multipart body cannot be read: {error.message}") from None
    operations = _json_field(form, "operations")
    if not isinstance(operations, dict):
        raise MultipartError(400, "The 'operations' field must be a JSON object; batched operations are not supported")
    files_map = _json_field(form, "map")
    files = _files(form, files_map)
    for value in form.values():
        if isinstance(value, UploadFile) and value not in files.values():
            await value.close()
    try:
        return replace_placeholders_with_files(operations, files_map, files)
    except (KeyError, IndexError, ValueError, TypeError):
        raise MultipartError(400, "A path in the 'map' field does not lead to a variable in 'operations'") from None
