"""A fake OpenAI-compatible server for tests: a real HTTP server on loopback, scripted per test.

It speaks the real chat-completions wire protocol (JSON for `stream: false`, server-sent events with
`chat.completion.chunk` objects and a final `data: [DONE]` for `stream: true`), so the code under test runs its
real client stack (langchain-openai → openai → httpx) end to end. Only the model's words are scripted.

    with FakeOpenAI(["西林街道……[1]"]) as llm:
        settings = Settings(llm_base_url=llm.base_url, llm_model=llm.model, llm_timeout=5)
        ...
        llm.requests[0].body["messages"]   # exactly what the client sent
"""

from __future__ import annotations

import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

DEFAULT_MODEL = "fake-qwen"


@dataclass(frozen=True)
class Reply:
    """One scripted answer to one chat-completions request."""

    content: str = ""
    # Explicit stream pieces; by default the content is cut into `piece_chars`-sized pieces, so numbers and
    # citation markers arrive split across chunks as they do with a real tokenizer.
    pieces: tuple[str, ...] | None = None
    piece_chars: int = 2
    status: int = 200  # anything else answers with an OpenAI-style error body
    delay: float = 0.0  # seconds before the response headers (forces a client timeout)
    piece_delay: float = 0.0  # seconds between stream chunks (a slow model)
    stall_after: int | None = None  # stream this many pieces, then stall for `delay` seconds mid-stream

    def stream_pieces(self) -> list[str]:
        if self.pieces is not None:
            return list(self.pieces)
        n = max(self.piece_chars, 1)
        return [self.content[i : i + n] for i in range(0, len(self.content), n)]


@dataclass(frozen=True)
class Request:
    """What the server received: method, path, headers (lower-cased names) and the parsed JSON body."""

    method: str
    path: str
    headers: dict[str, str]
    body: dict

    @property
    def messages(self) -> list[dict]:
        return self.body.get("messages", [])

    def message_text(self, role: str) -> list[str]:
        """The text of every message with this role, content parts joined."""
        return [_content_text(m.get("content")) for m in self.messages if m.get("role") == role]


Script = Iterable[Reply | str] | Callable[[Request], Reply | str]


