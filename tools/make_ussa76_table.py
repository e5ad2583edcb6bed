"""Generate ``sim/data/ussa76.csv``: U.S. Standard Atmosphere 1976 above 86 km.

Integrates the diffusion equations of the standard for the number densities of N2, O, O2,
Ar, He and H from 86 km to 1000 km geometric altitude and writes the mass density and the
mean molecular weight on the grid that :mod:`sim.ussa76` interpolates at run time.

Run from the repository root (a few seconds, numpy only)::

    python tools/make_ussa76_table.py            # writes sim/data/ussa76.csv
    python tools/make_ussa76_table.py --check    # also prints errors against Table I

Equations and constants (all from NOAA-S/T 76-1562, "U.S. Standard Atmosphere, 1976",
U.S. Government Printing Office, Washington D.C., October 1976, Part 1, the model from 86
to 1000 km; the equation layout follows S. S. Pietrobon's independent implementation,
``ussa1976.pas``, Public Domain Aeronautical Software, 1999):

* kinetic temperature T(Z): isothermal 86-91 km, elliptical 91-110 km, linear 110-120 km,
  exponential 120-1000 km with T_inf = 1000 K and lambda = 0.01875 km^-1 (eqs. 25-32);
* gravity g = g0 (r0 / (r0 + Z))^2, r0 = 6356766 m, g0 = 9.80665 m s^-2 (eq. 17);
* N2: hydrostatic with M = M0 below 100 km and M(N2) above;
* O, O2, Ar, He: molecular plus eddy diffusion, thermal diffusion (alpha of Table 6), and
  the vertical-flux terms Q, q, U, u, W, w of Table 7; eddy coefficient K = 120 m^2 s^-1
  to 95 km, K = 120 exp(1 - 400 / (400 - (Z - 95)^2)) (Z in km) to 115 km, zero above;
  diffusion coefficients D = a (T/273.15)^b / n with a, b of Table 6, where n and the mean
  molecular weight M are those of N2 alone (for O, O2), of N2+O+O2 (for Ar, He) and of
  N2..He (for H);
* H: zero below 150 km; from 150 to 1000 km the flux solution with phi = 7.2e11
  m^-2 s^-1, alpha(H) = -0.25 and n(H) = 8.0e10 m^-3 at 500 km;
* number densities at 86 km: N2 1.129794e20, O 8.6e16, O2 3.030898e19, Ar 1.3514e18,
  He 7.58173e14 m^-3 (the standard's values at 86 km as used in Pietrobon's program);
* rho = sum(n_i M_i) / N_A with N_A = 6.022169e26 kmol^-1, M = sum(n_i M_i) / sum(n_i).

The rounded number densities of the standard at 86 km give a density 1.8e-5 (relative)
above the one of the layer equations below 86 km (6.95775e-6 kg m^-3). The shipped densities
are multiplied by the ratio of the two (printed in the CSV header), so that the density of
:mod:`sim.ussa76` is continuous and monotone at 86 km; the change is far below the four
printed digits of the standard's tables.

The integrals are cumulative trapezoid sums on a 2 m grid whose nodes include every
breakpoint of the coefficients (86, 91, 95, 97, 100, 110, 115, 120, 150, 500 km), so every
jump of an integrand falls on a node; halving the step changes no output by more than
1e-6 (relative), checked by ``--check``.

Output grid: steps of 0.1 km from 86 to 130 km, 0.25 km to 250 km, 1 km to 1000 km. The
run-time model interpolates ln(rho) and M linearly; ``--check`` reports the interpolation
error against the 2 m solution (2.2e-5 relative for rho, 7e-6 for M).

After regenerating, delete ``sim/__pycache__`` (numba caches the table as a constant of the
compiled :func:`sim.ussa76.ussa76`).
"""

from __future__ import annotations

import argparse
import os

import numpy as np

# --- constants of the standard (Part 1: Tables 2, 3, 6, 7 and the text for 86-1000 km) ---
R_STAR = 8314.32  # gas constant [J kmol^-1 K^-1]
N_A = 6.022169e26  # Avogadro constant [kmol^-1]
G0 = 9.80665  # [m s^-2]
R0 = 6356766.0  # effective Earth radius [m]
M0 = 28.9644  # sea-level mean molecular weight [kg kmol^-1]
T7 = 186.8673  # kinetic temperature at 86 km [K]

