"""The WorkOS AuthKit API's HTTP routes, over a :class:`~.workos_sessions.SessionStore`.

Exactly the requests authkit-js 0.20.3 makes (``src/http-client.ts``): the
authorize navigation, ``POST /user_management/authenticate`` with the
``authorization_code`` and ``refresh_token`` grants (refresh token in the JSON
body in devMode, in the HttpOnly ``wos-refresh-token`` cookie with
``credentials: "include"`` otherwise), the logout navigation and the JWKS.
The routes only translate: request fields in, the store's result or WorkOS
error out, plus the cookies.

Bad input: a body that is not a JSON object (or a form), is not UTF-8, holds a
lone surrogate, ``NaN``/``Infinity`` or nests deeper than 32 levels gets
``400 invalid_request``; unknown routes ``404``, wrong methods ``405`` (JSON).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, urlsplit

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from ...redaction import fingerprint
from ...workos_errors import WorkOSError, invalid_request
from .inputs import BadInput, parse_json
from .workos_sessions import SessionStore, Tokens

AUTHENTICATE_PATH = "/user_management/authenticate"
REFRESH_COOKIE = "wos-refresh-token"
SESSION_HINT_COOKIE = "workos-has-session"
NO_STORE = {"cache-control": "no-store"}
PARSED_BODY = "authtrace.body"  # scope key: the authenticate body as parse_body gave it, or its BadInput


def error_response(error: WorkOSError) -> JSONResponse:
    return JSONResponse(error.body(), error.status, headers=NO_STORE)


def parse_body(raw: bytes, content_type: str, *, interruptible: bool = False) -> dict[str, Any]:
    """JSON (what authkit-js sends) or a form body; raises BadInput for anything else."""
    if "application/x-www-form-urlencoded" in content_type:
        return dict(parse_qsl(raw.decode("utf-8", "replace"), keep_blank_values=True))
    if not raw.strip():
        raise BadInput("Missing request body.")
    try:
        data = parse_json(raw, interruptible=interruptible)
    except BadInput:
        raise BadInput("The request body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise BadInput("The request body must be a JSON object.")
    return data


def _scrub(text: str, secrets: dict[str, Any]) -> str:
    """``text`` with each secret (and the 40-character prefix WorkOS echoes) as its fingerprint.

    ``secrets`` maps a fingerprint prefix (``code``, ``tok``) to a value from the request.
    """
    for prefix, secret in secrets.items():
        if isinstance(secret, str) and len(secret) >= 8:
            fp = fingerprint(secret, prefix)
            text = text.replace(secret, fp).replace(secret[:40], fp)
    return text


def routes_app(store: SessionStore) -> Starlette:
    """The API as a Starlette app; CORS and faults wrap it (see :mod:`.workos`)."""

    async def authorize(request: Request) -> Response:
        result = store.authorize(request.query_params)
        if isinstance(result, WorkOSError):
            return error_response(result)
        return RedirectResponse(result, 302, headers=NO_STORE)

    async def authenticate(request: Request) -> Response:
        body: dict[str, Any] = {}
        via = None  # where a refresh token came from: "body" or "cookie"
        try:
            parsed = request.scope.get(PARSED_BODY)  # the pipeline parsed it already
            if parsed is None:
                parsed = parse_body(await request.body(), request.headers.get("content-type", ""))
            if isinstance(parsed, BadInput):
                raise parsed
            body = parsed
            result, via = _grant(body, request)
        except BadInput as exc:
            result = invalid_request(str(exc))
        if isinstance(result, Tokens):
            return token_response(result)
        store.events.add(
            "workos", "authenticate-error", status=result.status, error=result.error,
            description=_scrub(result.description, {"code": body.get("code"), "tok": body.get("refresh_token")}),
        )
        response = error_response(result)
        if via == "cookie" and result.error == "invalid_grant" and store.config.clear_cookies_on_invalid_grant:
            clear_cookies(response)
        return response

    def _grant(body: dict[str, Any], request: Request) -> tuple[Tokens | WorkOSError, str | None]:
        client_id = body.get("client_id")
        if not isinstance(client_id, str) or not client_id:
            return invalid_request("Missing client_id."), None
        if client_id != store.config.client_id:
            return WorkOSError(400, "invalid_client", "Invalid client ID."), None
        grant = body.get("grant_type")
        if not isinstance(grant, str) or not grant:
            return invalid_request("Missing grant_type."), None
        if grant == "authorization_code":
            return store.exchange_code(body.get("code"), body.get("code_verifier")), None
        if grant == "refresh_token":
            token, via = body.get("refresh_token"), "body"
            if token is None or token == "":
                token, via = request.cookies.get(REFRESH_COOKIE), "cookie"
            return store.exchange_refresh(token, via, body.get("organization_id")), via
        return WorkOSError(400, "unsupported_grant_type", f"Unsupported grant_type '{grant[:64]}'."), None

    def token_response(tokens: Tokens) -> Response:
        response = JSONResponse(tokens.body, headers=NO_STORE)
        cfg = store.config
        max_age = int(cfg.session_ttl) if cfg.session_ttl else 400 * 86400
        response.set_cookie(REFRESH_COOKIE, tokens.refresh_token, max_age=max_age, path="/", httponly=True, samesite="lax")
        response.set_cookie(SESSION_HINT_COOKIE, cfg.client_id, max_age=max_age, path="/", samesite="lax")
        return response

    async def logout(request: Request) -> Response:
        sid = request.query_params.get("session_id")
        return_to = request.query_params.get("return_to") or store.config.default_return_to
        if not sid:
            return error_response(invalid_request("Missing session_id."))
        if return_to:
            parts = urlsplit(return_to)
            if parts.scheme not in ("http", "https") or not parts.netloc:
                return error_response(invalid_request("return_to must be an absolute http(s) URL."))
        store.logout(sid, return_to)
        response: Response = (
            RedirectResponse(return_to, 302) if return_to else HTMLResponse("<!doctype html><title>Signed out</title><p>Signed out.</p>")
        )
        clear_cookies(response)
        return response

    async def jwks(request: Request) -> Response:
        if request.path_params["client_id"] != store.config.client_id:
            return JSONResponse({"message": "Not Found"}, 404)
        store.events.incr("workos.jwks")
        # WorkOS serves application/jwk-set+json, which Convex accepts.
        return JSONResponse(store.key.jwks(), media_type="application/jwk-set+json", headers={"cache-control": "public, max-age=60"})

    app = Starlette(routes=[
        Route("/user_management/authorize", authorize, methods=["GET"]),
        Route(AUTHENTICATE_PATH, authenticate, methods=["POST"]),
        Route("/user_management/sessions/logout", logout, methods=["GET"]),
        Route("/sso/jwks/{client_id}", jwks, methods=["GET"]),
    ])
    add_json_errors(app)
    return app


def clear_cookies(response: Response) -> None:
    response.delete_cookie(REFRESH_COOKIE, path="/", httponly=True, samesite="lax")
    response.delete_cookie(SESSION_HINT_COOKIE, path="/", samesite="lax")


def add_json_errors(app: Starlette) -> None:
    """404 and 405 as JSON ``{"message"}``, like the WorkOS API."""

    async def not_found(request: Request, exc: Exception) -> Response:
        return JSONResponse({"message": "Not Found"}, 404)

    async def not_allowed(request: Request, exc: Exception) -> Response:
        return JSONResponse({"message": "Method Not Allowed"}, 405)

    app.add_exception_handler(404, not_found)
    app.add_exception_handler(405, not_allowed)
