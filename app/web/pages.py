"""HTML for the admin center pages: small, escaped, with no script and no external asset."""

from html import escape

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


def page(title: str, body: str) -> str:
    return (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
        f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{STYLE}</style></head>'
        f"<body><header>Microsoft 365 admin center (cspsim)</header><main>{body}</main></body></html>"
    )


def note(kind: str, text: str) -> str:
    return f'<div class="note {kind}" role="{"alert" if kind == "error" else "status"}">{escape(text)}</div>'


def sign_in_form(action: str, *, username: str = "", verb: str = "accept") -> str:
    """The sign-in that acts: the button reads "<Verb> and sign in" and has the id `verb`."""
    return (
        f'<form method="post" action="{escape(action)}">'
        f"<p>Sign in as a Global admin of your organization to {escape(verb)}.</p>"
        f'<label for="username">Email</label><input id="username" name="username" type="email" required '
        f'value="{escape(username)}" autocomplete="username">'
        '<label for="password">Password</label><input id="password" name="password" type="password" required '
        'autocomplete="current-password">'
        f'<button type="submit" id="{escape(verb)}">{escape(verb.capitalize())} and sign in</button></form>'
    )


def partner_list(partners: list[tuple[str, str]]) -> str:
    items = "".join(f'<li><span class="partner">{escape(name)}</span> — {escape(role)}</li>' for name, role in partners)
    return f"<ul>{items}</ul>"


def role_list(roles: list[tuple[str, str]]) -> str:
    """Directory roles in plain words: the role's name, then what it lets its holder do."""
    items = "".join(
        f'<li class="role"><strong>{escape(name)}</strong>: {escape(grants)}</li>' for name, grants in roles
    )
    return f"<ul>{items}</ul>"
