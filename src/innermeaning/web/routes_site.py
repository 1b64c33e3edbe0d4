"""The website's pages: server-rendered HTML, no scripts. Each route asks `Site` and renders a template."""

from __future__ import annotations

import math
from dataclasses import dataclass

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from ..errors import NotFoundError
from ..store import SLUG, snippet_html
from .security import MAX_SEARCH, MAX_TOPIC
from .service import Site
from .templating import kinds, render, render_explainer, stylesheet

router = APIRouter(include_in_schema=False)

PER_PAGE = 50
RECENT = 12
NO_STORE = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def get_site(request: Request) -> Site:
    return request.app.state.site


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "unknown"


@dataclass(frozen=True)
class Pager:
    number: int
    last: int

    @property
    def previous(self) -> int | None:
        return self.number - 1 if self.number > 1 else None

    @property
    def next(self) -> int | None:
        return self.number + 1 if self.number < self.last else None


@router.get("/", response_class=HTMLResponse)
async def home(site: Site = Depends(get_site)) -> HTMLResponse:
    library = site.library()
    return HTMLResponse(render(
        "home.html", links=site.links, counts=library.counts_by_kind(),
        recent=library.recent(RECENT), popular=library.popular(RECENT),
    ))


@router.get("/explain")
async def explain(request: Request, topic: str = Query("", max_length=MAX_TOPIC),
                  site: Site = Depends(get_site)) -> Response:
    """Make or fetch the page, then send the browser to its address (303, so reloading is harmless).

    Crisis pages are shown here and now: never stored, never behind a redirect to a stored page.
    """
    obtained = await run_in_threadpool(site.obtain, topic, client_ip(request))
    if obtained.stored:
        return RedirectResponse(site.links.explainer(obtained.page.slug), status_code=303)
    return HTMLResponse(render_explainer(obtained.page, site.links), headers=NO_STORE)


@router.get("/explainers/{slug}", response_class=HTMLResponse)
async def explainer(request: Request, slug: str, site: Site = Depends(get_site)) -> HTMLResponse:
    if not SLUG.match(slug) or len(slug) > 80:
        raise NotFoundError(f"no page called {slug!r} in the library")
    return HTMLResponse(site.explainer_html(slug, str(request.base_url)))


@router.get("/search", response_class=HTMLResponse)
async def search(q: str = Query("", max_length=MAX_SEARCH), site: Site = Depends(get_site)) -> HTMLResponse:
    q = q.strip()
    hits = await run_in_threadpool(lambda: site.library().search(q)) if q else []
    results = [{"slug": h.slug, "title": h.title, "kind": h.kind, "snippet": snippet_html(h.snippet)} for h in hits]
    return HTMLResponse(render("search.html", links=site.links, q=q, results=results))


@router.get("/kinds/{kind}", response_class=HTMLResponse)
async def kind(kind: str, page: int = Query(1, ge=1, le=100_000), site: Site = Depends(get_site)) -> HTMLResponse:
    info = kinds().get(kind)
    if info is None:
        raise NotFoundError(f"there is no kind called {kind!r}; try one of: {', '.join(kinds())}")
    library = site.library()
    last = max(1, math.ceil(library.count(kind) / PER_PAGE))
    if page > last:
        raise NotFoundError(f"there is no page {page} of {info.label.lower()}")
    pages = library.recent(PER_PAGE, kind=kind, offset=(page - 1) * PER_PAGE)
    return HTMLResponse(render("kind.html", links=site.links, info=info, pages=pages, pager=Pager(page, last)))


@router.get("/static/style.css")
async def style() -> Response:
    # The address carries the stylesheet's hash, so browsers may keep it for good.
    return Response(stylesheet(), media_type="text/css",
                    headers={"Cache-Control": "public, max-age=31536000, immutable"})
