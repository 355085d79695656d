"""``authtrace bench loading``: peak memory and time of ``trace redact`` and ``analyze`` on large inputs.

A Chrome-DevTools-shaped HAR of a long-lived tab is built here (default
50 MB, fixed seed): fetch/XHR entries with Chrome's headers, cookies,
initiator stacks and JSON bodies, a WorkOS refresh every 5 minutes with a
JWT minted now, and the Convex sync socket with its frames (Transitions with
query results, mutations, an ``Authenticate`` per refresh). Each command then
runs in a fresh interpreter, which reports its peak resident memory
(``VmHWM``); the baseline is the same interpreter after importing the CLI
and analysing a tiny trace. Target (issue 22): peak under 5x the input size.
"""

from __future__ import annotations

import base64
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

TARGET_RATIO = 5.0
# VmHWM, not ru_maxrss: Linux carries ru_maxrss across exec, so it would count the parent's memory.
_RUNNER = """
import sys, time
from authtrace.host.cli import main
t = time.perf_counter()
code = main(sys.argv[1:])
elapsed = time.perf_counter() - t
sys.stdout.flush()
hwm = next(line.split()[1] for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(f"@@ {code} {hwm} {elapsed}", file=sys.stderr)
"""


def add_arguments(parser) -> None:
    parser.add_argument("--mb", type=float, default=50.0, help="size of the generated HAR in MB (default 50)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shape", choices=("mixed", "headers"), default="mixed",
                        help="mixed (bodies and sync frames, default) or headers (many small requests: the most "
                             "objects per MB)")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _jwt(rng: random.Random, iat: int) -> str:
    header = {"alg": "RS256", "kid": "sso_oidc_key_pair_01HBENCH", "typ": "JWT"}
    claims = {"iss": "https://api.workos.com/user_management/client_01HBENCHCLIENT000000000000",
              "sub": "user_01HBENCHUSER00000000000000", "sid": "session_01HBENCHSESSION000000000000",
              "jti": f"token_01HB{rng.getrandbits(64):016X}", "iat": iat, "exp": iat + 300}
    return ".".join([_b64url(json.dumps(header).encode()), _b64url(json.dumps(claims).encode()),
                     _b64url(rng.randbytes(256))])


