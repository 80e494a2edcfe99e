"""Times pomegranate 0.14.8's semi-supervised BayesClassifier of HiddenMarkovModels (for
bench/hmm-semi.ts): seconds per EM step, on the sequences and labels aril is timed on, from the
same initial model (aril's JSON, which pomegranate reads: linear priors, its HMM JSON).

Run: /usr/bin/python3 bench/pomegranate_hmm_semi.py SPEC.json
SPEC: {"kind": "normal" | "discrete", "sequences": [[...], ...], "labels": [...] (-1: unlabeled),
       "model": BayesClassifier JSON, "iterations": n}
BayesClassifier.fit wraps X in a DataGenerator, which cannot hold sequences, so X is a
BaseGenerator of one batch (scripts/fixtures/hmm_shared.py). The figure is the median epoch
duration of pomegranate's own History over `iterations` EM steps without a stop threshold.
Prints one JSON line: {"seconds": median_epoch_seconds, "logProbability": last epoch's}.
"""
import json
import os
import statistics
import sys

import numpy
from pomegranate import BayesClassifier

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', 'scripts', 'fixtures'))
from hmm_shared import SequenceBatches  # noqa: E402

spec = json.load(open(sys.argv[1]))
X = numpy.empty(len(spec['sequences']), dtype=object)
for i, s in enumerate(spec['sequences']):
    # numeric sequences as columns (the mixture's summarize reads each one with ndmin=2)
    X[i] = numpy.asarray(s, dtype='float64').reshape(-1, 1) if spec['kind'] == 'normal' else numpy.asarray(s)
model = BayesClassifier.from_json(json.dumps(spec['model']))
_, history = model.fit(SequenceBatches(X, spec['labels']), max_iterations=spec['iterations'], stop_threshold=float('-inf'), return_history=True)
print(json.dumps({'seconds': statistics.median(history.epoch_durations), 'logProbability': history.log_probabilities[-1]}))
