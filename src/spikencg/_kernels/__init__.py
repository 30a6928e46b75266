"""Compiled (numba) kernels of spikencg.

Kernels take only NumPy arrays, integers and floats, and know nothing of scikit-learn.
"""
