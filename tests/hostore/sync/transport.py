"""A requests transport that hands requests to the Django app in this process.

The sync client then talks HTTP semantics (status codes, headers, bodies, gzip) to the real
ViewSets without a socket, inside the test's database transaction. ``faults`` is a list of
callables run before each request: one may raise a requests error (a dropped connection),
return a ``(status, headers, body)`` answer in place of the server's, or return None.
"""

from __future__ import annotations

import gzip
import threading
from collections.abc import Callable
from urllib.parse import urlsplit

import requests
from django.db import connections
from django.test import Client
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

Fault = Callable[[requests.PreparedRequest], "tuple[int, dict, bytes] | None"]


class DjangoAdapter(BaseAdapter):
    def __init__(self) -> None:
        super().__init__()
        self.client = Client(raise_request_exception=False)
        self.faults: list[Fault] = []
        self.log: list[tuple[str, str, int]] = []  # (method, path?query, status)
        self.bodies: list[bytes] = []  # request bodies, in order
        self.threads: list[str] = []  # the thread that sent each request

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        answer = None
        for fault in list(self.faults):
            answer = fault(request)
            if answer is not None:
                break
        url = urlsplit(request.url)
        if answer is None:
            headers = {
                f"HTTP_{k.upper().replace('-', '_')}": v
                for k, v in request.headers.items()
                if k.lower() not in ("content-type", "content-length")
            }
            body = request.body or b""
            if isinstance(body, str):
                body = body.encode()
            reply = self.client.generic(
                request.method,
                f"{url.path}?{url.query}" if url.query else url.path,
                data=body,
                content_type=request.headers.get("Content-Type", "application/octet-stream"),
                **headers,
            )
            content = b"".join(reply) if reply.streaming else reply.content
            answer = (reply.status_code, dict(reply.items()), content)
            if threading.current_thread() is not threading.main_thread():
                connections.close_all()  # the view ran on this thread's own connection
        status, headers, content = answer
        self.log.append((request.method, request.path_url, status))
        body = request.body or b""
        self.bodies.append(body.encode() if isinstance(body, str) else body)
        self.threads.append(threading.current_thread().name)
        if headers.get("Content-Encoding") == "gzip":  # as urllib3 would decode it
            content = gzip.decompress(content)
        response = requests.Response()
        response.status_code = status
        response.headers = CaseInsensitiveDict(headers)
        response._content = content
        response.url = request.url
        response.request = request
        response.reason = {200: "OK", 400: "Bad Request", 404: "Not Found"}.get(status, "")
        return response

    def close(self) -> None:
        pass

    def reset(self) -> None:
        self.log.clear()
        self.bodies.clear()
        self.threads.clear()

    def calls(self, method: str | None = None, part: str = "") -> list[tuple[str, str, int]]:
        return [c for c in self.log if (method is None or c[0] == method) and part in c[1]]
