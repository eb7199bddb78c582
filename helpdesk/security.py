"""HTTP hardening for every response: security headers, HTTPS-only cookies
and HSTS once the site is served over HTTPS, and the reverse proxy's headers.

A small after-request hook rather than Flask-Talisman (last release 2023,
and it would force its own HTTPS redirect and cookie settings): the policy is
a handful of headers, and here it reads in one place.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from flask.sessions import SecureCookieSessionInterface
from werkzeug.middleware.proxy_fix import ProxyFix

# No inline script or style anywhere: pages load their JavaScript and CSS
# from our own static files, and data for scripts travels in
# <script type="application/json"> blocks, which are not executed. Pico's
# icons are data: SVG images.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
PERMISSIONS_POLICY = (
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), interest-cohort=()"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",  # frame-ancestors for browsers without CSP 2
    # Ticket and article URLs never leave the site in a Referer header.
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": PERMISSIONS_POLICY,
    "Cross-Origin-Opener-Policy": "same-origin",
}


def init_app(app: Flask) -> None:
    _trust_proxy(app)
    if app.config.get("PREFERRED_URL_SCHEME") == "https":
        app.config["SESSION_COOKIE_SECURE"] = True
        app.config["REMEMBER_COOKIE_SECURE"] = True
    app.session_interface = HttpsAwareSessionInterface()
    app.after_request(add_security_headers)


def _trust_proxy(app: Flask) -> None:
    """Behind a reverse proxy, PROXY_FIX_X_* say how many proxies set each
    X-Forwarded-* header; unset (0), those headers are ignored, as a client
    could forge them. Wrapping the WSGI app opens nothing: no side effect."""
    counts = {
        key: int(app.config.get(f"PROXY_FIX_X_{key.upper()}") or 0)
        for key in ("for", "proto", "host", "port", "prefix")
    }
    if any(counts.values()):
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, **{f"x_{key}": n for key, n in counts.items()}
        )


def served_over_https(app: Flask) -> bool:
    return request.is_secure or app.config.get("PREFERRED_URL_SCHEME") == "https"


class HttpsAwareSessionInterface(SecureCookieSessionInterface):
    """The session cookie is ``Secure`` whenever this request came over HTTPS
    (directly or as the trusted proxy says), not only when configured so."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return super().get_cookie_secure(app) or request.is_secure


def untrusted_download(response: Response) -> Response:
    """For a file someone uploaded or mailed in: never sniffed into something
    else, and sandboxed (no script, no same-origin) should a browser render it
    despite ``Content-Disposition: attachment``."""
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "sandbox"
    return response


def add_security_headers(response: Response) -> Response:
    for name, value in HEADERS.items():
        # A view may set a stricter one (attachments: CSP sandbox).
        response.headers.setdefault(name, value)
    if served_over_https(current_app):
        seconds = current_app.config["HSTS_SECONDS"]
        response.headers.setdefault(
            "Strict-Transport-Security", f"max-age={seconds}; includeSubDomains"
        )
    return response
