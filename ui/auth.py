"""Who may manage the reports (upload, delete, metadata edits, rebuild). Asking questions is always open.

Three modes, decided by `decide` (a pure function, unit-tested without Streamlit):
- OIDC: `[auth]` is configured in .streamlit/secrets.toml: Streamlit's built-in login (st.login / st.user); an
  administrator is a logged-in user whose e-mail is listed in RAG_ADMINS. Takes precedence over the password.
- password: RAG_ADMIN_PASSWORD is set: management is locked until the password is entered in this browser session
  (compared in constant time, never logged or shown); a lock button locks it again. Wrong passwords are slowed
  down for the whole process, not per session (`PasswordThrottle`): a guesser opening 20 sessions gains nothing.
- open: neither is configured (a single-user desktop install): everyone manages.
"""

from __future__ import annotations

import hmac
import logging
import math
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from rag.present import escape_markdown

PASSWORD_ENV = "RAG_ADMIN_PASSWORD"
ADMINS_ENV = "RAG_ADMINS"
UNLOCKED_KEY = "_admin_unlocked"
PASSWORD_KEY = "admin_password"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Access:
    mode: str  # "open" | "password" | "oidc"
    admin: bool
    user: str | None = None  # the logged-in e-mail (OIDC)
    logged_in: bool = False

    @property
    def locked(self) -> bool:
        return not self.admin


def admin_emails(raw: str | None) -> frozenset[str]:
    """RAG_ADMINS as a set of lower-case e-mails: "a@x.cn, b@y.cn" / "a@x.cn;b@y.cn" / one per line."""
    return frozenset(e.strip().lower() for e in re.split(r"[\s,;，；]+", raw or "") if "@" in e)


def decide(
    *,
    password: str | None,
    oidc: bool,
    unlocked: bool = False,
    logged_in: bool = False,
    email: str | None = None,
    email_verified: bool | None = None,
    admins: frozenset[str] = frozenset(),
) -> Access:
    """The access of one browser session. With OIDC an administrator is a logged-in user whose e-mail is in
    `admins` (and not explicitly unverified by the provider); nobody else, whatever the password says."""
    if oidc:
        who = (email or "").strip().lower() or None
        admin = bool(logged_in and who and who in admins and email_verified is not False)
        return Access("oidc", admin, who if logged_in else None, logged_in)
    if password:
        return Access("password", unlocked)
    return Access("open", True)


def password_matches(typed: str, expected: str) -> bool:
    """Constant-time comparison (hmac.compare_digest), so the time taken says nothing about the password."""
    return hmac.compare_digest(typed.encode("utf-8"), expected.encode("utf-8"))


