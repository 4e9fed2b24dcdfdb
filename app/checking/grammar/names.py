"""The names the answer syntax knows: functions, constants, Greek letters and LaTeX commands.

Kept apart from the lexer so the lists can be read (and shown to learners) on their own.
"""

from __future__ import annotations

# written name -> canonical name (the SymPy function, or a name the builder knows)
FUNCTIONS: dict[str, str] = {
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "cosec": "csc",
    "asin": "asin", "acos": "acos", "atan": "atan", "asec": "asec", "acsc": "acsc", "acot": "acot",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsec": "asec", "arccsc": "acsc",
    "arccot": "acot",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh", "sech": "sech", "csch": "csch", "coth": "coth",
    "asinh": "asinh", "acosh": "acosh", "atanh": "atanh",
    "arsinh": "asinh", "arcosh": "acosh", "artanh": "atanh",
    "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
    "exp": "exp", "ln": "ln", "log": "log", "log10": "log10",
    "sqrt": "sqrt", "root": "root", "abs": "abs",
    "floor": "floor", "ceil": "ceiling", "ceiling": "ceiling",
    "sign": "sign", "sgn": "sign", "signum": "sign",
    "binomial": "binomial", "gamma": "gamma", "min": "min", "max": "max",
}

AUTHOR_OPS: frozenset[str] = frozenset({
    "diff", "integrate", "limit", "det", "inverse", "transpose", "rank", "eigenvals",
    "simplify", "expand", "factor",
})

# written name -> canonical constant
CONSTANTS: dict[str, str] = {
    "pi": "pi", "e": "e", "i": "i", "oo": "oo", "inf": "oo", "infinity": "oo", "infty": "oo",
}

GREEK: frozenset[str] = frozenset({
    "alpha", "beta", "gamma", "delta", "epsilon", "zeta", "eta", "theta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "omicron", "rho", "sigma", "tau", "upsilon", "phi", "chi",
    "psi", "omega",
})

# LaTeX command -> symbol name (pi is a constant, handled apart)
TEX_GREEK: dict[str, str] = {name: name for name in GREEK} | {
    "varepsilon": "epsilon", "vartheta": "theta", "varphi": "phi", "varrho": "rho",
    "varsigma": "sigma",
    "Gamma": "Gamma", "Delta": "Delta", "Theta": "Theta", "Lambda": "Lambda", "Xi": "Xi",
    "Pi": "Pi", "Sigma": "Sigma", "Upsilon": "Upsilon", "Phi": "Phi", "Psi": "Psi",
    "Omega": "Omega",
}

TEX_FUNCTIONS: dict[str, str] = {
    name: FUNCTIONS[name] for name in (
        "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh",
        "tanh", "coth", "exp", "ln", "log", "min", "max",
    )
} | {"sgn": "sign"}

TEX_RELATIONS: dict[str, str] = {
    "le": "<=", "leq": "<=", "leqslant": "<=", "ge": ">=", "geq": ">=", "geqslant": ">=",
    "ne": "!=", "neq": "!=", "lt": "<", "gt": ">",
}

TEX_IGNORED: frozenset[str] = frozenset({
    "quad", "qquad", "displaystyle", "textstyle", "limits", "big", "Big", "bigg", "Bigg",
    "bigl", "bigr", "Bigl", "Bigr", "biggl", "biggr", "left", "right",
})

TEX_WORD_WRAPPERS: frozenset[str] = frozenset({
    "mathrm", "text", "textrm", "mathit", "mathbf", "operatorname", "mathsf",
})

# Unicode characters that stand for a word: inserted with spaces around them when needed
UNICODE_WORDS: dict[str, str] = {
    "π": "pi", "∞": "oo",
    "α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "ε": "epsilon", "ϵ": "epsilon",
    "ζ": "zeta", "η": "eta", "θ": "theta", "ϑ": "theta", "ι": "iota", "κ": "kappa",
    "λ": "lambda", "μ": "mu", "ν": "nu", "ξ": "xi", "ο": "omicron", "ρ": "rho", "σ": "sigma",
    "ς": "sigma", "τ": "tau", "υ": "upsilon", "φ": "phi", "ϕ": "phi", "χ": "chi", "ψ": "psi",
    "ω": "omega",
    "Γ": "Gamma", "Δ": "Delta", "Θ": "Theta", "Λ": "Lambda", "Ξ": "Xi", "Π": "Pi",
    "Σ": "Sigma", "Υ": "Upsilon", "Φ": "Phi", "Ψ": "Psi", "Ω": "Omega",
}

# Unicode characters that stand for ASCII operators
UNICODE_SYMBOLS: dict[str, str] = {
    "×": "*", "·": "*", "⋅": "*", "∙": "*", "∗": "*", "÷": "/", "⁄": "/", "∕": "/",
    "−": "-", "–": "-", "—": "-", "‒": "-", "‐": "-", "⁒": "-",
    "≤": "<=", "≥": ">=", "⩽": "<=", "⩾": ">=", "≦": "<=", "≧": ">=", "≠": "!=",
    "∪": " U ", "∈": " in ", "⌊": "\\lfloor ", "⌋": "\\rfloor ", "⌈": "\\lceil ",
    "⌉": "\\rceil ", "∅": "{}", "⦰": "{}", "′": "'", "‘": "'", "’": "'", "“": '"', "”": '"',
}

SUPERSCRIPTS: dict[str, str] = {
    "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8",
    "⁹": "9", "⁻": "-", "⁺": "+",
}

SUBSCRIPTS: dict[str, str] = {
    "₀": "0", "₁": "1", "₂": "2", "₃": "3", "₄": "4", "₅": "5", "₆": "6", "₇": "7", "₈": "8",
    "₉": "9",
}

ZERO_WIDTH: frozenset[str] = frozenset({"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff"})
