"""The one place that decides how the physics is compiled.

Every physics function of the package (right-hand side, atmosphere, aerodynamics, control
laws, event functions, the guidance predictor) is written once, over floats and float
arrays, and decorated with :func:`njit`. ``solve_ivp`` calls the compiled functions on the
reference path; the guidance predictor and any batch integrator call the same functions
from compiled code. Set ``NUMBA_DISABLE_JIT=1`` to run everything as plain Python (slow,
for debugging and coverage).
"""

from collections.abc import Callable
from typing import TypeVar, cast

import numba

F = TypeVar("F", bound=Callable)

_compile = numba.njit(cache=True)


def njit(function: F) -> F:
    """Compile a physics function in nopython mode, cached on disk so that a second process
    loads the machine code instead of compiling it again."""
    return cast(F, _compile(function))