def _headers(pairs: list[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": k, "value": v} for k, v in pairs]


def _iso(ms: float) -> str:
    t = time.gmtime(ms / 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", t) + f".{int(ms % 1000):03d}Z"


_UA = ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) "
       "Chrome/142.0.0.0 Safari/537.36")
_WORDS = ("alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike november oscar papa "
          "quebec romeo sierra tango uniform victor whiskey xray yankee zulu").split()


def _record(rng: random.Random, i: int) -> dict[str, Any]:
    return {"_id": f"k57{rng.getrandbits(60):015x}", "_creationTime": 1.79e12 + i, "author": rng.choice(_WORDS),
            "body": " ".join(rng.choice(_WORDS) for _ in range(rng.randint(3, 30))), "likes": rng.randint(0, 99)}


def _fetch_entry(rng: random.Random, at: float, session: str, small: bool = False) -> dict[str, Any]:
    path = rng.choice(("/api/messages", "/api/channels", "/api/profile", "/api/search", "/api/notifications"))
    body = '{"ok": true}' if small else json.dumps([_record(rng, i) for i in range(rng.randint(2, 25))])
    post = rng.random() < 0.3
    req_headers = [(":authority", "app.example.com"), (":method", "POST" if post else "GET"), (":path", path),
                   (":scheme", "https"), ("accept", "application/json"), ("accept-encoding", "gzip, deflate, br"),
                   ("accept-language", "en-US,en;q=0.9"), ("cookie", f"wos-session={session}; theme=dark"),
                   ("origin", "https://app.example.com"), ("referer", "https://app.example.com/inbox"),
                   ("sec-ch-ua", '"Chromium";v="142", "Google Chrome";v="142"'), ("sec-ch-ua-mobile", "?0"),
                   ("sec-ch-ua-platform", '"macOS"'), ("sec-fetch-dest", "empty"), ("sec-fetch-mode", "cors"),
                   ("sec-fetch-site", "same-origin"), ("user-agent", _UA)]
    res_headers = [("content-type", "application/json; charset=utf-8"), ("content-encoding", "br"),
                   ("date", "Wed, 26 Nov 2026 09:00:00 GMT"), ("server", "cloudflare"), ("vary", "Accept-Encoding"),
                   ("cache-control", "no-store"), ("x-request-id", f"req_{rng.getrandbits(64):016x}"),
                   ("cf-ray", f"{rng.getrandbits(64):016x}-AMS"), ("strict-transport-security", "max-age=63072000")]
    took = rng.uniform(20, 400)
    entry = {
        "_initiator": {"type": "script", "stack": {"callFrames": [
            {"functionName": rng.choice(("fetchJson", "load", "refresh", "")), "scriptId": str(rng.randint(10, 99)),
             "url": "https://app.example.com/assets/index-B7xQ2kLm.js", "lineNumber": rng.randint(1, 9),
             "columnNumber": rng.randint(100, 99999)} for _ in range(4)]}},
        "_priority": "High", "_resourceType": rng.choice(("fetch", "xhr")), "cache": {}, "connection": "443",
        "pageref": "page_1",
        "request": {"method": "POST" if post else "GET", "url": f"https://app.example.com{path}?page={rng.randint(1, 9)}",
                    "httpVersion": "http/2.0", "headers": _headers(req_headers),
                    "queryString": [{"name": "page", "value": str(rng.randint(1, 9))}],
                    "cookies": [{"name": "wos-session", "value": session, "path": "/", "domain": "app.example.com",
                                 "expires": "2027-01-01T00:00:00.000Z", "httpOnly": True, "secure": True},
                                {"name": "theme", "value": "dark", "path": "/", "domain": "app.example.com",
                                 "expires": "2027-01-01T00:00:00.000Z", "httpOnly": False, "secure": False}],
                    "headersSize": -1, "bodySize": 0},
        "response": {"status": 200, "statusText": "", "httpVersion": "http/2.0", "headers": _headers(res_headers),
                     "cookies": [], "content": {"size": len(body), "mimeType": "application/json", "text": body},
                     "redirectURL": "", "headersSize": -1, "bodySize": -1, "_transferSize": len(body) // 3,
                     "_error": None},
        "serverIPAddress": "104.18.0.1", "startedDateTime": _iso(at), "time": took,
        "timings": {"blocked": 1.2, "dns": -1, "ssl": -1, "connect": -1, "send": 0.2, "wait": took - 5,
                    "receive": 3.1, "_blocked_queueing": 0.8},
    }
    if post:
        entry["request"]["postData"] = {"mimeType": "application/json", "text": json.dumps(_record(rng, 0))}
    return entry


def _auth_entry(rng: random.Random, at: float, jwt: str, rt: str, new_rt: str) -> dict[str, Any]:
    req = json.dumps({"client_id": "client_01HBENCHCLIENT000000000000", "grant_type": "refresh_token",
                      "refresh_token": rt})
    res = json.dumps({"user": {"object": "user", "id": "user_01HBENCHUSER00000000000000", "email": "ada@example.com"},
                      "access_token": jwt, "refresh_token": new_rt, "authentication_method": "Password"})
    return {"_resourceType": "fetch", "cache": {}, "pageref": "page_1", "startedDateTime": _iso(at), "time": 80.0,
            "request": {"method": "POST", "url": "https://api.workos.com/user_management/authenticate",
                        "httpVersion": "http/2.0", "headers": _headers([("content-type", "application/json")]),
                        "queryString": [], "cookies": [], "headersSize": -1, "bodySize": len(req),
                        "postData": {"mimeType": "application/json", "text": req}},
            "response": {"status": 200, "statusText": "OK", "httpVersion": "http/2.0",
                         "headers": _headers([("content-type", "application/json")]), "cookies": [],
                         "content": {"size": len(res), "mimeType": "application/json", "text": res},
                         "redirectURL": "", "headersSize": -1, "bodySize": -1},
            "timings": {"send": 0.1, "wait": 79.0, "receive": 0.9}}


def build_har(path: Path, mb: float, seed: int = 0, shape: str = "mixed") -> dict[str, Any]:
    """Write a HAR of about ``mb`` MB to ``path``; returns what is in it."""
    rng = random.Random(seed)
    target = int(mb * 1_000_000 / 1.3)  # the estimate counts compact JSON; the file is indented
    t0 = 1_795_683_600_000.0
    entries: list[dict[str, Any]] = []
    messages: list[dict[str, Any]] = []
    size = 0
    at = t0
    rt = _b64url(rng.randbytes(24))
    session = _b64url(rng.randbytes(48))
    next_refresh = t0
    version = 0
    while size < target:
        at += rng.uniform(200, 3000)
        if at >= next_refresh:
            jwt, new_rt = _jwt(rng, int(at / 1000)), _b64url(rng.randbytes(24))
            entries.append(_auth_entry(rng, at, jwt, rt, new_rt))
            rt = new_rt
            frame = {"type": "Authenticate", "tokenType": "User", "baseVersion": version, "value": jwt}
            messages.append({"type": "send", "time": at / 1000 + 0.1, "opcode": 1, "data": json.dumps(frame)})
            next_refresh = at + 290_000
            size += 3000
        if shape == "headers" or rng.random() < 0.5:
            e = _fetch_entry(rng, at, session, small=shape == "headers")
            entries.append(e)
            size += len(json.dumps(e)) + 40
        else:
            version += 1
            value = [_record(rng, i) for i in range(rng.randint(1, 12))]
            frame = {"type": "Transition", "startVersion": {"querySet": version, "identity": 1, "ts": "AAAA"},
                     "endVersion": {"querySet": version + 1, "identity": 1, "ts": "AAAB"},
                     "modifications": [{"type": "QueryUpdated", "queryId": rng.randint(0, 20), "value": value,
                                        "logLines": [], "journal": None}]}
            m = {"type": "receive", "time": at / 1000, "opcode": 1, "data": json.dumps(frame)}
            messages.append(m)
            size += len(m["data"]) + 60
    ws = {"_resourceType": "websocket", "cache": {}, "pageref": "page_1", "startedDateTime": _iso(t0), "time": at - t0,
          "request": {"method": "GET", "url": "wss://happy-otter-123.convex.cloud/api/1.48.0/sync",
                      "httpVersion": "http/1.1", "headers": [], "queryString": [], "cookies": [], "headersSize": -1,
                      "bodySize": 0},
          "response": {"status": 101, "statusText": "Switching Protocols", "httpVersion": "http/1.1", "headers": [],
                       "cookies": [], "content": {"size": 0, "mimeType": "x-unknown"}, "redirectURL": "",
                       "headersSize": -1, "bodySize": 0},
          "timings": {"send": 0, "wait": 0, "receive": 0}, "_webSocketMessages": messages}
    har = {"log": {"version": "1.2", "creator": {"name": "WebInspector", "version": "537.36"},
                   "browser": {"name": "Chrome", "version": "142.0.0.0"},
                   "pages": [{"startedDateTime": _iso(t0), "id": "page_1", "title": "app", "pageTimings": {}}],
                   "entries": [ws] + entries}}
    with open(path, "w", encoding="utf-8") as f:
        json.dump(har, f, indent=2)
    return {"entries": len(entries) + 1, "ws_messages": len(messages)}


def _run(args: list[str]) -> dict[str, Any]:
    env = {**os.environ, "PYTHONHASHSEED": "0"}
    proc = subprocess.run([sys.executable, "-c", _RUNNER, *args], capture_output=True, text=True, env=env)
    line = next((ln for ln in proc.stderr.splitlines() if ln.startswith("@@ ")), None)
    if line is None:
        raise RuntimeError(f"benchmark run failed: {proc.stderr.strip()[-500:]}")
    _, code, rss_kb, elapsed = line.split()
    return {"exit": int(code), "peak_mb": round(int(rss_kb) / 1024, 1), "seconds": round(float(elapsed), 2)}


def main(args) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="authtrace-bench-loading-") as tmp:
        d = Path(tmp)
        har = d / "large.har"
        content = build_har(har, args.mb, args.seed, args.shape)
        mb = har.stat().st_size / 1_000_000
        tiny = d / "tiny.json"
        tiny.write_text(json.dumps({"format": "authtrace/1", "meta": {}, "events": []}))
        baseline = _run(["analyze", str(tiny), "--json"])
        figures: dict[str, Any] = {"input_mb": round(mb, 1), "shape": args.shape, **content,
                                   "baseline_peak_mb": baseline["peak_mb"]}
        for name, argv in (("trace_redact", ["trace", "redact", str(har), "-o", str(d / "out.har")]),
                           ("analyze_json", ["analyze", str(har), "--json"]),
                           ("analyze", ["analyze", str(har)])):
            r = _run(argv)
            r["ratio_to_input"] = round(r["peak_mb"] / mb, 2)
            r["above_baseline_mb"] = round(r["peak_mb"] - baseline["peak_mb"], 1)
            r["meets_target"] = r["exit"] == 0 and r["peak_mb"] <= TARGET_RATIO * mb
            figures[name] = r
    figures["target"] = f"peak resident memory <= {TARGET_RATIO:g}x the input size"
    figures["meets_target"] = all(figures[k]["meets_target"] for k in ("trace_redact", "analyze_json", "analyze"))
    return figures
