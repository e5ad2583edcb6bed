"""A linearly implicit Rosenbrock 4(3) step for stiff phases (compiled).

Under a canopy the descent is stiff: the speed relaxes to its terminal value with the rate
2 g / v_t (2.7 s^-1 at the main canopy's 7.2 m/s), so an explicit Runge-Kutta step cannot
exceed about 3.3 / 2.7 = 1.2 s whatever the accuracy asked for, and the main canopy's
800 s took three quarters of an explicit flight's work. A Rosenbrock method solves a
linear system with the Jacobian at each stage and is stable at any step: its steps are set
by accuracy alone.

The method is Shampine's four-stage, order 4 Rosenbrock method with an embedded order 3
estimate and gamma = 1/2 (Shampine, *Implementation of Rosenbrock methods*, ACM TOMS 8(2),
1982, 93-113; the coefficients as used by the ``stiff`` routine of Press et al.,
*Numerical Recipes*, 2nd ed., section 16.6), for the non-autonomous system: the
Jacobian in closed form where the phase only drags (under a canopy,
:func:`sim.core.dynamics.drag_jacobian`: one evaluation instead of six), else by forward
differences, as the time derivative of the right-hand side. The
dense output is the cubic Hermite interpolant of the step (values and derivatives at
both ends), stored in the same form as Dormand-Prince's (:mod:`sim.core.dopri`).
"""

import math

from sim.core.dynamics import autonomous, drag_jacobian, rhs_into
from sim.core.layout import N_STATE, P, S
from sim.models._jit import njit

GAM = 0.5
A21 = 2.0
A31, A32 = 48.0 / 25.0, 6.0 / 25.0
C21 = -8.0
C31, C32 = 372.0 / 25.0, 12.0 / 5.0
C41, C42, C43 = -112.0 / 125.0, -54.0 / 125.0, -2.0 / 5.0
B1, B2, B3, B4 = 19.0 / 9.0, 1.0 / 2.0, 25.0 / 108.0, 125.0 / 108.0
E1, E2, E3, E4 = 17.0 / 54.0, 7.0 / 36.0, 0.0, 125.0 / 108.0
C1X, C2X, C3X, C4X = 1.0 / 2.0, -3.0 / 2.0, 121.0 / 50.0, 29.0 / 250.0
A2X, A3X = 1.0, 3.0 / 5.0
SAFETY = 0.9
GROW = 4.0
SHRINK = 0.2
_EPS = 2.220446049250313e-16


#: The state's components the stages' linear systems couple: position and velocity. The
#: heat load feeds nothing back (its column of the Jacobian is zero) and the mass rate is a
#: constant of the phase (its row is zero), so both follow from the coupled block's
#: solution (:func:`_solve_state`): a 6 x 6 factorisation instead of 8 x 8.
N_COUPLED = 6
assert S.heat_load == N_COUPLED and S.mass == N_COUPLED + 1 == N_STATE - 1


@njit
def _lu(a, piv, n):
    """LU factorisation in place of ``a``'s leading n x n block, with partial pivoting;
    False when singular."""
    for k in range(n):
        m = k
        big = abs(a[k, k])
        for i in range(k + 1, n):
            if abs(a[i, k]) > big:
                big = abs(a[i, k])
                m = i
        if big == 0.0:
            return False
        piv[k] = m
        if m != k:
            for j in range(n):
                a[k, j], a[m, j] = a[m, j], a[k, j]
        for i in range(k + 1, n):
            a[i, k] /= a[k, k]
            f = a[i, k]
            if f != 0.0:
                for j in range(k + 1, n):
                    a[i, j] -= f * a[k, j]
    return True


@njit
def _solve(lu, piv, b, n):
    """Solve in place for the leading n components with the factors of :func:`_lu`."""
    for k in range(n):
        m = piv[k]
        if m != k:
            b[k], b[m] = b[m], b[k]
    for i in range(n):
        s = b[i]
        for j in range(i):
            s -= lu[i, j] * b[j]
        b[i] = s
    for i in range(n - 1, -1, -1):
        s = b[i]
        for j in range(i + 1, n):
            s -= lu[i, j] * b[j]
        b[i] = s / lu[i, i]


@njit
def _solve_state(m, piv, b):
    """Solve ``m x = b`` in place for the stages' matrix ``m`` = I / (gamma h) - J of the
    whole state, ``m`` factored in its coupled block (:data:`N_COUPLED`): the mass first
    (its row holds only the diagonal), then the block with the mass's column moved to the
    right, then the heat load from the block's solution (nothing depends on it)."""
    mass = b[S.mass] / m[S.mass, S.mass]
    for i in range(N_COUPLED):
        b[i] -= m[i, S.mass] * mass
    _solve(m, piv, b, N_COUPLED)
    q = b[S.heat_load] - m[S.heat_load, S.mass] * mass
    for j in range(N_COUPLED):
        q -= m[S.heat_load, j] * b[j]
    b[S.heat_load] = q / m[S.heat_load, S.heat_load]
    b[S.mass] = mass


