"""The book's tools: what the chapters use to show and practise, not part of a network.

* ``plots``: decision boundaries, learning curves, digit grids, weight images, diagrams
* ``explore``: the interactive panel of precomputed results in every chapter
* ``checks``: self-checks for the exercises where the learner writes code
* ``probe``: per-layer activations and gradients, for the initialization chapter
* ``xor_by_hand``: the XOR chapter's nine hand-derived derivatives, one scalar at a time
* ``surfaces``: 2-D loss surfaces (bowl, Rosenbrock) and optimizer paths on them
"""
