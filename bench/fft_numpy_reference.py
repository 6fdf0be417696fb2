"""numpy side of bench/fft.bench.ts: forward complex FFTs of a (spectra, size) array, kept alive between
rounds (bench/ref/session.py). The first request {"spectra": S, "size": N, "seed": k} builds the data
(the same formula as the spincell side); then {"mode": "2d"} times numpy.fft.fft over axis 1 of the whole
array (vectorised) and {"mode": "loop"} one numpy.fft.fft per row, each answering seconds and a checksum
(sum of |X| of the first row).
"""
import os
import sys
import time

import numpy as np


def main():
    sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "ref"))
    from session import serve

    state = {}

    def handle(req):
        if "spectra" in req:
            s, n = req["spectra"], req["size"]
            t = np.arange(n)
            k = np.arange(s)[:, None]
            state["z"] = np.exp(-t / (n / 4)) * (np.cos(0.3 * t + k) + 1j * np.sin(0.3 * t + k)) + 1e-3 * ((t * 7 + k) % 11)
            return {"numpy": np.__version__}
        z = state["z"]
        t0 = time.perf_counter()
        if req["mode"] == "2d":
            x = np.fft.fft(z, axis=1)
        else:
            x = np.empty_like(z)
            for i in range(z.shape[0]):
                x[i] = np.fft.fft(z[i])
        seconds = time.perf_counter() - t0
        return {"seconds": seconds, "check": float(np.abs(x[0]).sum())}

    serve(handle)


if __name__ == "__main__":
    main()