@njit
def step(t, y, h, f0, p, tab, atol, rtol, ynew, w, piv):
    """One trial step from (t, y) of size h with f0 = f(t, y).

    ``w`` is a work array [N_STATE + 7, N_STATE], ``piv`` an integer one [N_STATE].
    Returns (error norm, right-hand-side evaluations); ``ynew`` receives the order-4
    solution.
    """
    n = N_STATE
    jac = w[0:n]
    g1, g2, g3, g4 = w[n], w[n + 1], w[n + 2], w[n + 3]
    tmp, ft, dfdt = w[n + 4], w[n + 5], w[n + 6]
    # Jacobian: in closed form when the phase only drags (:func:`drag_jacobian`), else by
    # forward differences, as the time derivative. Nothing depends on the heat
    # load: a zero column. Without thrust the mass is constant: its row is zero, so its
    # increment is zero in every stage and its column multiplies only zeros (the column
    # left zero gives the same solution to the last bit).
    calls = 0
    if not drag_jacobian(t, y, p, tab, jac):  # in closed form under a canopy
        no_thrust = p[P.thrust] <= 0.0
        for j in range(n):
            if j == S.heat_load or (j == S.mass and no_thrust):
                for i in range(n):
                    jac[i, j] = 0.0
                continue
            delta = math.sqrt(_EPS) * max(abs(y[j]), atol[j] / rtol)
            for i in range(n):
                tmp[i] = y[i]
            tmp[j] += delta
            rhs_into(t, tmp, p, tab, ft)
            calls += 1
            for i in range(n):
                jac[i, j] = -(ft[i] - f0[i]) / delta
    if autonomous(t, p):  # the difference would be zero to the last bit
        for i in range(n):
            dfdt[i] = 0.0
    else:
        dt = math.sqrt(_EPS) * max(abs(t), 1.0)
        rhs_into(t + dt, y, p, tab, ft)
        calls += 1
        for i in range(n):
            dfdt[i] = (ft[i] - f0[i]) / dt
    for i in range(n):
        jac[i, i] += 1.0 / (GAM * h)
    if not _lu(jac, piv, N_COUPLED):
        return math.inf, calls
    for i in range(n):
        g1[i] = f0[i] + h * C1X * dfdt[i]
    _solve_state(jac, piv, g1)
    for i in range(n):
        tmp[i] = y[i] + A21 * g1[i]
    rhs_into(t + A2X * h, tmp, p, tab, ft)
    for i in range(n):
        g2[i] = ft[i] + h * C2X * dfdt[i] + C21 * g1[i] / h
    _solve_state(jac, piv, g2)
    for i in range(n):
        tmp[i] = y[i] + A31 * g1[i] + A32 * g2[i]
    rhs_into(t + A3X * h, tmp, p, tab, ft)
    for i in range(n):
        g3[i] = ft[i] + h * C3X * dfdt[i] + (C31 * g1[i] + C32 * g2[i]) / h
    _solve_state(jac, piv, g3)
    for i in range(n):
        g4[i] = ft[i] + h * C4X * dfdt[i] + (C41 * g1[i] + C42 * g2[i] + C43 * g3[i]) / h
    _solve_state(jac, piv, g4)
    s = 0.0
    for i in range(n):
        ynew[i] = y[i] + B1 * g1[i] + B2 * g2[i] + B3 * g3[i] + B4 * g4[i]
        e = E1 * g1[i] + E2 * g2[i] + E3 * g3[i] + E4 * g4[i]
        sc = atol[i] + rtol * max(abs(y[i]), abs(ynew[i]))
        s += (e / sc) ** 2
    return math.sqrt(s / n), calls + 2


@njit
def next_step(h, err, rejected):
    """The next step size after a step with error ``err`` (<= 1 accepted)."""
    if err == 0.0:
        factor = GROW
    elif not math.isfinite(err):
        factor = SHRINK
    elif err <= 1.0:
        factor = min(GROW, SAFETY * err**-0.25)
    else:
        factor = max(SHRINK, SAFETY * err ** (-1.0 / 3.0))
    if rejected:
        factor = min(factor, 1.0)
    return h * factor


@njit
def hermite_coefficients(y, ynew, h, f0, f1, out):
    """Dense-output coefficients (the form of :func:`sim.core.dopri.dense_eval`) of the
    cubic Hermite interpolant through (y, f0) and (ynew, f1)."""
    for i in range(N_STATE):
        dy = ynew[i] - y[i]
        a = h * f0[i] - dy
        out[0, i] = y[i]
        out[1, i] = dy
        out[2, i] = a
        out[3, i] = dy - h * f1[i] - a
        out[4, i] = 0.0
