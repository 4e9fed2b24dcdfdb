"""Jinja2 templates: the built-in ones, under an operator's override folder if configured.

An override folder (GYRUS_TEMPLATES_DIR) is searched first, so an operator can replace one
template (say `base.html` for their own header) without copying the rest.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.templating import Jinja2Templates
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from app.web.csrf import FORM_FIELD, HEADER, csrf_token

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "templates"
STATIC = ROOT / "static"


def render_markdown(text: str) -> str:
    """Markdown with maths to sanitised HTML (the bank's renderer)."""
    from app.bank.markdown import render_markdown as render

    return render(text or "")


def _markdown_filter(text: str | None) -> Markup:
    return Markup(render_markdown(text or ""))  # sanitised by the renderer


def _inline_markdown_filter(text: str | None) -> Markup:
    """One paragraph of Markdown without its `<p>`, for inside a label or a sentence."""
    html = str(render_markdown(text or "")).strip()
    if html.startswith("<p>") and html.endswith("</p>") and html.count("<p>") == 1:
        html = html[3:-4]
    return Markup(html)  # sanitised by the renderer


def _math_filter(latex: str | None, display: bool = False) -> Markup:
    """A LaTeX string for KaTeX on the client; escaped text, so it cannot inject markup."""
    if not latex:
        return Markup("")
    tag = "div" if display else "span"
    kind = "display" if display else "inline"
    return Markup('<{0} class="math {1}">{2}</{0}>').format(tag, kind, latex)


def duration(spent: timedelta) -> str:
    """A time spent, to the minute: `0 min`, `under a minute`, `42 min`, `2 h 05 min`."""
    seconds = int(spent.total_seconds())
    if 0 < seconds < 60:
        return "under a minute"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def make_templates(override: Path | None = None) -> Jinja2Templates:
    """The page templates, with `override` searched first."""
    loaders = [FileSystemLoader(str(override))] if override else []
    loaders.append(FileSystemLoader(str(TEMPLATES)))
    environment = Environment(
        loader=ChoiceLoader(loaders),
        autoescape=select_autoescape(["html", "xml"], default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # no stat() of every template on every page; `--reload` restarts
    )
    environment.filters["markdown"] = _markdown_filter
    environment.filters["inline_markdown"] = _inline_markdown_filter
    environment.filters["math"] = _math_filter
    environment.filters["duration"] = duration
    environment.globals.update(csrf_field=FORM_FIELD, csrf_header=HEADER)
    return Jinja2Templates(env=environment, context_processors=[_common])


def _common(request: Request) -> dict[str, Any]:
    """What every page needs: the CSRF token, the signed-in learner, a one-time notice."""
    return {
        "csrf_token": csrf_token(request),
        "user_email": getattr(request.state, "user_email", None),
        "is_operator": getattr(request.state, "is_operator", False),
        "notice": request.session.pop("notice", None),
    }
