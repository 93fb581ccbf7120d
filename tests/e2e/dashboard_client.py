"""The owner's dashboard through a plain HTTP client: sign in with the admin
token, keep the session cookie, read pages, send forms with their CSRF token.

    owner = Owner(shop).sign_in()
    page = owner.get("/admin/ui/orders")        # Response; page.text() is the HTML
    owner.post_form(f"/admin/ui/jobs/{job_id}/retry", {"csrf": owner.csrf})
"""

from __future__ import annotations

import re
import urllib.parse

from shop import ADMIN_TOKEN, Response, Shop

CSRF_FIELD = re.compile(r'name="csrf" value="([0-9a-f]+)"')
COOKIE_NAME = "shopd_session"


def form_body(fields: dict) -> bytes:
    return urllib.parse.urlencode(fields).encode()


def csrf_in(html: str) -> str:
    m = CSRF_FIELD.search(html)
    assert m, "the page has no CSRF field"
    return m.group(1)


def text_of(r: Response) -> str:
    return r.body.decode("utf-8")


class Owner:
    def __init__(self, shop: Shop):
        self.shop = shop
        self.cookie: str | None = None  # the session id
        self.csrf: str | None = None

    def sign_in(self, token: str = ADMIN_TOKEN) -> "Owner":
        r = self.post_form("/admin/sign-in", {"token": token})
        assert r.status == 303, r
        self.cookie = session_cookie_of(r)
        assert self.cookie, r.headers
        page = self.get("/admin/")
        assert page.status == 200, page
        self.csrf = csrf_in(text_of(page))
        return self

    def headers(self, extra: dict | None = None) -> dict:
        h = dict(extra or {})
        if self.cookie:
            h["Cookie"] = f"{COOKIE_NAME}={self.cookie}"
        return h

    def get(self, path: str, headers: dict | None = None) -> Response:
        return self.shop.request("GET", path, headers=self.headers(headers))

    def post_form(self, path: str, fields: dict, headers: dict | None = None) -> Response:
        h = self.headers({"Content-Type": "application/x-www-form-urlencoded", **(headers or {})})
        return self.shop.request("POST", path, raw=form_body(fields), headers=h)

    def act(self, path: str, fields: dict | None = None) -> Response:
        """A button press: the form with this session's CSRF token; expects the redirect back."""
        r = self.post_form(path, {"csrf": self.csrf, **(fields or {})})
        assert r.status == 303, r
        return r


def session_cookie_of(r: Response) -> str | None:
    header = r.headers.get("set-cookie", "")
    m = re.match(rf"{COOKIE_NAME}=([^;]*)", header)
    return m.group(1) if m else None