class PasswordThrottle:
    """Password attempts, shared by every session of the process (thread-safe): each client (IP address) waits
    longer after each wrong password in a row (the first typo is free, then 1 s, 2 s, 4 s … up to `cap`), and all
    clients together get at most `global_limit` attempts per `window` (an address is easy to change or spoof).

    `admit` is asked before a password is compared: 0.0 means compare now, and the attempt counts as a failure
    until `succeeded` is called; otherwise it is the number of seconds to wait, and the password is not compared
    at all (so a refused guess tells nothing). Nothing here sleeps: a waiting session holds no thread."""

    def __init__(
        self,
        *,
        free: int = 1,
        base_s: float = 1.0,
        cap_s: float = 300.0,
        forget_s: float = 900.0,
        global_limit: int = 30,
        window_s: float = 900.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.free, self.base_s, self.cap_s, self.forget_s = free, base_s, cap_s, forget_s
        self.global_limit, self.window_s, self.clock = global_limit, window_s, clock
        self._lock = threading.Lock()
        self._clients: dict[str, tuple[int, float]] = {}  # client -> (wrong attempts in a row, time of the last)
        self._recent: deque[tuple[float, str]] = deque()  # every counted attempt in the window, oldest first

    def delay(self, failures: int) -> float:
        """Seconds a client waits after `failures` wrong passwords in a row."""
        return 0.0 if failures <= self.free else min(self.base_s * 2 ** (failures - self.free - 1), self.cap_s)

    def admit(self, client: str) -> float:
        with self._lock:
            now = self.clock()
            while self._recent and self._recent[0][0] <= now - self.window_s:
                self._recent.popleft()
            failures, last = self._clients.get(client, (0, -math.inf))
            if now - last > self.forget_s:
                failures = 0
            wait = last + self.delay(failures) - now
            if len(self._recent) >= self.global_limit:
                wait = max(wait, self._recent[0][0] + self.window_s - now)
            if wait > 0:
                return wait
            self._clients[client] = (failures + 1, now)
            self._recent.append((now, client))
            return 0.0

    def succeeded(self, client: str) -> None:
        """The right password: the client starts afresh, and its attempt does not count against everyone."""
        with self._lock:
            self._clients.pop(client, None)
            for i in range(len(self._recent) - 1, -1, -1):
                if self._recent[i][1] == client:
                    del self._recent[i]
                    break

    def failures(self, client: str) -> int:
        with self._lock:
            return self._clients.get(client, (0, 0.0))[0]

    def reset(self) -> None:
        with self._lock:
            self._clients.clear()
            self._recent.clear()


THROTTLE = PasswordThrottle()  # one per process: every session, every page


def wait_message(seconds: float) -> str:
    return f"尝试次数过多，请 {math.ceil(seconds)} 秒后再试（too many attempts: try again in {math.ceil(seconds)} s）"


# ---------------------------------------------------------------------------------------------- Streamlit side


def _admin_password() -> str | None:
    return os.environ.get(PASSWORD_ENV) or None


def oidc_configured() -> bool:
    """An [auth] section in secrets.toml (Streamlit's own login then works)."""
    try:
        return bool(st.secrets.load_if_toml_exists() and st.secrets.get("auth"))
    except Exception:  # an unreadable secrets file: no login, the password (if any) still applies
        return False


def current() -> Access:
    oidc = oidc_configured()
    user = st.user if oidc else None
    return decide(
        password=_admin_password(),
        oidc=oidc,
        unlocked=bool(st.session_state.get(UNLOCKED_KEY)),
        logged_in=bool(user and user.get("is_logged_in")),
        email=user.get("email") if user else None,
        email_verified=user.get("email_verified") if user else None,
        admins=admin_emails(os.environ.get(ADMINS_ENV)),
    )


def _client() -> str:
    """Who is guessing, as far as the server can tell: the connection's address ("local" for localhost)."""
    try:
        address = st.context.ip_address
    except Exception:  # no client context (a bare script run): one shared bucket
        return "local"
    return address if isinstance(address, str) and address else "local"


def _try_unlock() -> None:
    # Form callback: compare the typed password; it is never logged or shown, and the form empties its box.
    typed = st.session_state.get(PASSWORD_KEY) or ""  # the form is cleared on submit
    expected = _admin_password()
    if not (expected and typed):
        st.session_state["_unlock_error"] = "请输入密码（enter the password）"
        return
    client = _client()
    wait = THROTTLE.admit(client)
    if wait > 0:
        log.warning("admin password: attempt from %s refused unchecked, %.0f s to wait", client, wait)
        st.session_state["_unlock_error"] = wait_message(wait)
    elif password_matches(typed, expected):
        THROTTLE.succeeded(client)
        log.info("admin password: management unlocked from %s", client)
        st.session_state[UNLOCKED_KEY] = True
        st.session_state["_unlock_error"] = None
    else:
        failures = THROTTLE.failures(client)
        log.warning("admin password: wrong password from %s (%d in a row)", client, failures)
        st.session_state["_unlock_error"] = "密码不正确（wrong password）"


def lock() -> None:
    st.session_state[UNLOCKED_KEY] = False


def unlock_form() -> None:
    """The password box shown where management is locked."""
    with st.form("admin_unlock", clear_on_submit=True, border=True):
        st.markdown("🔒 **管理功能已锁定** · Management is locked")
        st.caption("上传、删除、修正元数据和重建索引需要管理员密码；提问不受影响。"
                   "Uploading, deleting, editing metadata and rebuilding need the admin password; asking is open.")  # fmt: skip
        st.text_input("管理员密码 Admin password", type="password", key=PASSWORD_KEY, autocomplete="current-password")
        st.form_submit_button("🔓 解锁 Unlock", type="primary", on_click=_try_unlock)
    error = st.session_state.get("_unlock_error")
    if error:
        st.error(error)


def login_prompt(access: Access) -> None:
    """OIDC: a login button, or who is logged in and why they may not manage."""
    if not access.logged_in:
        st.info("🔒 管理功能需要登录（log in to manage reports）")
        if st.button("🔑 登录 Log in", key="oidc_login", type="primary"):
            st.login()
    else:
        who = escape_markdown(access.user) if access.user else "当前用户"
        st.warning(f"🔒 {who} 不是管理员（not an administrator: ask to be added to RAG_ADMINS）")


def locked_notice(access: Access) -> None:
    """What a locked page shows instead of its management controls."""
    if access.mode == "oidc":
        login_prompt(access)
    else:
        unlock_form()


def sidebar_status(access: Access) -> None:
    """The sidebar line: who manages, and the lock / logout button."""
    if access.mode == "open":
        return
    if access.mode == "oidc":
        if access.logged_in:
            st.caption(f"👤 {escape_markdown(access.user or '')}" + (" · 管理员 admin" if access.admin else ""))
            if st.button("退出登录 Log out", key="oidc_logout", type="tertiary"):
                st.logout()
        return
    if access.admin:
        st.caption("🔓 管理已解锁（management unlocked for this session）")
        st.button("🔒 锁定 Lock", key="admin_lock", on_click=lock, type="secondary")
    else:
        st.caption("🔒 管理已锁定（management locked）")
