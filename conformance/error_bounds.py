"""Running error bounds of op chains: a chain's numpy program evaluated on values that carry a bound
of their rounding error.

A chain composes many ops, and cancellation amplifies early roundings: no per-op ULP budget bounds
its result.  Instead the numpy reference (float64) is evaluated on :class:`Bounded` arrays, which
propagate an absolute error bound through each op -- a first-order running error analysis (Higham,
Accuracy and Stability of Numerical Algorithms, 2nd ed., section 3.3) where every op adds its own
rounding, at most its ULP budget (:mod:`conformance.budgets`), and passes on its inputs' errors
scaled by its derivative.  Both torch's result and numpy's lie within the bound of the exact value,
so they may differ by twice the bound, per element -- a ULP budget for each element of the chain.

Uses numpy only (and the ``budgets`` dict it is given): repro scripts carry its source.
"""

from __future__ import annotations

import warnings

import numpy as np


class Bounded(np.lib.mixins.NDArrayOperatorsMixin):
    """An array ``value`` and a bound ``error`` of |value - exact|, elementwise (0 for integers and bools).

    ``budgets`` maps an op (``sin``, ``tanh``, ``exp``, ``sum``, ``mean``) to its budget: ULPs (and ULPs
    per summed term for ``sum``/``mean``) of the result; ``+ - *`` round correctly (0.5 ulp).
    """

    def __init__(self, value, error=None, budgets=None):
        self.value = np.asarray(value)
        self.error = np.zeros(self.value.shape) if error is None else np.broadcast_to(error, self.value.shape)
        self.budgets = budgets or {}

    def _new(self, value, error):
        value = np.asarray(value)
        if value.dtype.kind not in "fc":
            error = np.zeros(value.shape)
        return Bounded(value, error, self.budgets)

    def _rounding(self, value, ulps):
        """A bound of the rounding error of ``ulps`` ulp at each element of ``value`` (0 for integers)."""
        value = np.asarray(value)
        if value.dtype.kind not in "fc":
            return np.zeros(value.shape)
        with np.errstate(all="ignore"):
            return ulps * np.spacing(np.abs(value).astype(value.dtype))

    @staticmethod
    def _parts(x):
        if isinstance(x, Bounded):
            return x.value, x.error
        x = np.asarray(x)
        return x, np.zeros(x.shape)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        if method != "__call__" or kwargs:
            return NotImplemented
        values, errors = zip(*(self._parts(x) for x in inputs))
        with np.errstate(all="ignore"):
            value = ufunc(*values)
            if ufunc in (np.negative, np.absolute):
                error = errors[0]
            elif ufunc in (np.add, np.subtract):
                error = errors[0] + errors[1] + self._rounding(value, 0.5)
            elif ufunc is np.multiply:
                (a, b), (ea, eb) = values, errors
                error = np.abs(a) * eb + np.abs(b) * ea + ea * eb + self._rounding(value, 0.5)
            elif ufunc is np.sin:  # |sin'| <= 1, and no error exceeds the range [-1, 1]
                error = np.minimum(errors[0], 2.0) + self._rounding(value, self.budgets["sin"])
            elif ufunc is np.tanh:  # |tanh'| <= 1, range [-1, 1]
                error = np.minimum(errors[0], 2.0) + self._rounding(value, self.budgets["tanh"])
            elif ufunc is np.exp:  # |exp(x + d) - exp(x)| <= exp(x) (exp(|d|) - 1)
                error = np.abs(value) * np.expm1(2 * errors[0]) + self._rounding(value, self.budgets["exp"])
            else:
                return NotImplemented
        return self._new(value, error)

    def _reduce(self, reduction, axis=None, keepdims=False):
        value = reduction(self.value, axis=axis, keepdims=keepdims)
        if reduction is np.max:  # selecting an element keeps its error
            return self._new(value, np.max(self.error, axis=axis, keepdims=keepdims) if self.error.size else 0.0)
        with np.errstate(all="ignore"):
            count = self.value.size // max(np.asarray(value).size, 1) if self.value.size else 0
            magnitude = np.sum(np.abs(self.value), axis=axis, keepdims=keepdims)
            error = np.sum(self.error, axis=axis, keepdims=keepdims)
            name = "sum" if reduction is np.sum else "mean"
            ulps, per_term = self.budgets[name]
            if name == "mean":
                magnitude, error = magnitude / max(count, 1), error / max(count, 1)
            error = error + self._rounding(magnitude.astype(np.asarray(value).dtype),
                                           ulps + per_term * max(count - 1, 0))
        return self._new(value, error)

    def __array_function__(self, func, types, args, kwargs):
        if func in (np.sum, np.mean, np.max):
            return args[0]._reduce(func, *args[1:], **kwargs)
        if func in (np.swapaxes, np.transpose, np.reshape, np.broadcast_to, np.expand_dims):
            first = args[0]
            return Bounded(func(first.value, *args[1:], **kwargs), func(np.broadcast_to(first.error, first.value.shape),
                                                                         *args[1:], **kwargs), first.budgets)
        return NotImplemented

    def __getitem__(self, index):
        return Bounded(self.value[index], self.error[index], self.budgets)

    def astype(self, dtype, copy=True):
        value = self.value.astype(dtype)
        rounding = self._rounding(value, 0.5) if value.dtype != self.value.dtype else 0.0
        return self._new(value, self.error + rounding)

    @property
    def shape(self):
        return self.value.shape


def bounded_cast(a, dtype: str):
    """``chains.cast`` for :class:`Bounded` values: the numpy result in torch's result dtype."""
    return a.astype(dtype) if isinstance(a, Bounded) else np.asarray(a).astype(dtype, copy=False)


def budgets_of(device, dtype) -> dict:
    """The budgets a chain's ops get on ``device`` for ``dtype`` results: the larger of the device's and
    the cpu's (numpy's libm, whose result the bound also covers, is within the cpu's)."""
    from conformance import budgets

    def ulps(op):
        return max(budgets.budget(op, dtype, d).ulps for d in (device, "cpu"))

    def summation(op):
        entries = [budgets.budget(op, dtype, d) for d in (device, "cpu")]
        return max(e.ulps for e in entries), max(e.per_term for e in entries)
    return {"sin": ulps("sin"), "tanh": ulps("tanh"), "exp": ulps("exp"), "sum": summation("sum"),
            "mean": summation("mean")}


def chain_judge(numpy_function, inputs) -> callable:
    """``(dtype, device) -> Accuracy`` of a chain's float result: numpy's value, and per element twice
    the running error bound in ULPs of the result dtype (torch and numpy each within the bound)."""
    from conformance import accuracy

    def judge(dtype, device):
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # the mean of an empty slice is nan, as in torch
            result = numpy_function(*[Bounded(x, budgets=budgets_of(device, dtype)) for x in inputs])
        value = np.asarray(result.value, dtype=np.float64)
        return accuracy.Accuracy("chain", accuracy.Exact.of(value), 2 * result.error / accuracy.ulp_of(dtype, value),
                                 "the chain's running error bound (Higham, section 3.3) from each op's ULP budget")
    return judge
