"""Times pomegranate 0.14.8's NormalDistribution fit on a memory-mapped .npy file (for bench/npy.ts).

Run: /usr/bin/python3 bench/pomegranate_normal.py data/bench/normal-100000000.npy [BATCH_SIZES]
For each batch size ('None': NormalDistribution(0, 1).fit(X) on the whole mapped array, else
summarize(X[i:i+b]) over slices of b rows then from_summaries()), the best of three runs, each
mapping the file afresh (numpy.load(file, mmap_mode='r')), as aril's readNpy opens the file afresh;
the file is in the page cache. Prints one JSON line:
{"byConfig": {batch_size: seconds}, "parameters": [mean, std] (of the last fit)}.
"""
import json
import sys
import time

import numpy
from pomegranate import NormalDistribution

batch_sizes = sys.argv[2].split(',') if len(sys.argv) > 2 else ['None']
by_config = {}
d = None
for name in batch_sizes:
    best = float('inf')
    for _ in range(3):
        started = time.perf_counter()
        X = numpy.load(sys.argv[1], mmap_mode='r')
        d = NormalDistribution(0, 1)
        if name == 'None':
            d.fit(X)
        else:
            step = int(name)
            for i in range(0, len(X), step):
                d.summarize(X[i:i + step])
            d.from_summaries()
        best = min(best, time.perf_counter() - started)
        del X
    by_config[name] = best
print(json.dumps({'byConfig': by_config, 'parameters': [float(p) for p in d.parameters]}))
