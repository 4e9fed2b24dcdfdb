"""Size limits on learner and author input, checked before anything expensive is built.

The grammar builds SymPy objects directly, so every way an input of a few characters could
demand a huge computation (`9^9^9^9`, `(x+1)^100000`, `1000000!`) is stopped while parsing.
"""

MAX_INPUT_CHARS = 2_000  # longer inputs are rejected before any other work
MAX_BRACKET_DEPTH = 40  # ( [ { nesting, checked by a linear pre-scan
MAX_TREE_DEPTH = 120  # depth of the built expression (operator chains such as x^x^x^...)
MAX_NODES = 2_000  # grammar nodes built for one input
MAX_LITERAL_DIGITS = 100  # digits in one numeric literal
MAX_DECIMAL_EXPONENT = 300  # |e| in 1e300
MAX_RESULT_DIGITS = 10_000  # estimated digits of any numeric subexpression (towers, products)
MAX_SYMBOLIC_POWER = 100_000  # |n| in (x+1)^n for a non-numeric base: probes stay numeric
MAX_FACTORIAL = 1_000  # n in n! and gamma(n) when n is a number
MAX_BINOMIAL = 10_000  # n in binomial(n, k) when n is a number
MAX_ITEMS = 400  # entries in one vector, set, matrix or list
MAX_MATRIX_SIDE = 20  # rows or columns of a matrix
