"""Replaying the curl lines cspsim prints, through the test's HTTP client: what a person pastes, sent as curl would."""

import re
import shlex
from dataclasses import dataclass, field

import httpx

LINE = re.compile(r"TOKEN=\$\((?P<ask>.+) \| python3 -c (?P<read>'[^']*')\) && (?P<call>.+)")


@dataclass
class CurlRequest:
    method: str = "GET"
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict)
    form: dict[str, str] = field(default_factory=dict)
    body: str | None = None

    async def send(self, http: httpx.AsyncClient, token: str | None = None) -> httpx.Response:
        headers = {k: v.replace("$TOKEN", token or "") for k, v in self.headers.items()}
        if self.form:
            return await http.request(self.method, self.url, headers=headers, data=self.form)
        return await http.request(self.method, self.url, headers=headers, content=self.body)


def _request(argv: list[str]) -> CurlRequest:
    assert argv[0] == "curl", argv
    request, words = CurlRequest(), iter(argv[1:])
    for word in words:
        if word == "-s":
            continue
        if word == "-X":
            request.method = next(words)
        elif word == "-H":
            name, _, value = next(words).partition(": ")
            request.headers[name] = value
        elif word == "--data-urlencode":
            name, _, value = next(words).partition("=")
            request.form[name] = value
        elif word == "-d":
            request.body = next(words)
        else:
            assert not word.startswith("-"), f"curl option {word} is not replayed here"
            request.url = word
    return request


async def run_curl_line(http: httpx.AsyncClient, line: str) -> httpx.Response:
    """Ask for the token as the line does, read it from the field the line's python reads, make the call."""
    parts = LINE.fullmatch(line)
    assert parts is not None, line
    ask, call = _request(shlex.split(parts["ask"])), _request(shlex.split(parts["call"]))
    field_name = re.search(r'\["(\w+)"\]', shlex.split(parts["read"])[0])
    assert field_name is not None
    answered = await ask.send(http)
    assert answered.status_code in (200, 201), answered.text
    return await call.send(http, str(answered.json()[field_name[1]]))
