"""Judging answers: an answer spec, the comparisons, and the result a check returns.

`engine` reads the response and the reference (through `app.checking.grammar`) and picks the
comparison the `spec` asks for: `equivalence` for expressions (sampled at `probes` points, with
`realvalue` for real-only functions and a `budget` on the exact confirmation), `forms` for a
required form, `numeric` for tolerances, `inequalities`, `integrals` for antiderivatives and
`structures` for vectors, sets, matrices and intervals (entry by entry). An incorrect
answer is then compared with cheap transformations of the reference (`diagnosis`: its
negative, a factor 2, a missing factor, ...). `result` is what comes back.
"""
