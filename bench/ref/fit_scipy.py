"""Reference for bench/fit.bench.ts: the constrained three-Voigt morphology fit with scipy.

Reads the spectra, bounds and start values spincell used (binary file written by the bench), fits every
spectrum with scipy.optimize.least_squares(method='trf') with an analytic Jacobian (Voigt via
scipy.special.wofz, derivatives from w'(z) = -2 z w(z) + 2i/sqrt(pi)), x_scale='jac' and the same
tolerances, and prints a JSON document with the fitted parameters and the fitting time (I/O excluded; best of
`repeat` passes).

Usage: python3 bench/ref/fit_scipy.py REQUEST.json
       python3 bench/ref/fit_scipy.py --serve REQUEST.json   (line protocol of bench/ref/session.py:
       every request line is answered with one timed pass over all spectra)
"""
import json
import os
import sys
import time

import numpy as np
from scipy.optimize import least_squares
from scipy.special import wofz

SQRT_PI = np.sqrt(np.pi)
C = 2 * np.sqrt(np.log(2))  # fwhmG = C * s, s = sigma * sqrt(2)


def model_and_jac(p, x, want_jac):
    m = x.size
    y = np.zeros(m)
    jac = np.zeros((m, p.size)) if want_jac else None
    for k in range(p.size // 4):
        x0, a, fg, fl = p[4 * k: 4 * k + 4]
        s = fg / C
        n = 1 / (s * SQRT_PI)
        z = (x - x0 + 0.5j * fl) / s
        w = wofz(z)
        y += a * n * w.real
        if want_jac:
            dw = -2 * z * w + 2j / SQRT_PI
            jac[:, 4 * k] = -a * n * dw.real / s
            jac[:, 4 * k + 1] = n * w.real
            jac[:, 4 * k + 2] = -a * n / s * (w.real + (z * dw).real) / C
            jac[:, 4 * k + 3] = a * n * (-dw.imag) / (2 * s)
    return y, jac


def main():
    serving = sys.argv[1] == "--serve"
    if serving:
        sys.argv.pop(1)
    req = json.load(open(sys.argv[1]))
    x_all = np.fromfile(req['axisFile'], dtype='<f8')
    ys = np.fromfile(req['spectraFile'], dtype='<f8').reshape(req['count'], x_all.size)
    lo_w, hi_w = req['windowPpm']
    sel = (x_all >= lo_w) & (x_all <= hi_w)
    x = x_all[sel]
    lower = np.array(req['lower'], dtype=float)
    upper = np.array(req['upper'], dtype=float)
    starts = np.fromfile(req['startFile'], dtype='<f8').reshape(req['count'], lower.size)
    tol = req['tolerance']
    out = np.zeros_like(starts)
    nfev = np.zeros(req['count'], dtype=int)

    def one_pass():
        t0 = time.perf_counter()
        for i in range(req['count']):
            y = ys[i, sel]
            res = least_squares(lambda p: model_and_jac(p, x, False)[0] - y, starts[i],
                                jac=lambda p: model_and_jac(p, x, True)[1], bounds=(lower, upper), method='trf',
                                x_scale='jac', ftol=tol, xtol=tol, gtol=tol)
            out[i] = res.x
            nfev[i] = res.nfev
        return time.perf_counter() - t0

    if serving:
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        from session import serve

        serve(lambda _r: dict(seconds=one_pass(), parameters=out.tolist(), meanEvaluations=float(nfev.mean())))
        return
    # The machine may be shared: best of `repeat` passes, as for spincell.
    elapsed = np.inf
    for _ in range(req.get('repeat', 1)):
        elapsed = min(elapsed, one_pass())
    json.dump(dict(seconds=elapsed, parameters=out.tolist(), meanEvaluations=float(nfev.mean())), sys.stdout)


if __name__ == '__main__':
    main()
