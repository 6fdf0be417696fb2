/**
 * Physical constants, SI units (CODATA 2018; the first five are exact by the 2019 SI definition).
 */

/** Elementary charge, C. */
export const ELEMENTARY_CHARGE_C = 1.602176634e-19;
/** Avogadro constant, mol⁻¹. */
export const AVOGADRO_PER_MOL = 6.02214076e23;
/** Boltzmann constant, J K⁻¹. */
export const BOLTZMANN_J_PER_K = 1.380649e-23;
/** Planck constant, J s. */
export const PLANCK_J_S = 6.62607015e-34;
/** Speed of light in vacuum, m s⁻¹. */
export const SPEED_OF_LIGHT_M_PER_S = 299792458;
/** Faraday constant F = e·N_A, C mol⁻¹. */
export const FARADAY_C_PER_MOL = ELEMENTARY_CHARGE_C * AVOGADRO_PER_MOL;
/** Molar gas constant R = k_B·N_A, J mol⁻¹ K⁻¹. */
export const GAS_CONSTANT_J_PER_MOL_K = BOLTZMANN_J_PER_K * AVOGADRO_PER_MOL;
/** Vacuum magnetic permeability μ0, N A⁻² (CODATA 2018). */
export const VACUUM_PERMEABILITY_N_PER_A2 = 1.25663706212e-6;
/** Proton gyromagnetic ratio γ_p, rad s⁻¹ T⁻¹ (CODATA 2018, bare proton). */
export const PROTON_GYROMAGNETIC_RAD_PER_S_T = 2.6752218744e8;

/** Seconds in common time units. */
export const SECONDS_PER_MINUTE = 60;
export const SECONDS_PER_HOUR = 3600;
/** Coulombs per mAh. */
export const COULOMB_PER_MAH = 3.6;
