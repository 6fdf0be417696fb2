"""numpy/scipy reference for bench/process.bench.ts: the same processing steps as spincell's pipeline.

For every experiment of a Bruker series (numbered folders, acqus + fid), in order, one FID in memory at a
time: read (TD, BYTORDA, DTYPA, GRPDLY, SW_h, SFO1, BF1), DC offset (mean of the last quarter),
exponential window, FFT in Bruker order (conjugate, FFT, fftshift), group delay as a linear phase,
automatic zeroth-order phase (entropy + negative-intensity penalty: PH0 grid on a ≤256-point block-averaged
copy, parabolic refinement of two seeds on a ≤1024-point copy, parabolic polish on the full spectrum), arPLS baseline
on 8-point block means (Whittaker, banded solver scipy.linalg.solveh_banded), trapezoid integrals of two ppm regions.

With BASELINE = poly3 the arPLS step is replaced by a cubic polynomial fitted (least squares) to the outer
15 % of the spectral window at each end, spincell's default signal-free regions for `--baseline poly:3`.
poly3-2d is the same computation vectorised over the series: every FID is read into one 2-D array, DC offset,
window, FFT and group delay act on the whole array, the phase search stays per spectrum, and one lstsq with a
right-hand side per spectrum fits every baseline at once.

Usage: python3 process_numpy.py SERIES_DIR [arpls|poly3|poly3-2d]  → one JSON line: seconds, spectra,
maxRssKiB, integrals.
"""
import json
import os
import re
import resource
import sys
import time

import numpy as np
from scipy.linalg import solveh_banded

METAL = (220.0, 300.0)
DIA = (-20.0, 20.0)
LB_HZ = 20.0
GAMMA = 1e6
PARAM = re.compile(r"^##\$(\w+)=\s*(.*)$", re.M)


def read_params(path):
    with open(path, encoding="latin-1") as f:
        return {m.group(1): m.group(2).strip() for m in PARAM.finditer(f.read())}


def read_fid(folder):
    p = read_params(os.path.join(folder, "acqus"))
    td = int(p["TD"])
    order = "<" if p.get("BYTORDA", "0") == "0" else ">"
    dtype = order + ("i4" if p.get("DTYPA", "0") == "0" else "f8")
    raw = np.fromfile(os.path.join(folder, "fid"), dtype=dtype, count=td).astype(np.float64)
    return raw[0::2] + 1j * raw[1::2], p


def prepare(spec, block, pivot, n):
    m = len(spec) // block
    s = spec[: m * block].reshape(m, block).mean(axis=1)
    s = s / np.abs(s).max()
    return s, ((block - 1) / 2 - pivot) / n, block / n


def objective(prep, ph0_deg):
    s = prep[0]
    r = (s * np.exp(1j * np.deg2rad(ph0_deg))).real
    d = np.abs(np.diff(r))
    d = d[d > 0]
    total = d.sum()
    entropy = np.log(total) - (d * np.log(d)).sum() / total if total > 0 else 0.0
    neg = r[r < 0]
    return entropy + GAMMA * (neg * neg).sum() / len(r)


def wrap(deg):
    d = deg % 360.0
    if d <= -180:
        d += 360
    if d > 180:
        d -= 360
    return d


def refine(prep, x0, h_start, h_end):
    # Successive parabolic interpolation with a shrinking bracket (as spincell's autophase).
    x, fx = x0, objective(prep, x0)
    h = h_start
    while h >= h_end:
        fm, fp = objective(prep, x - h), objective(prep, x + h)
        bf, bx = fx, x
        if fm < bf:
            bf, bx = fm, x - h
        if fp < bf:
            bf, bx = fp, x + h
        curv = fm - 2 * fx + fp
        if curv > 0:
            nx = x + max(-2.0, min(2.0, 0.5 * (fm - fp) / curv)) * h
            fn = objective(prep, nx)
            if fn < bf:
                bf, bx = fn, nx
        x, fx = bx, bf
        h /= 4
    return x, fx


