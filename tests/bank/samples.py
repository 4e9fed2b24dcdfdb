"""Small exercise files the bank tests write and change."""

from collections.abc import Callable
from pathlib import Path

WriteFile = Callable[[str, str], Path]
"""write("calculus/rules.yaml", text) -> the path of the file written (the `write` fixture)."""

RULES = """
subject: calculus
topic: rules
title: Rules
theory: |
  The power rule, $(x^n)' = n x^{n-1}$.
examples:
  - {prompt: "Differentiate $x^2$.", solution: "$2x$"}
exercises:
  - id: one
    prompt: Differentiate $x^3$.
    answer: {type: expression, value: "3*x^2"}
    wrong: [{value: "x^2", feedback: "Bring the exponent down."}]
    hints: [Power rule.]
    solution: $3x^2$.
    difficulty: 1
  - id: two
    params: {a: {int: [2, 9]}}
    prompt: Differentiate ${{a}}x^2$.
    answer: {type: expression, value: "diff({{a}}*x^2, x)"}
    wrong: [{value: "2*x", feedback: "Keep the factor."}]
    hints: [Constant factor rule.]
    solution: $2 \\cdot {{a}} x$.
"""

CHAIN = """
subject: calculus
topic: chain
title: Chain
prerequisites: [calculus/rules]
theory: Outer times inner.
examples:
  - {prompt: "p", solution: "s"}
exercises:
  - id: one
    prompt: Differentiate $\\sin(x^2)$.
    answer: {type: expression, value: "2*x*cos(x^2)"}
    wrong: [{value: "cos(x^2)", feedback: "Inner derivative."}]
    hints: [Chain rule.]
    solution: s
"""

STEPS = """
subject: calculus
topic: steps
title: Steps
theory: Differentiate, then evaluate.
examples:
  - {prompt: "p", solution: "s"}
exercises:
  - id: slope
    params: {a: {int: [2, 9]}}
    prompt: Let $f(x) = {{a}}x^2$.
    parts:
      - id: derivative
        prompt: Find $f'(x)$.
        answer: {type: expression, value: "diff({{a}}*x^2, x)"}
        wrong: [{value: "{{a}}*x", feedback: "Bring the exponent down."}]
        hints: [Power rule.]
        solution: $f'(x) = 2 \\\\cdot {{a}} x$.
      - id: at-one
        prompt: Evaluate $f'(1)$.
        answer: {type: number, value: "2*{{a}}"}
        wrong: [{value: "{{a}}", feedback: "Differentiate first."}]
        hints: [Put $x = 1$ into $f'$.]
        solution: $f'(1) = 2 \\\\cdot {{a}}$.
    difficulty: 2
"""
