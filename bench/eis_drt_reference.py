"""Reference DRT solver for spincell's benchmark and test fixtures (numpy/scipy only).

It follows the steps of pyDRTtools' `simple_run` (Wan et al., Electrochim. Acta 184 (2015) 483), which
cannot be installed here (not on PyPI): Gaussian RBFs on ln(tau) with the 'FWHM coefficient' shape
rule, discretisation matrices by adaptive quadrature (scipy.integrate.quad, as pyDRTtools does), the
closed-form first-derivative penalty, R_inf and an inductance column, combined real+imaginary fit.
The non-negative Tikhonov problem is solved as NNLS on the augmented system
    [A_re; A_im; sqrt(lambda) * chol(M)] x = [Z'; Z''; 0]
with scipy.optimize.nnls (pyDRTtools uses cvxopt's QP on the same objective).

Usage:
  python3 bench/eis_drt_reference.py bench  < request.json   -> timings (JSON on stdout)
  python3 bench/eis_drt_reference.py solve  < request.json   -> one solution (JSON on stdout)
  python3 bench/eis_drt_reference.py serve  (line protocol of bench/ref/session.py): the first request is
    a request as above and builds the matrices (answer: matrix_s); then {"mode": "one", "repeats": n}
    answers the mean time of n solves of the first spectrum, {"mode": "series"} the time of solving every
    spectrum, each with seconds and the first spectrum's solution x0.
request: {"freq": [...], "zre": [[...], ...], "zim": [[...], ...], "tau": [...], "coeff": 0.5, "lambda": 1e-3, "repeats": 3}
"""
import json
import os
import sys
import time

import numpy as np
from scipy import integrate
from scipy.optimize import nnls


def epsilon_for(tau, coeff):
    delta = np.mean(np.diff(np.log(tau)))
    return coeff * 2.0 * np.sqrt(np.log(2.0)) / delta


def matrices_quad(freq, tau, eps):
    """A_re, A_im by quad on the shifted RBF, one integral per element (pyDRTtools' g_i/g_ii)."""
    nf, nt = len(freq), len(tau)
    a_re = np.zeros((nf, nt))
    a_im = np.zeros((nf, nt))
    rbf = lambda x: np.exp(-(eps * x) ** 2)
    for i in range(nf):
        for m in range(nt):
            alpha = 2 * np.pi * freq[i] * tau[m]
            a_re[i, m] = integrate.quad(lambda x: rbf(x) / (1.0 + alpha ** 2 * np.exp(2.0 * x)), -50, 50, epsabs=1e-9, epsrel=1e-9)[0]
            a_im[i, m] = -integrate.quad(lambda x: alpha / (np.exp(-x) + alpha ** 2 * np.exp(x)) * rbf(x), -50, 50, epsabs=1e-9, epsrel=1e-9)[0]
    return a_re, a_im


def penalty_m1(tau, eps):
    x = np.log(tau)
    a = eps * (x[:, None] - x[None, :])
    return eps * (1 - a ** 2) * np.exp(-a ** 2 / 2) * np.sqrt(np.pi / 2)


def augmented(freq, a_re, a_im, m1, lam):
    nf, nt = a_re.shape
    w = 2 * np.pi * np.asarray(freq)
    # columns: R_inf, omega_max * L (scaled like spincell), basis coefficients
    big_re = np.hstack([np.ones((nf, 1)), np.zeros((nf, 1)), a_re])
    big_im = np.hstack([np.zeros((nf, 1)), (w / w.max())[:, None], a_im])
    # chol of the penalty (PSD up to round-off): tiny jitter for the factorisation
    lchol = np.linalg.cholesky(m1 + 1e-10 * np.trace(m1) / nt * np.eye(nt))
    reg = np.hstack([np.zeros((nt, 2)), np.sqrt(lam) * lchol.T])
    return np.vstack([big_re, big_im, reg])


def solve(aug, zre, zim):
    nt = aug.shape[1]
    rhs = np.concatenate([zre, zim, np.zeros(aug.shape[0] - 2 * len(zre))])
    x, _ = nnls(aug, rhs, maxiter=50 * nt)
    return x


def serve_mode():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
    from session import serve

    state = {}

    def handle(req):
        if "freq" in req:
            freq = np.asarray(req["freq"], float)
            tau = np.asarray(req["tau"], float)
            eps = epsilon_for(tau, req.get("coeff", 0.5))
            t0 = time.perf_counter()
            a_re, a_im = matrices_quad(freq, tau, eps)
            matrix_s = time.perf_counter() - t0
            state["aug"] = augmented(freq, a_re, a_im, penalty_m1(tau, eps), req.get("lambda", 1e-3))
            state["zre"] = np.asarray(req["zre"], float)
            state["zim"] = np.asarray(req["zim"], float)
            return {"matrix_s": matrix_s, "scipy": __import__("scipy").__version__, "numpy": np.__version__}
        aug, zre, zim = state["aug"], state["zre"], state["zim"]
        if req["mode"] == "one":
            repeats = int(req.get("repeats", 50))
            t0 = time.perf_counter()
            for _ in range(repeats):
                x = solve(aug, zre[0], zim[0])
            return {"seconds": (time.perf_counter() - t0) / repeats, "x0": x.tolist()}
        t0 = time.perf_counter()
        xs = [solve(aug, zre[k], zim[k]) for k in range(len(zre))]
        return {"seconds": time.perf_counter() - t0, "x0": xs[0].tolist(), "n_series": len(xs)}

    serve(handle)


def main():
    mode = sys.argv[1]
    if mode == "serve":
        serve_mode()
        return
    req = json.load(sys.stdin)
    freq = np.asarray(req["freq"], float)
    tau = np.asarray(req["tau"], float)
    eps = epsilon_for(tau, req.get("coeff", 0.5))
    lam = req.get("lambda", 1e-3)
    zre = np.asarray(req["zre"], float)
    zim = np.asarray(req["zim"], float)
    if mode == "solve":
        a_re, a_im = matrices_quad(freq, tau, eps)
        aug = augmented(freq, a_re, a_im, penalty_m1(tau, eps), lam)
        x = solve(aug, zre[0], zim[0])
        json.dump({"eps": eps, "x": x.tolist(), "a_re": a_re.tolist(), "a_im": a_im.tolist()}, sys.stdout)
        return
    repeats = req.get("repeats", 3)
    t0 = time.perf_counter()
    a_re, a_im = matrices_quad(freq, tau, eps)
    t_matrix = time.perf_counter() - t0
    aug = augmented(freq, a_re, a_im, penalty_m1(tau, eps), lam)
    # single spectrum: best of `repeats` solves
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        solve(aug, zre[0], zim[0])
        best = min(best, time.perf_counter() - t0)
    # series: every spectrum solved on the shared matrices (matrices built once, as spincell does)
    t0 = time.perf_counter()
    xs = [solve(aug, zre[k], zim[k]) for k in range(len(zre))]
    t_series = time.perf_counter() - t0
    json.dump({
        "matrix_s": t_matrix,
        "solve_s": best,
        "series_solve_s": t_series,
        "n_series": len(zre),
        "x0": xs[0].tolist(),
        "scipy": __import__("scipy").__version__,
        "numpy": np.__version__,
    }, sys.stdout)


if __name__ == "__main__":
    main()