GASES = ("N2", "O", "O2", "Ar", "He", "H")
M_GAS = np.array([28.0134, 15.9994, 31.9988, 39.948, 4.0026, 1.00797])  # [kg kmol^-1]
N86 = np.array([1.129794e20, 8.6e16, 3.030898e19, 1.3514e18, 7.58173e14, 0.0])  # [m^-3]
ALPHA = np.array([0.0, 0.0, 0.0, 0.0, -0.40, -0.25])  # thermal diffusion factor [-]
A_DIFF = np.array([0.0, 6.986e20, 4.863e20, 4.487e20, 1.700e21, 3.305e21])  # [m^-1 s^-1]
B_DIFF = np.array([0.0, 0.750, 0.750, 0.870, 0.691, 0.500])  # [-]
# flux coefficients of Table 7, converted from km to m (Q, W: km^-3 -> m^-3)
Q_FLUX = np.array([0.0, -5.809644e-13, 1.366212e-13, 9.434079e-14, -2.457369e-13])
U_FLUX = np.array([0.0, 56903.11, 86000.0, 86000.0, 86000.0])
W_FLUX = np.array([0.0, 2.706240e-14, 8.333333e-14, 8.333333e-14, 6.666667e-13])
Q_O, U_O, W_O = -3.416248e-12, 97000.0, 5.008765e-13  # second O term, below 97 km only
PHI_H = 7.2e11  # vertical flux of H [m^-2 s^-1]
N_H_500 = 8.0e10  # n(H) at 500 km [m^-3]

Z7, Z8, Z9, Z10, Z11, Z12 = 86e3, 91e3, 110e3, 120e3, 500e3, 1000e3  # [m]
Z_M = 100e3  # N2 and mean weight switch from M0 to the diffusive value [m]
Z_E, Z_K = 95e3, 115e3  # eddy diffusion decays from Z_E and vanishes at Z_K [m]
Z_H = 150e3  # lowest altitude of hydrogen [m]


def kinetic_temperature(z):
    """Kinetic temperature T [K] and dT/dZ [K m^-1] at geometric altitude z [m] (eqs. 25-32)."""
    z = np.asarray(z, dtype=float)
    t = np.full_like(z, T7)
    dt = np.zeros_like(z)
    tc, a_ell, a_len = 263.1905, -76.3232, 19942.9  # eq. 27 [K, K, m]
    m = (z >= Z8) & (z < Z9)
    b = (z[m] - Z8) / a_len
    s = np.sqrt(1.0 - b * b)
    t[m] = tc + a_ell * s
    dt[m] = -a_ell * b / (a_len * s)
    m = (z >= Z9) & (z < Z10)
    t[m] = 240.0 + 0.012 * (z[m] - Z9)
    dt[m] = 0.012
    m = z >= Z10
    lam, t_inf, t10 = 1.875e-5, 1000.0, 360.0
    xi = (z[m] - Z10) * (R0 + Z10) / (R0 + z[m])
    e = (t_inf - t10) * np.exp(-lam * xi)
    t[m] = t_inf - e
    dt[m] = lam * ((R0 + Z10) / (R0 + z[m])) ** 2 * e
    return t, dt


def eddy(z):
    """Eddy diffusion coefficient K [m^2 s^-1]."""
    k = np.full_like(z, 120.0)
    m = (z >= Z_E) & (z < Z_K)
    a = 4.0e8  # [m^2]
    k[m] = 120.0 * np.exp(1.0 - a / (a - (z[m] - Z_E) ** 2))
    k[z >= Z_K] = 0.0
    return k


def flux(z, i):
    """Vertical-flux term v_i / (D_i + K) [m^-1] of gas i (1..4 = O, O2, Ar, He), Table 7."""
    d = z - U_FLUX[i]
    f = Q_FLUX[i] * d * d * np.exp(-W_FLUX[i] * d**3)
    if i == 1:
        below = z < U_O
        d = U_O - z[below]
        f[below] += Q_O * d * d * np.exp(-W_O * d**3)
    return f


def cumtrapz(f, z):
    out = np.zeros_like(f)
    out[1:] = np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(z))
    return out