@dataclass
class FakeOpenAI:
    """Start with `with FakeOpenAI(script) as fake:`; `fake.base_url` is the `/v1` URL to give the client."""

    script: Script = ()
    model: str = DEFAULT_MODEL
    requests: list[Request] = field(default_factory=list, init=False)
    _queue: deque = field(default_factory=deque, init=False, repr=False)
    _func: Callable[[Request], Reply | str] | None = field(default=None, init=False, repr=False)
    _server: ThreadingHTTPServer | None = field(default=None, init=False, repr=False)
    _thread: threading.Thread | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _stopping: threading.Event = field(default_factory=threading.Event, init=False, repr=False)

    def __post_init__(self) -> None:
        if callable(self.script):
            self._func = self.script
        else:
            self._queue.extend(self.script)

    # -- lifecycle ---------------------------------------------------------------------------------------
    def start(self) -> FakeOpenAI:
        server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        server.daemon_threads = True
        server.fake = self  # type: ignore[attr-defined]  (the handler finds its script here)
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, args=(0.05,), name="fake-openai", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()  # wakes handlers sleeping in a scripted delay
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> FakeOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what tests use ------------------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        assert self._server is not None, "start the fake first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/v1"

    def add(self, *replies: Reply | str) -> None:
        with self._lock:
            self._queue.extend(replies)

    @property
    def chat_requests(self) -> list[Request]:
        return [r for r in self.requests if r.path.endswith("/chat/completions")]

    # -- used by the handler ---------------------------------------------------------------------------------
    def _record(self, request: Request) -> None:
        with self._lock:
            self.requests.append(request)

    def _next_reply(self, request: Request) -> Reply | None:
        with self._lock:
            if self._func is not None:
                reply = self._func(request)
            elif self._queue:
                reply = self._queue.popleft()
            else:
                return None
        return Reply(reply) if isinstance(reply, str) else reply

    def _sleep(self, seconds: float) -> None:
        self._stopping.wait(seconds)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive and chunked streaming, like the real API

    @property
    def fake(self) -> FakeOpenAI:
        return self.server.fake  # type: ignore[attr-defined]

    def log_message(self, format: str, *args: object) -> None:  # quiet test output
        pass

    def do_GET(self) -> None:
        self.fake._record(Request("GET", self.path, self._headers(), {}))
        if self.path.rstrip("/").endswith("/models"):
            model = {"id": self.fake.model, "object": "model", "created": 0, "owned_by": "fake"}
            self._send_json(200, {"object": "list", "data": [model]})
        else:
            self._send_error(404, f"no route GET {self.path}")

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw or b"{}")
        except json.JSONDecodeError:
            self._send_error(400, "request body is not JSON")
            return
        request = Request("POST", self.path, self._headers(), body)
        self.fake._record(request)
        if not self.path.rstrip("/").endswith("/chat/completions"):
            self._send_error(404, f"no route POST {self.path}")
            return
        reply = self.fake._next_reply(request)
        if reply is None:
            self._send_error(500, "fake server: no scripted reply left for this request")
            return
        try:
            if reply.delay and reply.stall_after is None:
                self.fake._sleep(reply.delay)
            if reply.status != 200:
                self._send_error(reply.status, reply.content or f"scripted HTTP {reply.status}")
            elif body.get("stream"):
                self._send_stream(reply, body)
            else:
                self._send_json(200, _completion(reply.content, self.fake.model))
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (a timeout test): nothing to answer

    # -- responses -----------------------------------------------------------------------------------------
    def _headers(self) -> dict[str, str]:
        return {k.lower(): v for k, v in self.headers.items()}

    def _send_json(self, status: int, payload: dict) -> None:
        data = json.dumps(payload, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _send_error(self, status: int, message: str) -> None:
        kind = "server_error" if status >= 500 else "invalid_request_error"
        self._send_json(status, {"error": {"message": message, "type": kind, "param": None, "code": None}})

    def _send_stream(self, reply: Reply, body: dict) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
        for i, event in enumerate(_stream_events(reply, self.fake.model, include_usage)):
            if reply.stall_after is not None and i == reply.stall_after + 1:  # +1: the role chunk comes first
                self.fake._sleep(reply.delay)
            elif reply.piece_delay and i > 0:
                self.fake._sleep(reply.piece_delay)
            self._write_chunk(f"data: {event}\n\n".encode())
        self._write_chunk(b"")  # end of the chunked body

    def _write_chunk(self, data: bytes) -> None:
        self.wfile.write(f"{len(data):x}\r\n".encode() + data + b"\r\n")
        self.wfile.flush()


def _content_text(content: object) -> str:
    if isinstance(content, list):  # content parts: [{"type": "text", "text": ...}]
        return "".join(part.get("text", "") for part in content if isinstance(part, dict))
    return content or ""


def _usage(content: str) -> dict:
    return {"prompt_tokens": 10, "completion_tokens": len(content), "total_tokens": 10 + len(content)}


def _completion(content: str, model: str) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": _usage(content),
    }


def _chunk(model: str, delta: dict, finish: str | None = None) -> dict:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": int(time.time()),
        "model": model,
        "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
    }


def _stream_events(reply: Reply, model: str, include_usage: bool) -> Iterator[str]:
    """The SSE `data:` payloads of one streamed completion, as the real API orders them."""
    yield json.dumps(_chunk(model, {"role": "assistant", "content": ""}), ensure_ascii=False)
    for piece in reply.stream_pieces():
        yield json.dumps(_chunk(model, {"content": piece}), ensure_ascii=False)
    yield json.dumps(_chunk(model, {}, "stop"), ensure_ascii=False)
    if include_usage:
        usage = _chunk(model, {})
        usage["choices"] = []
        usage["usage"] = _usage(reply.content or "".join(reply.stream_pieces()))
        yield json.dumps(usage, ensure_ascii=False)
    yield "[DONE]"
