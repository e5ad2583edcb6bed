"""Physical constants [SI]. Sources are given beside each value."""

# WGS-84 (NIMA TR8350.2, 3rd ed., 2000, tables 3.1 and 3.2)
WGS84_A = 6378137.0  #: semi-major axis [m]
WGS84_F = 1.0 / 298.257223563  #: flattening [-]
WGS84_B = WGS84_A * (1.0 - WGS84_F)  #: semi-minor axis [m]
WGS84_E2 = WGS84_F * (2.0 - WGS84_F)  #: first eccentricity squared [-]
WGS84_EP2 = WGS84_E2 / (1.0 - WGS84_E2)  #: second eccentricity squared [-]
WGS84_GM = 3.986004418e14  #: gravitational parameter incl. atmosphere [m^3 s^-2]
WGS84_OMEGA = 7.292115e-5  #: Earth rotation rate [rad s^-1]
#: Unnormalised J2 = -sqrt(5) * C20bar, C20bar = -4.84166774985e-4 (EGM96/WGS-84) [-]
WGS84_J2 = 1.08262998905e-3

# U.S. Standard Atmosphere 1976 (NOAA-S/T 76-1562)
G0 = 9.80665  #: standard gravity [m s^-2]
R_AIR = 287.05287  #: specific gas constant of dry air, R*/M0 = 8314.32/28.9644 [J kg^-1 K^-1]
GAMMA_AIR = 1.4  #: ratio of specific heats [-]
RHO0_STD = 1.225  #: sea-level density [kg m^-3]

# Sutton & Graves, NASA TR R-376 (1971): stagnation heating constant for Earth air
SUTTON_GRAVES_K = 1.7415e-4  #: [kg^0.5 m^-1]  (q [W m^-2] = k sqrt(rho/Rn) V^3)
