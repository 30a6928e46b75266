"""Compiled (numba) kernels of spikencg.

Kernels take only NumPy arrays, integers and floats (the training epoch: named tuples of
them), and know nothing of scikit-learn. The training epoch (``_train``) calls the
learning rules of ``rules`` and the competition modes of ``competition``, one function
per file, and the update forms and weight constraints of ``_stdp``.
"""
