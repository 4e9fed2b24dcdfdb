"""The web layer: HTML pages (Jinja2 + htmx), the JSON API under /api/v1, sign-in and CSRF.

It only translates HTTP into calls of the services (`app.method.service`, `app.accounts`,
`app.bank.importing`) and the read side (`app.method.queries`), run in the thread pool
(`deps.in_thread`), and their answers into pages; the method's rules live in
`app.method.model`.
"""
