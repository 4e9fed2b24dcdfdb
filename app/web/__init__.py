"""The web layer: HTML pages (Jinja2 + htmx), the JSON API under /api/v1, accounts and CSRF.

It only translates HTTP into calls of `app.method.service` (writes) and `app.web.views`
(reads), and their answers into pages; the method's rules live in `app.method.model`.
"""
