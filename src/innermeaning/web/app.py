"""The FastAPI application: wiring only. Routes live in routes_site.py and routes_api.py.

Errors are converted once, here (datasette style): Inner Meaning's errors, HTTP errors, invalid
parameters and unexpected exceptions all go through `handle_error`, which answers with the site's
error page, or with the JSON envelope `{"error": {"status", "message"}}` under /api/. Unexpected
exceptions are logged with their traceback on the server and reach the client as a plain 500.

    uvicorn --factory innermeaning.web.app:create_app     # or: innermeaning serve
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.exceptions import HTTPException

from .. import __version__
from ..config import Settings, load_settings
from ..errors import InnerMeaningError
from . import routes_api, routes_site
from .security import HEADERS, MAX_QUERY_STRING, SecurityHeaders
from .service import Site
from .templating import SiteLinks, render

log = logging.getLogger("innermeaning.web")

API_PREFIX = "/api/"
_HEADINGS = {
    400: "That request did not work",
    404: "Page not found",
    405: "That is not allowed here",
    414: "That address is too long",
    422: "We couldn't explain that",
    429: "Please slow down a little",
}
_PLAIN = {
    404: "There is no page at this address. It may not have been written yet: ask about it below.",
    405: "This address does not accept that kind of request.",
}
_GENERIC = "Something went wrong on our side. Please try again in a moment."


async def limit_request(request: Request) -> None:
    """Refuse absurdly long query strings before any parameter is parsed."""
    if len(request.scope.get("query_string", b"")) > MAX_QUERY_STRING:
        raise HTTPException(414, "the address is too long")


def describe(exc: Exception) -> tuple[int, str]:
    """The status and the user-facing message for any exception; nothing internal leaks out."""
    if isinstance(exc, InnerMeaningError):
        if exc.status == 500:  # a store or knowledge failure: details are for the server log only
            log.error("%s: %s", type(exc).__name__, exc.message)
            return 500, _GENERIC
        return exc.status, exc.message
    if isinstance(exc, HTTPException):
        detail = exc.detail if isinstance(exc.detail, str) else ""
        return exc.status_code, _PLAIN.get(exc.status_code) or detail or "the request could not be handled"
    if isinstance(exc, RequestValidationError):
        problems = []
        for error in exc.errors():
            where = str(error["loc"][-1]) if error.get("loc") else "request"
            problems.append(f"{where}: {error.get('msg', 'invalid').lower()}")
        return 422, "; ".join(problems) or "the request is not valid"
    log.error("unexpected error on a request", exc_info=exc)
    return 500, _GENERIC


async def handle_error(request: Request, exc: Exception) -> Response:
    """The one exception handler: an HTML page, or the JSON envelope for paths under /api/."""
    status, message = describe(exc)
    headers = dict(HEADERS) if status == 500 else {}  # 500s bypass the header middleware
    retry_after = getattr(exc, "retry_after", None)
    if retry_after:
        headers["Retry-After"] = str(retry_after)
    if request.url.path.startswith(API_PREFIX):
        return JSONResponse({"error": {"status": status, "message": message}}, status_code=status, headers=headers)
    html = render(
        "error.html", links=SiteLinks(), status=status, heading=_HEADINGS.get(status, "Something went wrong"),
        message=message[:1].upper() + message[1:],
    )
    return HTMLResponse(html, status_code=status, headers=headers)


def create_app(settings: Settings | None = None) -> FastAPI:
    """The web app for `settings` (resolved from config and environment when not given)."""
    site = Site(settings or load_settings())

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        site.close()

    app = FastAPI(
        title="Inner Meaning",
        version=__version__,
        description="Warm, grounded explainer pages for what people go through. Errors are "
                    '`{"error": {"status", "message"}}` with the matching HTTP status.',
        docs_url=None, redoc_url=None,  # the docs pages load scripts from a CDN; /openapi.json is enough
        lifespan=lifespan,
        dependencies=[Depends(limit_request)],
    )
    app.state.site = site
    app.add_middleware(SecurityHeaders)
    for exc_type in (InnerMeaningError, HTTPException, RequestValidationError, Exception):
        app.add_exception_handler(exc_type, handle_error)
    app.include_router(routes_api.router)
    app.include_router(routes_site.router)
    return app
