"""Exercise files: their schema, parameterised variants, the curated-bank loader and the linter.

`schema` reads and validates one file (DESIGN §5); `variants` turns a parameterised exercise and
a seed into a concrete variant (run it in the checker pool: author expressions are untrusted);
`loader` upserts the curated bank into the database; `lint` checks files the way an author needs
before publishing them; `markdown` renders their Markdown with maths to sanitised HTML.
"""
