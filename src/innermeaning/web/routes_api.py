"""The JSON API under /api/v1. Pages have the same shape as `innermeaning explain --format json`."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response
from pydantic import BaseModel, Field
from starlette.concurrency import run_in_threadpool

from ..errors import NotFoundError
from ..models import Explainer
from ..store import SLUG, snippet_html
from .routes_site import client_ip, get_site
from .security import MAX_SEARCH, MAX_TOPIC
from .service import Site


class ErrorBody(BaseModel):
    status: int
    message: str


class ErrorEnvelope(BaseModel):
    """Every API error has this shape, with the HTTP status repeated inside."""

    error: ErrorBody


class SearchHit(BaseModel):
    slug: str
    title: str
    kind: str
    snippet: str = Field(description="HTML: the text is escaped and matching words are wrapped in <mark>")


class SearchResults(BaseModel):
    results: list[SearchHit]


_ERRORS = {404: {"model": ErrorEnvelope}, 422: {"model": ErrorEnvelope}, 429: {"model": ErrorEnvelope}}
_PAGE = {200: {"model": Explainer, "description": "The explainer page", "content": {"application/json": {}}}}

router = APIRouter(prefix="/api/v1", tags=["explainers"])


def _json(text: str, **headers: str) -> Response:
    return Response(text, media_type="application/json", headers=headers or None)


@router.get("/explain", response_class=Response, responses={**_PAGE, **_ERRORS})
async def explain(request: Request, topic: str = Query(..., max_length=MAX_TOPIC, description="What you are going through"),
                  site: Site = Depends(get_site)) -> Response:
    """Explain a topic: the stored page when there is one, else a new page (which is then stored).

    New pages count towards a per-client rate limit (429). Crisis topics answer with the crisis page,
    which has `safety.level == "crisis"` and resources, and is never stored.
    """
    obtained = await run_in_threadpool(site.obtain, topic, client_ip(request))
    if obtained.page.is_crisis:
        return _json(obtained.page.model_dump_json(), **{"Cache-Control": "no-store"})
    return _json(obtained.page.model_dump_json())


@router.get("/explainers/{slug}", response_class=Response, responses={**_PAGE, 404: {"model": ErrorEnvelope}})
async def explainer(slug: str, site: Site = Depends(get_site)) -> Response:
    """A stored page by its slug."""
    if not SLUG.match(slug) or len(slug) > 80:
        raise NotFoundError(f"no page called {slug!r} in the library")
    return _json(site.library().get_json(slug))


@router.get("/search", response_model=SearchResults, responses={422: {"model": ErrorEnvelope}})
async def search(q: str = Query(..., min_length=1, max_length=MAX_SEARCH), limit: int = Query(20, ge=1, le=100),
                 site: Site = Depends(get_site)) -> SearchResults:
    """Full-text search over the library, best match first (bm25)."""
    hits = await run_in_threadpool(lambda: site.library().search(q, limit))
    return SearchResults(results=[
        SearchHit(slug=h.slug, title=h.title, kind=h.kind, snippet=snippet_html(h.snippet)) for h in hits
    ])