def solve(dz=2.0):
    """Number densities on a uniform grid of step dz [m] from 86 to 1000 km.

    Returns z [m], T [K], n [6, len(z)] in m^-3 (rows in the order of GASES).
    """
    nstep = int(round((Z12 - Z7) / dz))
    z = Z7 + dz * np.arange(nstep + 1)
    for zb in (Z8, Z_E, U_O, Z_M, Z9, Z_K, Z10, Z_H, Z11):
        assert np.any(np.abs(z - zb) < 1e-6), "breakpoint not on grid"
    t, dtdz = kinetic_temperature(z)
    g = G0 * (R0 / (R0 + z)) ** 2
    k = eddy(z)
    low = z < Z_M
    n = np.zeros((6, z.size))

    # N2: mixed (M0) below 100 km, diffusive (M_N2) above.
    m_n2 = np.where(low, M0, M_GAS[0])
    f = m_n2 * g / (R_STAR * t)
    n[0] = N86[0] * T7 / t * np.exp(-cumtrapz(f, z))

    def diffusive(i, nsum, mbar):
        d = A_DIFF[i] * (t / 273.15) ** B_DIFF[i] / nsum
        bracket = (d * M_GAS[i] + mbar * k + d * ALPHA[i] * R_STAR * dtdz / g) / (d + k)
        f = g * bracket / (R_STAR * t) + flux(z, i)
        return N86[i] * T7 / t * np.exp(-cumtrapz(f, z))

    # O and O2 diffuse through N2 alone; Ar and He through N2 + O + O2.
    for i in (1, 2):
        mbar = np.where(low, M0, M_GAS[0])
        n[i] = diffusive(i, n[0], mbar)
    nsum = n[0] + n[1] + n[2]
    mbar = np.where(low, M0, (n[0] * M_GAS[0] + n[1] * M_GAS[1] + n[2] * M_GAS[2]) / nsum)
    for i in (3, 4):
        n[i] = diffusive(i, nsum, mbar)

    # H: n(Z) = [n11 + int_Z^Z11 phi/D (T'/T11)^(1+a) e^tau' dZ'] (T11/T)^(1+a) e^-tau,
    # tau(Z) = int_Z11^Z M_H g / (R* T) dZ.
    hi = z >= Z_H
    zh, th, gh = z[hi], t[hi], g[hi]
    i11 = int(np.argmin(np.abs(zh - Z11)))
    t11 = th[i11]
    tau = cumtrapz(M_GAS[5] * gh / (R_STAR * th), zh)
    tau -= tau[i11]
    d_h = A_DIFF[5] * (th / 273.15) ** B_DIFF[5] / n[:5, hi].sum(axis=0)
    integrand = PHI_H / d_h * (th / t11) ** (1.0 + ALPHA[5]) * np.exp(tau)
    integrand[zh > Z11] = 0.0  # the flux integral runs only up to 500 km
    cum = cumtrapz(integrand, zh)
    from_z_to_11 = cum[i11] - cum  # int_Z^Z11 (zero above 500 km)
    from_z_to_11[zh > Z11] = 0.0
    n[5, hi] = (N_H_500 + from_z_to_11) * (t11 / th) ** (1.0 + ALPHA[5]) * np.exp(-tau)
    return z, t, n


def output_grid():
    """Altitudes [m] of the shipped table: steps 0.1 km to 130 km, 0.25 km to 250 km, 1 km
    to 1000 km (finest where the temperature gradient changes fastest)."""
    return np.concatenate(
        [
            np.arange(86000.0, 130000.0, 100.0),
            np.arange(130000.0, 250000.0, 250.0),
            np.arange(250000.0, 1000000.0 + 1.0, 1000.0),
        ]
    )


