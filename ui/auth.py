"""Who may manage the reports (upload, delete, metadata edits, rebuild). Asking questions is always open.

Three modes, decided by `decide` (a pure function, unit-tested without Streamlit):
- OIDC: `[auth]` is configured in .streamlit/secrets.toml: Streamlit's built-in login (st.login / st.user); an
  administrator is a logged-in user whose e-mail is listed in RAG_ADMINS. Takes precedence over the password.
- password: RAG_ADMIN_PASSWORD is set: management is locked until the password is entered in this browser session
  (compared in constant time, never logged or shown); a lock button locks it again.
- open: neither is configured (a single-user desktop install): everyone manages.
"""

from __future__ import annotations

import hmac
import os
import re
import time
from dataclasses import dataclass

import streamlit as st

PASSWORD_ENV = "RAG_ADMIN_PASSWORD"
ADMINS_ENV = "RAG_ADMINS"
UNLOCKED_KEY = "_admin_unlocked"
PASSWORD_KEY = "admin_password"
WRONG_DELAY_S = 1.0  # a wrong password costs a second: guessing by script becomes slow


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


def _try_unlock() -> None:
    # Form callback: compare the typed password; it is never logged or shown, and the form empties its box.
    typed = st.session_state.get(PASSWORD_KEY) or ""  # the form is cleared on submit
    expected = _admin_password()
    if expected and typed and password_matches(typed, expected):
        st.session_state[UNLOCKED_KEY] = True
        st.session_state["_unlock_error"] = None
    else:
        time.sleep(WRONG_DELAY_S)
        st.session_state["_unlock_error"] = (
            "密码不正确（wrong password）" if typed else "请输入密码（enter the password）"
        )


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
        st.warning(f"🔒 {access.user or '当前用户'} 不是管理员（not an administrator: ask to be added to RAG_ADMINS）")


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
            st.caption(f"👤 {access.user}" + (" · 管理员 admin" if access.admin else ""))
            if st.button("退出登录 Log out", key="oidc_logout", type="tertiary"):
                st.logout()
        return
    if access.admin:
        st.caption("🔓 管理已解锁（management unlocked for this session）")
        st.button("🔒 锁定 Lock", key="admin_lock", on_click=lock, type="secondary")
    else:
        st.caption("🔒 管理已锁定（management locked）")