def autophase(spec):
    n = len(spec)
    pivot = int(np.argmax(np.abs(spec)))
    block = max(1, n // 1024)
    scan = prepare(spec, max(block, n // 256), pivot, n)
    coarse = prepare(spec, block, pivot, n)
    fine = prepare(spec, 1, pivot, n)
    step = 10.0
    grid = np.arange(-180 + step, 180 + 1e-9, step)
    values = np.array([objective(scan, g) for g in grid])
    order = np.argsort(values, kind="stable")
    seeds = [grid[order[0]]]
    for k in order[1:]:
        if abs(wrap(grid[k] - grid[order[0]])) >= 3 * step:
            seeds.append(grid[k])
            break
    best = None
    for s0 in seeds:
        x, fx = refine(coarse, s0, step / 2, 0.3)
        if best is None or fx < best[1]:
            best = (x, fx)
    x, _ = refine(fine, best[0], 0.25, 0.25)
    return wrap(x)


def arpls(y, lam, tol=1e-3, max_iter=50):
    n = len(y)
    ab = np.zeros((3, n))  # upper form for solveh_banded: ab[2] diagonal, ab[1] first, ab[0] second super
    diag = np.full(n, 6.0)
    diag[[0, -1]] = 1.0
    diag[[1, -2]] = 5.0
    first = np.full(n, -4.0)
    first[1] = first[-1] = -2.0
    ab[0, 2:] = lam
    ab[1, 1:] = lam * first[1:]
    w = np.ones(n)

    def solve(w):
        ab[2] = lam * diag + w
        return solveh_banded(ab, w * y)

    z = solve(w)
    it = 1
    while it < max_iter:
        d = y - z
        dn = d[d < 0]
        if len(dn) < 2:
            break
        m, s = dn.mean(), dn.std(ddof=1)
        if not s > 0:
            break
        with np.errstate(over="ignore"):
            wt = 1.0 / (1.0 + np.exp(2 * (d - (2 * s - m)) / s))
        ratio = np.linalg.norm(w - wt) / np.linalg.norm(w)
        w = wt
        z = solve(w)
        it += 1
        if ratio < tol:
            break
    return z


def arpls_blocked(y, lam, block):
    # arPLS on means of `block` consecutive points (λ / block⁴), linear interpolation back; past the
    # first/last block centre, linear extrapolation from the two nearest centres.
    n = len(y)
    m = -(-n // block)
    starts = np.arange(m) * block
    ends = np.minimum(n, starts + block)
    sums = np.add.reduceat(y, starts)
    means = sums / (ends - starts)
    centres = (starts + ends - 1) / 2
    z = arpls(means, lam / block ** 4)
    i = np.arange(n)
    j = np.clip(np.searchsorted(centres, i, side="left") - 1, 0, m - 2)
    t = (i - centres[j]) / (centres[j + 1] - centres[j])
    return z[j] + t * (z[j + 1] - z[j])


def integrate(ppm, y, lo, hi):
    # ppm descending; trapezoid with linearly interpolated ends.
    x, v = ppm[::-1], y[::-1]
    inside = (x > lo) & (x < hi)
    gx = np.concatenate(([lo], x[inside], [hi]))
    gy = np.interp(gx, x, v)
    return float(np.trapezoid(gy, gx))


def axis(p, si):
    sw, sfo1, bf1 = float(p["SW_h"]), float(p["SFO1"]), float(p["BF1"])
    k = np.arange(si)
    return ((sfo1 - bf1) * 1e6 + sw / 2 - k * sw / si) / bf1


def spectra_from(fids, p):
    """DC offset, window, FFT in Bruker order and group delay, along the last axis (one FID or a stack)."""
    n = fids.shape[-1]
    sw = float(p["SW_h"])
    gd = float(p.get("GRPDLY", "0"))
    tail = fids[..., int(np.floor(n * 0.75)):]
    fids = fids - tail.mean(axis=-1, keepdims=True)
    fids = fids * np.exp(-np.pi * LB_HZ * np.arange(n) / sw)
    si = 1 << (n - 1).bit_length()
    spec = np.fft.fftshift(np.fft.fft(np.conj(fids), n=si, axis=-1), axes=-1)
    return spec * np.exp(2j * np.pi * gd * np.arange(si) / si)


def poly3_design(p, ppm):
    sw, sfo1, bf1 = float(p["SW_h"]), float(p["SFO1"]), float(p["BF1"])
    centre, half = (sfo1 - bf1) * 1e6 / bf1, sw / 2 / bf1
    lo, hi = centre - half, centre + half
    w = 0.15 * (hi - lo)
    inside = ((ppm >= lo) & (ppm <= lo + w)) | ((ppm >= hi - w) & (ppm <= hi))
    a, b = min(ppm[0], ppm[-1]), max(ppm[0], ppm[-1])
    x = (ppm - (a + b) / 2) / ((b - a) / 2)
    full = np.vander(x, 4, increasing=True)
    return inside, full


def process(folder, baseline):
    fid, p = read_fid(folder)
    spec = spectra_from(fid, p)
    ppm = axis(p, len(spec))
    ph0 = autophase(spec)
    real = (spec * np.exp(1j * np.deg2rad(ph0))).real
    si = len(real)
    if baseline == "poly3":
        inside, full = poly3_design(p, ppm)
        coef = np.linalg.lstsq(full[inside], real[inside], rcond=None)[0]
        real = real - full @ coef
    else:
        real = real - arpls_blocked(real, 1e6 * (si / 1024) ** 4, max(1, si // 1024))
    return integrate(ppm, real, *METAL), integrate(ppm, real, *DIA), ph0


def process_2d(folders):
    p = read_params(os.path.join(folders[0], "acqus"))
    fids = np.stack([read_fid(f)[0] for f in folders])
    spec = spectra_from(fids, p)
    ppm = axis(p, spec.shape[1])
    ph0 = [autophase(row) for row in spec]
    real = (spec * np.exp(1j * np.deg2rad(np.array(ph0)))[:, None]).real
    inside, full = poly3_design(p, ppm)
    coef = np.linalg.lstsq(full[inside], real[:, inside].T, rcond=None)[0]
    real = real - (full @ coef).T
    metal = [integrate(ppm, r, *METAL) for r in real]
    dia = [integrate(ppm, r, *DIA) for r in real]
    return metal, dia, ph0


def main():
    root = sys.argv[1]
    baseline = sys.argv[2] if len(sys.argv) > 2 else "arpls"
    t0 = time.perf_counter()
    folders = [f for _, f in sorted((int(d), os.path.join(root, d)) for d in os.listdir(root) if d.isdigit())]
    metal, dia, ph0 = [], [], []
    if baseline == "poly3-2d":
        metal, dia, ph0 = process_2d(folders)
    else:
        for folder in folders:
            a, b, p = process(folder, baseline)
            metal.append(a)
            dia.append(b)
            ph0.append(p)
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"seconds": seconds, "spectra": len(metal), "maxRssKiB": rss, "metal": metal, "dia": dia, "ph0": ph0,
                      "numpy": np.__version__}))

if __name__ == "__main__":
    main()
