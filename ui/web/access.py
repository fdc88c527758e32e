"""Who is using the page, and what they may open: API keys checked by the KeyStore, roles gated
on the server for every action (a hidden tab is not a permission)."""

from __future__ import annotations

from dataclasses import dataclass

from ui.api.auth import Principal

CONSOLE_DENIED = ("The customer-service console is for agent and admin keys. You are signed in as a "
                  "shopper: your own chat is on the Shop tab.")
CONSOLE_SIGNED_OUT = "Sign in with an agent or admin API key to use the customer-service console."
REPORTS_DENIED = "Evaluation reports are for staff: sign in with an agent or admin API key."
BAD_KEY = "That API key was not accepted (unknown, revoked or mistyped). Ask your administrator for a key."
DEMO_PRINCIPAL = Principal(key_id="local-demo", role="admin", user_id=None)


@dataclass(frozen=True)
class SignIn:
    principal: Principal | None
    message: str


def sign_in(keys, raw_key: str | None) -> SignIn:
    raw_key = (raw_key or "").strip()
    if not raw_key:
        return SignIn(None, "Paste your API key to sign in.")
    principal = keys.authenticate(raw_key) if keys is not None else None
    if principal is None:
        return SignIn(None, BAD_KEY)
    return SignIn(principal, describe(principal))


def describe(principal: Principal | None) -> str:
    if principal is None:
        return "Not signed in: browsing anonymously."
    if principal.role == "shopper":
        return f"Signed in as shopper **{principal.user_id}**."
    if principal.key_id == DEMO_PRINCIPAL.key_id:
        return "Local demo: no sign-in; every page is open on this machine."
    article = "an" if principal.role[0] in "aeiou" else "a"
    return f"Signed in with {article} **{principal.role}** key ({principal.key_id})."


def chat_user(principal: Principal | None) -> str | None:
    """Whose session a shopper-page chat is: the shopper's own id; staff and anonymous chat without one."""
    return principal.user_id if principal is not None and principal.role == "shopper" else None


def console_denial(principal: Principal | None) -> str | None:
    """None when the console may be used, otherwise the message to show."""
    if principal is None:
        return CONSOLE_SIGNED_OUT
    return None if principal.is_staff else CONSOLE_DENIED


def reports_denial(principal: Principal | None) -> str | None:
    return None if principal is not None and principal.is_staff else REPORTS_DENIED
