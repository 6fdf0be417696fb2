"""Reference implementation (numpy/scipy) of spincell's anion drift inversion (Thienenkamp et al. 2024, eq 1-8).

Same route as src/transport/drift.ts, written independently with numpy's gradient (edge_order=2),
scipy's cumulative_trapezoid and numpy's interp on ln D:
  J(x,t) = J0(t) - int_{x0}^{x} dC/dt dx',  v = (J + D dC/dx)/C,
  J0 = (V - int (K + D dC/dx)/(mu C) dx) / int 1/(mu C) dx,  mu = D F/(R T).

usage: python3 transport_drift_reference.py concentration.csv voltage.csv d-table.csv T_K repeats [out.json]
Prints the time per inversion (file reading excluded) and the maximum |v|; writes v when out.json is given.
With `--serve` before the arguments, the files are read once and every request line (bench/ref/session.py)
is answered with the mean time of `repeats` inversions (the request may set "repeats").
"""
import json
import os
import sys
import time

import numpy as np
from scipy.integrate import cumulative_trapezoid, trapezoid

F = 1.602176634e-19 * 6.02214076e23
R = 1.380649e-23 * 6.02214076e23


def load(profiles_csv, voltage_csv, d_csv):
    p = np.loadtxt(profiles_csv, delimiter=",", comments="#", skiprows=1)
    times = np.unique(p[:, 0])
    xs = np.unique(p[:, 1])
    order = np.lexsort((p[:, 1], p[:, 0]))
    c = p[order, 2].reshape(len(times), len(xs))
    v = np.loadtxt(voltage_csv, delimiter=",", comments="#", skiprows=1)
    d = np.loadtxt(d_csv, delimiter=",", comments="#", skiprows=1)
    d = d[np.argsort(d[:, 0])]
    return times, xs, c, v, d


def drift(times, xs_um, c, volt, dtab, temperature):
    x = xs_um * 1e-6
    voltage = np.interp(times, volt[:, 0], volt[:, 1])
    D = np.exp(np.interp(c, dtab[:, 0], np.log(dtab[:, 1])))
    mu = D * F / (R * temperature)
    dcdt = np.gradient(c, times, axis=0, edge_order=2)
    dcdx = np.gradient(c, x, axis=1, edge_order=2)
    K = -cumulative_trapezoid(dcdt, x, axis=1, initial=0)
    A = trapezoid(1.0 / (mu * c), x, axis=1)
    B = trapezoid((K + D * dcdx) / (mu * c), x, axis=1)
    j0 = (voltage - B) / A
    return ((j0[:, None] + K) + D * dcdx) / c * 3.6e9


def main():
    if sys.argv[1] == "--serve":
        sys.argv.pop(1)
        sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
        from session import serve

        profiles_csv, voltage_csv, d_csv, temperature = sys.argv[1:5]
        times, xs, c, volt, dtab = load(profiles_csv, voltage_csv, d_csv)
        temperature = float(temperature)
        written = False

        def one(request):
            nonlocal written
            repeats = int(request.get("repeats", sys.argv[5]))
            t0 = time.perf_counter()
            for _ in range(repeats):
                v = drift(times, xs, c, volt, dtab, temperature)
            seconds = (time.perf_counter() - t0) / repeats
            if len(sys.argv) > 6 and not written:
                with open(sys.argv[6], "w") as f:
                    json.dump({"time_s": times.tolist(), "x_um": xs.tolist(), "velocity_um_h": v.tolist()}, f)
                written = True
            return {"seconds": seconds, "max_abs_velocity_um_h": float(np.max(np.abs(v)))}

        serve(one)
        return
    profiles_csv, voltage_csv, d_csv, temperature, repeats = sys.argv[1:6]
    times, xs, c, volt, dtab = load(profiles_csv, voltage_csv, d_csv)
    repeats = int(repeats)
    v = drift(times, xs, c, volt, dtab, float(temperature))
    t0 = time.perf_counter()
    for _ in range(repeats):
        v = drift(times, xs, c, volt, dtab, float(temperature))
    elapsed = (time.perf_counter() - t0) / repeats
    print(json.dumps({"seconds_per_run": elapsed, "max_abs_velocity_um_h": float(np.max(np.abs(v))), "shape": list(v.shape)}))
    if len(sys.argv) > 6:
        with open(sys.argv[6], "w") as f:
            json.dump({"time_s": times.tolist(), "x_um": xs.tolist(), "velocity_um_h": v.tolist()}, f)


if __name__ == "__main__":
    main()
