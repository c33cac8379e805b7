"""Real servers on 127.0.0.1 for the notification tests: a small Telegram Bot API, a webhook
receiver, and an SMTP server (aiosmtpd)."""

import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from aiosmtpd.controller import Controller


class _Server:
    """An HTTP server on a free port, in a thread."""

    def __init__(self, handler):
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.httpd.owner = self
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def start(self):
        self.thread.start()
        return self

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


class _TelegramHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        api = self.server.owner
        body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
        _empty, bot, method = self.path.split("/", 2)
        status, answer = api.handle(bot.removeprefix("bot"), method, body)
        data = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeTelegram(_Server):
    """The Bot API methods the product uses. `down = True` answers every request 502, as
    Telegram (or the way to it) does in an outage."""

    def __init__(self, token: str = "123456:secret-token"):  # noqa: S107 - a test bot's token
        super().__init__(_TelegramHandler)
        self.token = token
        self.down = False
        self.sent: list[dict] = []
        self.answered: list[dict] = []
        self.edited: list[dict] = []
        # Link buttons to these hosts are refused, as Telegram refuses links it cannot open.
        self.refused_link_hosts = {"localhost", "127.0.0.1"}
        self.updates: list[dict] = []
        self.lock = threading.Lock()

    def handle(self, token: str, method: str, body: dict) -> tuple[int, dict]:
        if self.down:
            return 502, {"ok": False, "description": "Bad Gateway"}
        if token != self.token:
            return 401, {"ok": False, "error_code": 401, "description": "Unauthorized"}
        with self.lock:
            if method == "sendMessage":
                if self._refused_link(body):
                    return 400, {"ok": False, "description": "Bad Request: BUTTON_URL_INVALID"}
                self.sent.append(body)
                return 200, {"ok": True, "result": {"message_id": len(self.sent)}}
            if method == "getUpdates":
                offset = int(body.get("offset", 0))
                return 200, {
                    "ok": True,
                    "result": [u for u in self.updates if u["update_id"] >= offset],
                }
            if method == "answerCallbackQuery":
                self.answered.append(body)
                return 200, {"ok": True, "result": True}
            if method == "editMessageReplyMarkup":
                self.edited.append(body)
                return 200, {"ok": True, "result": True}
            if method == "getMe":
                return 200, {"ok": True, "result": {"id": 1, "username": "callcenter_bot"}}
        return 404, {"ok": False, "description": "Not Found"}

    def _refused_link(self, body: dict) -> bool:
        rows = (body.get("reply_markup") or {}).get("inline_keyboard") or []
        hosts = {urlsplit(b["url"]).hostname for row in rows for b in row if "url" in b}
        return bool(hosts & self.refused_link_hosts)

    def user_sends(self, chat_id: int, text: str) -> None:
        """A Telegram user writes to the bot."""
        with self.lock:
            update_id = len(self.updates) + 1
            self.updates.append(
                {"update_id": update_id, "message": {"chat": {"id": chat_id}, "text": text}}
            )

    def user_presses(self, chat_id: int, data: str, message_id: int | None = None) -> None:
        """A button pressed under the bot's message `message_id` (1, 2… in the order sent)."""
        with self.lock:
            update_id = len(self.updates) + 1
            message = {"chat": {"id": chat_id}}
            if message_id is not None:
                message["message_id"] = message_id
            self.updates.append(
                {
                    "update_id": update_id,
                    "callback_query": {
                        "id": f"q{update_id}",
                        "from": {"id": chat_id},
                        "data": data,
                        "message": message,
                    },
                }
            )

    def press_button(self, sent_index: int, text: str) -> None:
        """Press the button labelled `text` under the `sent_index`-th message sent (0-based)."""
        message = self.sent[sent_index]
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        (button,) = [b for row in rows for b in row if b["text"] == text]
        self.user_presses(message["chat_id"], button["callback_data"], sent_index + 1)

    def buttons_of(self, sent_index: int) -> list[dict]:
        message = self.sent[sent_index]
        rows = (message.get("reply_markup") or {}).get("inline_keyboard") or []
        return [button for row in rows for button in row]

    def texts_to(self, chat_id) -> list[str]:
        return [m["text"] for m in self.sent if str(m["chat_id"]) == str(chat_id)]


@dataclass
class Received:
    headers: dict
    body: bytes


class _WebhookHandler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_POST(self):
        receiver = self.server.owner
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        receiver.received.append(Received(dict(self.headers), body))
        self.send_response(receiver.status)
        self.send_header("Content-Length", "0")
        self.end_headers()


class WebhookReceiver(_Server):
    """Records every POST; answers `status`."""

    def __init__(self):
        super().__init__(_WebhookHandler)
        self.status = 200
        self.received: list[Received] = []


@dataclass
class _Collector:
    messages: list = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class SmtpServer:
    """aiosmtpd on a free port; `messages` holds each envelope received."""

    def __init__(self):
        self.collector = _Collector()
        self.port = free_port()
        self.controller = Controller(self.collector, hostname="127.0.0.1", port=self.port)

    @property
    def messages(self):
        return self.collector.messages

    def start(self):
        self.controller.start()
        return self

    def stop(self):
        self.controller.stop()
