"""Reading answers: learner and author text into SymPy values, never through eval.

`lexing` normalises the text and makes tokens (with the known `names` and the input `limits`),
`syntax` parses them with the LALR grammar in `answer.lark`, `building` builds each SymPy node as
the parser reduces, `authoring` runs the operations only exercise files may use (diff, integrate,
det, ...), `values` holds the shapes an answer can take beyond one expression (brackets, sets,
matrices, relations), and `display` writes a read value back as LaTeX.
"""
