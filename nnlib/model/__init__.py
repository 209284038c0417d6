"""The model: what a network is and how it learns, as the book writes it.

One module per idea, in the order the chapters meet them:

* ``activations``: sigmoid, tanh, ReLU, leaky ReLU, identity, softmax and their derivatives
* ``losses``: mean squared error, binary and softmax cross-entropy, each with its gradient
* ``layers``: forward/backward pairs with a cache (dense, activation, dropout)
* ``network``: the MLP: the layer loop forward and backward, the loss, the penalties
* ``gradcheck``: finite-difference gradient checks
* ``init``: zeros, small random, Xavier/Glorot, He
* ``optimizers``: SGD, momentum, Adagrad, RMSprop, Adam, learning-rate schedules
* ``train``: minibatch training with a history
* ``early_stopping``: keep the epoch with the best validation loss
* ``metrics``: class labels, accuracy, the confusion matrix, precision, recall, F1
"""
