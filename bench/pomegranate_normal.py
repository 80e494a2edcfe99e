"""Times pomegranate 0.14.8's NormalDistribution().fit on a memory-mapped .npy file (for bench/npy.ts).

Run: /usr/bin/python3 bench/pomegranate_normal.py data/bench/normal-100000000.npy
Each of three runs maps the file afresh (numpy.load(file, mmap_mode='r')) and fits, as aril's
readNpy opens the file afresh; the file is in the page cache. Prints one JSON line:
{"seconds": best of three, "parameters": [mean, std]}.
"""
import json
import sys
import time

import numpy
from pomegranate import NormalDistribution

best = float('inf')
for _ in range(3):
    started = time.perf_counter()
    X = numpy.load(sys.argv[1], mmap_mode='r')
    d = NormalDistribution(0, 1)
    d.fit(X)
    best = min(best, time.perf_counter() - started)
    del X
print(json.dumps({'seconds': best, 'parameters': [float(p) for p in d.parameters]}))
