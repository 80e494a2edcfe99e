"""Times pomegranate 0.14.8's HiddenMarkovModel (for bench/hmm.ts): Baum-Welch seconds per
iteration and Viterbi decoding, on the sequences aril is timed on, from the same initial model.

Run: /usr/bin/python3 bench/pomegranate_hmm.py SPEC.json
SPEC: {"observations": path.npy (rows = steps; 1 or d columns), "lengths": path.npy,
       "kind": "normal" | "discrete" | "mvg", "starts": [...], "transitions": [[...]],
       "distributions": [[mean, std]] | [{symbol: p}] | [[mean_vector, covariance]],
       "iterations": n, "jobs": [1, 2]}
Discrete observations are integer codes, given to pomegranate as one-letter symbols.
For each n_jobs and each of check_input once or per batch (multiple_check_input), the model is
built afresh with from_matrix and fitted for `iterations` Baum-Welch iterations without a stop
threshold; the figure is the median epoch duration of pomegranate's own History. Viterbi: the
best of 3 times of model.viterbi over every sequence (one thread). Prints one JSON line:
{"byConfig": {"jobs=1,check=True": seconds_per_iteration, ...}, "viterbi": seconds,
 "logProbability": [...] (of each configuration's last epoch)}.
"""
import json
import statistics
import sys
import time

import numpy
from pomegranate import (DiscreteDistribution, HiddenMarkovModel,
                         MultivariateGaussianDistribution, NormalDistribution)

spec = json.load(open(sys.argv[1]))
X = numpy.load(spec['observations'])
lengths = numpy.load(spec['lengths']).astype(numpy.int64)
offsets = numpy.concatenate([[0], numpy.cumsum(lengths)])
kind = spec['kind']
SYMBOLS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'
if kind == 'discrete':
    codes = numpy.array(list(SYMBOLS))[X.reshape(-1).astype(numpy.int64)]
    sequences = [codes[offsets[i]:offsets[i + 1]] for i in range(len(lengths))]
elif kind == 'normal':
    flat = X.reshape(-1)
    sequences = [flat[offsets[i]:offsets[i + 1]] for i in range(len(lengths))]
else:
    sequences = [X[offsets[i]:offsets[i + 1]] for i in range(len(lengths))]


def build():
    if kind == 'normal':
        dists = [NormalDistribution(m, s) for m, s in spec['distributions']]
    elif kind == 'discrete':
        dists = [DiscreteDistribution({SYMBOLS[int(k)]: p for k, p in table.items()}) for table in spec['distributions']]
    else:
        dists = [MultivariateGaussianDistribution(numpy.array(m), numpy.array(c)) for m, c in spec['distributions']]
    k = len(dists)
    ends = numpy.zeros(k)
    return HiddenMarkovModel.from_matrix(numpy.array(spec['transitions']), dists, numpy.array(spec['starts']), ends)


by_config = {}
log_probabilities = {}
for jobs in spec.get('jobs', [1]):
    for check in (True, False):
        model = build()
        _, history = model.fit(sequences, algorithm='baum-welch', max_iterations=spec['iterations'],
                               stop_threshold=-1e300, n_jobs=jobs, multiple_check_input=check,
                               return_history=True)
        name = 'jobs=%d,check=%s' % (jobs, check)
        by_config[name] = statistics.median(history.epoch_durations)
        log_probabilities[name] = history.log_probabilities[-1]

model = build()
viterbi = float('inf')
for _ in range(3):
    started = time.perf_counter()
    for s in sequences:
        model.viterbi(s)
    viterbi = min(viterbi, time.perf_counter() - started)
print(json.dumps({'byConfig': by_config, 'viterbi': viterbi, 'logProbability': log_probabilities}))
