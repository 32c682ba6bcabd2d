"""The admin center pages' rendering: Jinja2 templates with autoescape, a strict Content-Security-Policy, and the
check that keeps other sites from posting the pages' forms.

Every value a page shows (a partner's display name, a relationship's name, a refusal's message) is data someone else
typed, so the templates escape everything; only the style sheet, a constant of ours, is marked safe, and the CSP
admits exactly it by its hash. The pages carry no script at all.
"""

import base64
import hashlib
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

STYLE = """
body{font-family:"Segoe UI",system-ui,sans-serif;margin:0;background:#f5f5f5;color:#201f1e}
header{background:#0f6cbd;color:#fff;padding:12px 24px;font-weight:600}
main{max-width:640px;margin:32px auto;background:#fff;padding:24px 32px;border-radius:6px;
box-shadow:0 1px 3px rgba(0,0,0,.15)}
h1{font-size:1.4em;margin-top:0} .partner{font-weight:600}
.note{padding:10px 14px;border-radius:4px;margin:16px 0} .error{background:#fde7e9;border-left:4px solid #c50f1f}
.ok{background:#dff6dd;border-left:4px solid #107c10} .info{background:#eff6fc;border-left:4px solid #0f6cbd}
label{display:block;margin:12px 0 4px} input{width:100%;padding:8px;box-sizing:border-box}
button{margin-top:16px;background:#0f6cbd;color:#fff;border:0;padding:10px 20px;border-radius:4px;cursor:pointer}
ul{padding-left:20px}
"""
_STYLE_HASH = base64.b64encode(hashlib.sha256(STYLE.encode()).digest()).decode()

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'none'",
        f"style-src 'sha256-{_STYLE_HASH}'",
        "img-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ]
)
SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    # The address carries the invitation code or the approval link: it must not leak to another site.
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


def template(name: str) -> Any:
    """A template of `templates/` (autoescaped), for pages that bring their own headers."""
    return _templates.get_template(name)


def render(template: str, *, status_code: int = 200, **values: Any) -> HTMLResponse:
    """A page from `templates/`, every value escaped, with the security headers."""
    html = _templates.get_template(template).render(style=Markup(STYLE), **values)
    return HTMLResponse(html, status_code=status_code, headers=SECURITY_HEADERS)


def message(title: str, kind: str, text: str, *, status_code: int) -> HTMLResponse:
    return render("message.html", status_code=status_code, title=title, kind=kind, text=text)


def refuse_cross_site(request: Request) -> HTMLResponse | None:
    """A 403 page when a browser posts a form from another site, else None.

    Browsers stamp every POST with `Sec-Fetch-Site` (and `Origin`), which a page cannot forge; a form of ours posts
    `same-origin`. Checking them needs no secret and no state, so the pages stay stateless and a script or test
    (which sends neither header, and could not be lured by a page) still posts the form as before. A per-form token
    would need a signed secret tied to the page and its expiry, for no more protection against a browser."""
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        cross = site not in ("same-origin", "none")
    elif origin is not None:
        settings = request.app.state.settings
        cross = origin.rstrip("/") not in (
            f"{request.url.scheme}://{request.url.netloc}",
            settings.public_base_url.rstrip("/"),
        )
    else:
        cross = False
    if not cross:
        return None
    return message(
        "Request refused",
        "error",
        "This form was posted from another site. Open the link you were sent and sign in on this page.",
        status_code=403,
    )
