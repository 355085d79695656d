"""Helpers for the WorkOS emulator tests: a fake clock, PKCE, and an in-process HTTP client.

``client_for`` drives what the suite serves (the control API mounted in front
of the WorkOS app) with Starlette's TestClient, so no socket is needed.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from urllib.parse import parse_qs, urlsplit

import httpx

from authtrace.host.emulators.workos import WorkOSEmulator

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # starlette.testclient's httpx deprecation notice
    from starlette.testclient import TestClient

BASE = "http://127.0.0.1:8787"
APP = "http://localhost:5173"
REDIRECT = f"{APP}/callback"
AUTH = "/user_management/authenticate"


class FakeClock:
    def __init__(self, t: float = 1_800_000_000.0):
        self.t = t

    def __call__(self) -> float:
        return self.t

    def advance(self, seconds: float) -> None:
        self.t += seconds


def pkce() -> tuple[str, str]:
    # The shape authkit-js sends: a 128-character base64url verifier.
    verifier = base64.urlsafe_b64encode(secrets.token_bytes(96)).rstrip(b"=").decode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    return verifier, challenge


def authorize_params(challenge: str, **extra: str) -> dict[str, str]:
    return {
        "client_id": "client_local",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "provider": "authkit",
        "redirect_uri": REDIRECT,
        "response_type": "code",
        **extra,
    }


def front(emu: WorkOSEmulator):
    """What the suite serves on the WorkOS port: the control API in front of the API."""
    from authtrace.host.emulators.control import ControlAPI, mount

    return mount(ControlAPI(faults=emu.faults, events=emu.events, workos=emu), emu.app)


def client_for(emu: WorkOSEmulator, peer: str = "127.0.0.1") -> TestClient:
    return TestClient(front(emu), base_url=BASE, follow_redirects=False, client=(peer, 50000), headers={"origin": APP})


def get_code(client: TestClient, **extra: str) -> tuple[str, str]:
    verifier, challenge = pkce()
    r = client.get("/user_management/authorize", params=authorize_params(challenge, **extra))
    assert r.status_code == 302, r.text
    return parse_qs(urlsplit(r.headers["location"]).query)["code"][0], verifier


def sign_in(client: TestClient, **extra: str) -> dict:
    code, verifier = get_code(client, **extra)
    r = client.post(AUTH, json={"code": code, "client_id": "client_local", "grant_type": "authorization_code", "code_verifier": verifier})
    assert r.status_code == 200, r.text
    return r.json()


def refresh(client: TestClient, rt: str | None, **extra) -> httpx.Response:
    body = {"client_id": "client_local", "grant_type": "refresh_token", **extra}
    if rt is not None:
        body["refresh_token"] = rt
    return client.post(AUTH, json=body)


def error_of(r: httpx.Response) -> tuple[int, str, str]:
    body = r.json()
    return r.status_code, body["error"], body["error_description"]