def rho_below_86km():
    """Density [kg m^-3] at 86 km from the layer equations of the standard (eqs. 18, 33, 42)."""
    hb = [0.0, 11000.0, 20000.0, 32000.0, 47000.0, 51000.0, 71000.0]
    lb = [-6.5e-3, 0.0, 1.0e-3, 2.8e-3, 0.0, -2.8e-3, -2.0e-3]
    tb, pb = 288.15, 101325.0
    h = R0 * Z7 / (R0 + Z7)  # geopotential altitude of 86 km [m']
    for b in range(7):
        top = hb[b + 1] if b < 6 else h
        t_top = tb + lb[b] * (top - hb[b])
        if lb[b] == 0.0:
            pb = pb * np.exp(-G0 * M0 * (top - hb[b]) / (R_STAR * tb))
        else:
            pb = pb * (tb / t_top) ** (G0 * M0 / (R_STAR * lb[b]))
        tb = t_top
    return pb * M0 / (R_STAR * tb)


def table(dz=2.0):
    z, t, n = solve(dz)
    rho = (n * M_GAS[:, None]).sum(axis=0) / N_A
    rho *= rho_below_86km() / rho[0]  # continuity with the layer equations at 86 km
    mbar = (n * M_GAS[:, None]).sum(axis=0) / n.sum(axis=0)
    zo = output_grid()
    idx = np.rint((zo - z[0]) / dz).astype(int)
    assert np.allclose(z[idx], zo)
    return z, rho, mbar, t, n, zo, rho[idx], mbar[idx]


def write_csv(path, zo, rho, mbar, factor):
    header = (
        "# U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562), 86-1000 km geometric altitude.\n"
        "# Generated by tools/make_ussa76_table.py from the standard's diffusion equations\n"
        "# for N2, O, O2, Ar, He, H (Part 1, 86-1000 km); do not edit by hand.\n"
        f"# Densities scaled by {factor:.8f} to meet the layer equations at 86 km.\n"
        "# Columns: geometric altitude [m], mass density [kg m^-3], mean molecular weight"
        " [kg kmol^-1]\n"
        "z_m,rho_kg_m3,M_kg_kmol\n"
    )
    with open(path, "w", encoding="ascii", newline="\n") as fh:
        fh.write(header)
        for a, b, c in zip(zo, rho, mbar, strict=True):
            fh.write(f"{a:.0f},{b:.9e},{c:.7f}\n")


def check(z, rho, mbar, zo, rho_o, mbar_o):
    """Print convergence, interpolation error and agreement with a few Table I values."""
    z2, rho2, *_ = table(dz=1.0)[:3]
    conv = np.max(np.abs(np.interp(z, z2, rho2) / rho - 1.0))
    print(f"step-halving change of rho (2 m -> 1 m): {conv:.2e}")
    rho_i = np.exp(np.interp(z, zo, np.log(rho_o)))
    m_i = np.interp(z, zo, mbar_o)
    print(f"max interpolation error ln-linear rho: {np.max(np.abs(rho_i / rho - 1)):.2e}")
    print(f"max interpolation error linear M:      {np.max(np.abs(m_i / mbar - 1)):.2e}")
    # A few printed Table I densities (NOAA-S/T 76-1562 pp. 68-73), for a quick look; the
    # full comparison with sources is tests/test_ussa76.py.
    ref = {
        86: 6.958e-6,
        90: 3.416e-6,
        100: 5.604e-7,
        110: 9.708e-8,
        120: 2.222e-8,
        150: 2.076e-9,
        200: 2.541e-10,
        300: 1.916e-11,
        400: 2.803e-12,
        500: 5.215e-13,
        600: 1.137e-13,
        800: 1.136e-14,
        1000: 3.561e-15,
    }
    for zk, r in ref.items():
        got = np.exp(np.interp(zk * 1e3, zo, np.log(rho_o)))
        print(f"{zk:5d} km  rho {got:.4e}  table {r:.3e}  rel {got / r - 1:+.2e}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="print accuracy checks")
    ap.add_argument("--out", default=None, help="output path (default sim/data/ussa76.csv)")
    args = ap.parse_args()
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = args.out or os.path.join(root, "sim", "data", "ussa76.csv")
    z, rho, mbar, t, n, zo, rho_o, mbar_o = table()
    os.makedirs(os.path.dirname(out), exist_ok=True)
    factor = rho_below_86km() / ((N86 * M_GAS).sum() / N_A)
    write_csv(out, zo, rho_o, mbar_o, factor)
    print(f"wrote {out} ({zo.size} rows)")
    if args.check:
        check(z, rho, mbar, zo, rho_o, mbar_o)


if __name__ == "__main__":
    main()
