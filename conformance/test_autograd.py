"""Autograd family: gradients against analytic formulas, finite differences and forward mode; the
leaf, accumulation, grad-mode and version-counter rules of the seeds.

Each test checks one rule, cites its source, and runs on every device under test.
"""

from __future__ import annotations

import functools
import warnings

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from conformance import accuracy, budgets, ops, references
from conformance.autograd_helpers import compositions, one_output
from conformance.derivatives import YAML
from conformance.differential import assert_no_farther
from conformance.ops import OpInfo, Sizes
from conformance.ops_helpers import LOW_PRECISION, draw_case, float64_or_skip, naming
from conformance.oracles import assert_equal, same_storage
from conformance.params import over
from conformance.profiles import ci_examples
from strategies import LAYOUTS, WRITABLE_LAYOUTS, dtypes, recipe_of, shapes, supported, tensors

invariant = functools.partial(pytest.mark.invariant, "autograd")

DOCS = "https://pytorch.org/docs/stable/"
AUTOGRAD_DOC = DOCS + "autograd.html"
MECHANICS = DOCS + "notes/autograd.html"
GRADCHECK_DOC = DOCS + "generated/torch.autograd.gradcheck.gradcheck.html"
GRADGRADCHECK_DOC = DOCS + "generated/torch.autograd.gradcheck.gradgradcheck.html"
JVP_DOC = DOCS + "generated/torch.func.jvp.html"
BACKWARD_DOC = DOCS + "generated/torch.Tensor.backward.html"
DETACH_DOC = DOCS + "generated/torch.Tensor.detach.html"
SEED_GRAPH = "seed 001 (computation graph, leaf tensors, in-place operations, dynamic graphs)"
SEED_GRADS = "seed 002 (gradient computation, accumulation, no_grad, detach)"

GRADCHECK_NUMEL = 12  # full Jacobians and second derivatives: keep them small
# ci examples of finite differences and of forward-vs-reverse mode, whose example costs several of another
# invariant's (they were half of ci's autograd time) and whose planted faults every example shows
HEAVY_CI_EXAMPLES = 20

DERIVATIVES = ops.select(lambda op: op.vjp is not None)  # ops with an analytic formula
DIFFERENTIABLE = ops.select(lambda op: op.differentiable and "float" in op.kinds)
TWICE = [op for op in DIFFERENTIABLE if op.grad >= 2]


def _derivative_source(op: OpInfo) -> str:
    return op.vjp_source or op.doc


def op_dtypes(device, op: OpInfo):
    """The op's float dtypes on ``device``; float16/bfloat16 only where its backward is checked in them."""
    return st.sampled_from([d for d in op.dtypes(device, ("float",)) if op.low_precision or d not in LOW_PRECISION])


precise_dtype = float64_or_skip


def draw_like(data, t: torch.Tensor, label: str, layouts=LAYOUTS) -> torch.Tensor:
    """A tensor of ``t``'s shape, dtype and device with values in [-2, 2] and a drawn layout."""
    return data.draw(tensors(t.dtype, tuple(t.shape), t.device, layouts=layouts, low=-2.0, high=2.0), label=label)


def f64(t: torch.Tensor) -> torch.Tensor:
    return t.detach().cpu().double()


def exact_formula(op: OpInfo, case) -> bool:
    """Whether ``conformance.references`` evaluates the op's formula exactly (mpmath / numpy float64): an op
    of its table whose inputs are all differentiable.  Any other registry op is checked with its own
    ``vjp`` formula, evaluated in float64 with torch, within the dtype's tolerance."""
    return op.name in references.TABLE and len(case.diff) == len(case.inputs)


def assert_analytic(op: OpInfo, case, inputs, out, grad_output, grads, device):
    """Each gradient is the op's ``derivatives.yaml`` formula evaluated exactly from the inputs and grad_output
    (mpmath for float64, numpy float64 below; never from torch's forward result), within the ULP budget of the
    op's gradient (``<op>.grad`` in ulp_budgets.json) of the size of the terms it sums; an op outside the
    references' table: its registry formula in float64 on the values autograd saw, within the dtype's tolerance."""
    if not exact_formula(op, case):
        expected = op.vjp(f64(grad_output), f64(out), *case.formula_inputs(inputs), **case.kwargs)
        assert len(grads) == len(expected)
        for i, (got, want) in enumerate(zip(grads, expected)):
            torch.testing.assert_close(got.detach().cpu(), want, check_dtype=False,
                                       msg=lambda m, i=i: f"gradient of input {i} of {op.name}: {m}")
        return
    expected = references.vjp(op.name, out.dtype, accuracy.values_of(grad_output),
                              *map(accuracy.values_of, inputs), **case.kwargs)
    assert len(grads) == len(expected)
    for i, (got, reference) in enumerate(zip(grads, expected)):
        assert got.dtype == inputs[i].dtype, f"gradient of input {i} has dtype {got.dtype}, its input {inputs[i].dtype}"
        accuracy.check(got, budgets.accuracy(f"{op.name}.grad", got.dtype, device, reference), device,
                       f"gradient of input {i} of {op.name}")


# ---------------------------------------------------------------------------
# 1. Gradients equal the analytic formulas, and the reference device's gradients
# ---------------------------------------------------------------------------

@over("autograd", "analytic-gradient", DERIVATIVES, source=_derivative_source)
@given(data=st.data())
def test_gradient_equals_analytic_formula(device, op, data):
    """autograd's vector-Jacobian product equals the formula of ``derivatives.yaml`` for the op, at a generic
    point: off the ties and kinks where a formula has no value, and off the subnormal edges where its rounded
    intermediates underflow (std of [0.0, 1.4e-45] in float32: the variance underflows to 0 and the gradient
    with it), which no first-order error bound covers (Higham, 2nd ed., section 2.1)."""
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"), generic=True)
    inputs = case.leaves()
    out = case.fn(*inputs)
    grad_output = draw_like(data, out, "grad_output")
    grads = torch.autograd.grad(out, inputs, grad_output)
    assert_analytic(op, case, inputs, out, grad_output, grads, device)


ROUNDED = ops.select(lambda op: op.name in references.TABLE and op.name not in references.EXACT)


@over("autograd", "forward-value", ROUNDED, rule=DOCS + "notes/numerical_accuracy.html")
@given(data=st.data())
def test_forward_value_matches_reference(device, op, data):
    """Each table op whose result is rounded: within the op's ULP budget of its exact value (numpy float64 /
    mpmath), in the input dtype.  A wrong forward with a backward consistent with it fails here.  The ops that
    round nothing (structure, abs, neg, maximum/minimum, amax/amin) are compared bitwise with numpy by the layout
    and values families."""
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"))
    inputs = [t.detach() for t in case.leaves()]
    out = case.fn(*inputs)
    assert out.dtype == inputs[0].dtype, f"{op.name} gave {out.dtype} for {inputs[0].dtype} inputs"
    arguments = [accuracy.values_of(x) for x in case.arguments("cpu")[0]]
    reference = references.forward(op.name, inputs[0].dtype, *arguments, **case.kwargs)
    accuracy.check(out, budgets.accuracy(op.name, out.dtype, device, reference), device, f"{op.name} forward")


@over("autograd", "device-matches-reference", DIFFERENTIABLE, rule=AUTOGRAD_DOC)
@given(data=st.data())
def test_gradient_on_device_equals_reference_device(device, reference_device, op, data):
    """The same inputs, layouts and grad_output give the same gradients on the device as on the reference: an
    element that differs must be within the gradient's ULP budget of the exact value, or no farther from it.

    float32/float64 only: two implementations, each up to two roundings off in float16/bfloat16, may differ
    by more than those dtypes' tolerance (the analytic test checks low precision on every device).
    """
    if device == reference_device:
        pytest.skip("the device is the reference device")
    common = [d for d in (torch.float32, torch.float64) if d in supported(device) and d in supported(reference_device)]
    case = draw_case(data, op, device, data.draw(st.sampled_from(common), label="dtype"))
    inputs = case.leaves()
    out = case.fn(*inputs)
    grad_output = draw_like(data, out, "grad_output")
    grads = torch.autograd.grad(out, inputs, grad_output)
    ref_inputs = case.leaves(reference_device)
    ref_grad_output = recipe_of(grad_output).on(reference_device).build()
    expected = torch.autograd.grad(case.function(reference_device)(*ref_inputs), ref_inputs, ref_grad_output)
    if not exact_formula(op, case):
        for got, want in zip(grads, expected):
            torch.testing.assert_close(got.cpu(), want.cpu())
        return
    exact = references.vjp(op.name, out.dtype, accuracy.values_of(grad_output), *map(accuracy.values_of, inputs),
                           **case.kwargs)
    judged = [budgets.accuracy(f"{op.name}.grad", got.dtype, device, r) for got, r in zip(grads, exact)]
    assert_no_farther(grads, expected, lambda: [j.exact for j in judged], [j.budget for j in judged],
                      names=(str(device), str(reference_device)))


# ---------------------------------------------------------------------------
# 2. Finite differences: gradcheck and gradgradcheck in float64
# ---------------------------------------------------------------------------

def numerically_checked(check, fn, inputs) -> None:
    """``check`` (gradcheck or gradgradcheck) in fast mode; on failure, full mode decides and shows both Jacobians.

    Fast mode also crashes (RuntimeError) on some valid inputs, e.g. gradgradcheck of cat with an empty input,
    whose first derivative has an empty output that does not require grad (pytorch/pytorch#194869).
    """
    try:
        check(fn, inputs, fast_mode=True)
    except RuntimeError:  # a GradcheckError, or a fast-mode crash
        check(fn, inputs, fast_mode=False)  # raises with the numerical and analytical Jacobians


def without_stride_zero(inputs: list) -> list:
    """gradcheck refuses any stride 0 on a dim longer than 1, which an empty drawn tensor may have."""
    return [t if t.numel() else torch.zeros(t.shape, dtype=t.dtype, device=t.device, requires_grad=True)
            for t in inputs]


def gradcheck_inputs(data, op, device):
    """Small float64 inputs at a generic point (off the op's kinks and ties, where finite differences hold)
    without internal overlap: gradcheck perturbs each element on its own."""
    case = draw_case(data, op, device, precise_dtype(device), Sizes(GRADCHECK_NUMEL), WRITABLE_LAYOUTS,
                     generic=True)
    return case.fn, without_stride_zero(case.leaves())


@over("autograd", "gradcheck", DIFFERENTIABLE, rule=GRADCHECK_DOC, source=_derivative_source)
@ci_examples(HEAVY_CI_EXAMPLES)
@given(data=st.data())
def test_gradient_equals_finite_differences(device, op, data):
    numerically_checked(torch.autograd.gradcheck, *gradcheck_inputs(data, op, device))


@over("autograd", "gradgradcheck", TWICE, rule=GRADGRADCHECK_DOC, source=_derivative_source)
@ci_examples(HEAVY_CI_EXAMPLES)
@given(data=st.data())
def test_second_derivative_equals_finite_differences(device, op, data):
    numerically_checked(torch.autograd.gradgradcheck, *gradcheck_inputs(data, op, device))


# ---------------------------------------------------------------------------
# 3. Forward mode against reverse mode
# ---------------------------------------------------------------------------

def inner(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """The real inner product Re(sum(conj(a) b)): <a, b> of real tensors, and of complex ones seen as pairs of
    reals (the product autograd's convention for complex gradients is adjoint under, AUTOGRAD_DOC)."""
    return (a.conj() * b).real.sum() if a.is_complex() or b.is_complex() else (a * b).sum()


def assert_forward_matches_reverse(data, fn, primals):
    """<v, J u> from forward mode (jvp) equals <J^T v, u> from reverse mode (vjp); for complex values, the
    real inner product Re(sum(conj(v) J u)) (a complex result, e.g. an FFT of real input)."""
    tangents = tuple(draw_like(data, p, f"tangent {i}") for i, p in enumerate(primals))
    out, ju = torch.func.jvp(fn, primals, tangents)
    v = draw_like(data, out, "cotangent")
    _, vjp_fn = torch.func.vjp(fn, *primals)
    jtv = vjp_fn(v)
    torch.testing.assert_close(inner(v, ju), sum(inner(w, u) for u, w in zip(tangents, jtv)))


def assert_hessian_modes_agree(data, fn, primals):
    """H u of s = <w, f(x)> by forward-over-reverse equals it by reverse-over-reverse (H is symmetric)."""
    w = draw_like(data, fn(*primals), "output weights")
    gradient = torch.func.grad(lambda *xs: inner(w, fn(*xs)), argnums=tuple(range(len(primals))))
    tangents = tuple(draw_like(data, p, f"tangent {i}") for i, p in enumerate(primals))
    _, forward = torch.func.jvp(gradient, primals, tangents)
    _, vjp_fn = torch.func.vjp(gradient, *primals)
    reverse = vjp_fn(tangents)
    for i, (a, b) in enumerate(zip(forward, reverse)):
        torch.testing.assert_close(a, b, msg=lambda m, i=i: f"H u for input {i}: {m}")


def primals_of(data, op, device, max_numel=64) -> tuple:
    """Float64 primals without internal overlap: forward mode copies each tangent into its primal's layout
    (make_dual), which an expanded primal cannot hold (see test_forward_mode_accepts_expanded_primals); at a
    generic point, where the op is differentiable."""
    case = draw_case(data, op, device, precise_dtype(device), Sizes(max_numel), WRITABLE_LAYOUTS, generic=True)
    return one_output(case.fn), tuple(t.detach() for t in case.leaves())



@over("autograd", "forward-matches-reverse", DIFFERENTIABLE, rule=JVP_DOC, source=_derivative_source)
@ci_examples(HEAVY_CI_EXAMPLES)
@given(data=st.data())
def test_forward_mode_matches_reverse_mode(device, op, data):
    assert_forward_matches_reverse(data, *primals_of(data, op, device))


@invariant("second-order-modes-agree", source=JVP_DOC)
@given(data=st.data())
def test_forward_over_reverse_matches_reverse_over_reverse(device, data):
    """Over ops drawn from the table (gradgradcheck covers each op's second derivative numerically)."""
    op = data.draw(st.sampled_from(TWICE), label="op")
    with naming(op):
        assert_hessian_modes_agree(data, *primals_of(data, op, device, GRADCHECK_NUMEL))


@invariant("forward-mode-expanded-primal", source=DOCS + "generated/torch.autograd.forward_ad.make_dual.html")
@given(data=st.data())
def test_forward_mode_accepts_expanded_primals(device, data):
    """jvp at an expanded primal equals jvp at its contiguous copy: make_dual embeds a tangent of another
    layout "copied otherwise", and an expanded primal is as valid an input as any."""
    x = data.draw(tensors(precise_dtype(device), shapes(min_dims=1), device, layouts=("expand",)), label="x")
    tangent = draw_like(data, x, "tangent", layouts=WRITABLE_LAYOUTS)
    _, expected = torch.func.jvp(torch.exp, (x.contiguous(),), (tangent,))
    _, got = torch.func.jvp(torch.exp, (x,), (tangent,))
    torch.testing.assert_close(got, expected)


# ---------------------------------------------------------------------------
# Random compositions of the table's smooth elementwise ops
# ---------------------------------------------------------------------------

SMOOTH = [op for op in DERIVATIVES if op.elementwise]  # each squashed into its smooth domain


def composition_inputs(data, device, max_numel):
    """A composition and its float64 inputs, without internal overlap (for gradcheck and forward mode)."""
    composition = data.draw(compositions(SMOOTH), label="composition")
    shape = data.draw(shapes(max_numel=max_numel), label="shape")
    inputs = [data.draw(tensors(precise_dtype(device), shape, device, layouts=WRITABLE_LAYOUTS, generic=True,
                                requires_grad=True), label=f"input {i}") for i in range(composition.arity)]
    return composition, without_stride_zero(inputs)


@invariant("gradcheck-composition", source=GRADCHECK_DOC)
@given(data=st.data())
def test_composition_gradient_equals_finite_differences(device, data):
    numerically_checked(torch.autograd.gradcheck, *composition_inputs(data, device, GRADCHECK_NUMEL))


@invariant("gradgradcheck-composition", source=GRADGRADCHECK_DOC)
@given(data=st.data())
def test_composition_second_derivative_equals_finite_differences(device, data):
    numerically_checked(torch.autograd.gradgradcheck,
                        *composition_inputs(data, device, GRADCHECK_NUMEL))


@invariant("forward-matches-reverse-composition", source=JVP_DOC)
@given(data=st.data())
def test_composition_forward_mode_matches_reverse_mode(device, data):
    composition, inputs = composition_inputs(data, device, 64)
    assert_forward_matches_reverse(data, composition, tuple(t.detach() for t in inputs))


@invariant("second-order-modes-agree-composition", source=JVP_DOC)
@given(data=st.data())
def test_composition_forward_over_reverse_matches_reverse_over_reverse(device, data):
    composition, inputs = composition_inputs(data, device, GRADCHECK_NUMEL)
    assert_hessian_modes_agree(data, composition, tuple(t.detach() for t in inputs))


# ---------------------------------------------------------------------------
# 4. Semantics from the seeds
# ---------------------------------------------------------------------------

UNARY = ops.select(names=("exp", "log", "sqrt", "sin", "tanh", "sigmoid", "square", "atan", "softplus", "erf"))
NAMED = [op for op in DERIVATIVES if op.node]


def unary_case(data, device, layouts=LAYOUTS):
    """A unary op of the table (bound to its keyword arguments) and its input, a leaf that requires grad."""
    op = data.draw(st.sampled_from(UNARY), label="op")
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"), layouts=layouts)
    return op, case.fn, case.leaves()[0]


@invariant("grad-accumulates", source=SEED_GRADS)
@given(data=st.data())
def test_gradients_accumulate_across_backward_calls(device, data):
    """Each backward adds its gradient into ``.grad``: after k calls it holds the running sum."""
    op, fn, x = unary_case(data, device)
    weights = draw_like(data, fn(x), "grad_output")
    calls = data.draw(st.integers(2, 4), label="backward calls")
    fn(x).backward(weights)
    once = x.grad.clone()
    expected = once
    for _ in range(calls - 1):
        fn(x).backward(weights)
        expected = expected + once
    assert_equal(x.grad, expected)


@invariant("grad-zeroing", source=SEED_GRADS)
@pytest.mark.parametrize("op", ["zero_", "none"])
@given(data=st.data())
def test_zeroed_grad_restarts_accumulation(device, op, data):
    """After ``grad.zero_()`` or ``grad = None`` the next backward leaves exactly its own gradient -- added to
    the zeros ``zero_`` left, so a -0.0 in it becomes +0.0 (IEEE 754 6.3: 0 + -0 is +0)."""
    _, fn, x = unary_case(data, device)
    weights = draw_like(data, fn(x), "grad_output")
    fn(x).backward(weights)
    once = x.grad.clone()
    fn(x).backward(weights)
    if op == "zero_":
        x.grad.zero_()
        once = torch.zeros_like(once) + once
    else:
        x.grad = None
    fn(x).backward(weights)
    assert_equal(x.grad, once)


@invariant("backward-nonscalar-raises", source=BACKWARD_DOC)
@given(data=st.data())
def test_backward_of_non_scalar_needs_gradient(device, data):
    """"If the tensor is non-scalar ... the function additionally requires specifying gradient"."""
    op, fn, x = unary_case(data, device)
    y = fn(x)
    if y.numel() == 1:
        y = torch.stack([y.reshape(()), y.reshape(())])
    with pytest.raises(RuntimeError, match="grad can be implicitly created only for scalar outputs"):
        y.backward()


@invariant("backward-gradient-weights", source=BACKWARD_DOC)
@given(data=st.data())
def test_backward_with_gradient_gives_weighted_vjp(device, data):
    """``y.backward(gradient=v)`` accumulates v^T J into each leaf's ``.grad``: the analytic VJP of a table op,
    at a generic point, as :func:`test_gradient_equals_analytic_formula` (whose oracle it shares)."""
    op = data.draw(st.sampled_from(DERIVATIVES), label="op")
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"), generic=True)
    inputs = case.leaves()
    out = case.fn(*inputs)
    v = draw_like(data, out, "gradient")
    out.backward(gradient=v)
    assert_analytic(op, case, inputs, out, v, [x.grad for x in inputs], device)


@invariant("leaf-rules", source=SEED_GRAPH)
@given(data=st.data())
def test_user_tensors_are_leaves_and_results_are_not(device, data):
    """User-created tensors are leaves without grad_fn; ops on tensors requiring grad give non-leaves with one;
    ops on tensors that do not require grad give leaves that do not require grad either."""
    _, fn, x = unary_case(data, device)
    plain = x.detach().clone()
    assert (x.is_leaf, x.requires_grad, x.grad_fn) == (True, True, None)
    assert (plain.is_leaf, plain.requires_grad, plain.grad_fn) == (True, False, None)
    y, z = fn(x), fn(plain)
    assert (y.is_leaf, y.requires_grad, y.grad_fn is not None) == (False, True, True)
    assert (z.is_leaf, z.requires_grad, z.grad_fn) == (True, False, None)


@invariant("grad-fn-name", source=SEED_GRAPH + "; " + YAML)
@given(data=st.data())
def test_result_grad_fn_has_documented_name(device, data):
    """The result's ``grad_fn`` is the node named after the op's derivatives.yaml entry (e.g. ExpBackward0)."""
    op = data.draw(st.sampled_from(NAMED), label="op")
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"))
    assert case.fn(*case.leaves()).grad_fn.name() == op.node


@invariant("nonleaf-grad-warns", source=DOCS + "generated/torch.Tensor.grad.html")
@given(data=st.data())
def test_non_leaf_grad_is_none_with_a_warning(device, data):
    """A non-leaf's ``.grad`` stays None after backward, and reading it warns (unless retain_grad)."""
    _, fn, x = unary_case(data, device)
    y = fn(x)
    y.sum().backward()
    with pytest.warns(UserWarning, match="is not a leaf Tensor is being accessed"):
        assert y.grad is None


@invariant("retain-grad", source=DOCS + "generated/torch.Tensor.retain_grad.html")
@given(data=st.data())
def test_retain_grad_populates_non_leaf_grad(device, data):
    """After ``retain_grad()`` a non-leaf's ``.grad`` is the gradient flowing into it: here, the weights."""
    _, fn, x = unary_case(data, device)
    y = fn(x)
    y.retain_grad()
    weights = draw_like(data, y, "weights")
    (y * weights).sum().backward()
    assert_equal(y.grad, weights)


SAVING = {  # op -> (fn, what its backward reads): b * b saves b (seed), sin saves b, exp its result
    "mul-self": (lambda b: b * b, "input"),
    **{op.name: (op.fn, op.saves) for op in ops.select(names=("sin", "exp"))},
}


@invariant("backward-twice-raises", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(SAVING))
@given(data=st.data())
def test_second_backward_through_freed_graph_raises(device, op, data):
    """Backward frees the saved tensors: a second backward through the same graph raises."""
    x = data.draw(tensors(dtype=dtypes(device, ("float",)), device=device,
                          requires_grad=True), label="x")
    loss = SAVING[op][0](x).sum()
    loss.backward()
    with pytest.raises(RuntimeError, match="backward through the graph a second time"):
        loss.backward()


@invariant("retain-graph", source=BACKWARD_DOC)
@pytest.mark.parametrize("op", sorted(SAVING))
@given(data=st.data())
def test_retain_graph_allows_second_backward_that_accumulates(device, op, data):
    x = data.draw(tensors(dtype=dtypes(device, ("float",)), device=device,
                          requires_grad=True), label="x")
    loss = SAVING[op][0](x).sum()
    loss.backward(retain_graph=True)
    once = x.grad.clone()
    loss.backward()
    assert_equal(x.grad, once + once)


def _no_grad(f):
    with torch.no_grad():
        return f()


def _no_grad_decorator(f):
    return torch.no_grad()(f)()


def _set_grad_enabled(f):
    with torch.set_grad_enabled(False):
        return f()


def _set_grad_enabled_call(f):
    torch.set_grad_enabled(False)
    try:
        return f()
    finally:
        torch.set_grad_enabled(True)


def _inference_mode(f):
    with torch.inference_mode():
        return f()


GRAD_MODES = {
    "no_grad": _no_grad,
    "no_grad-decorator": _no_grad_decorator,
    "set_grad_enabled": _set_grad_enabled,
    "set_grad_enabled-call": _set_grad_enabled_call,
    "inference_mode": _inference_mode,
}


@invariant("grad-disabled", source=DOCS + "notes/autograd.html#locally-disabling-gradient-computation")
@pytest.mark.parametrize("op", sorted(GRAD_MODES))
@given(data=st.data())
def test_results_do_not_require_grad_when_grad_is_disabled(device, op, data):
    """Under no_grad (context or decorator), set_grad_enabled(False) and inference_mode, results of ops on
    tensors that require grad do not require grad and have no grad_fn; the mode ends with its block."""
    _, fn, x = unary_case(data, device)
    y = GRAD_MODES[op](lambda: fn(x))
    assert (y.requires_grad, y.grad_fn) == (False, None)
    assert torch.is_grad_enabled() and fn(x).requires_grad


@invariant("requires-grad-propagates", source=MECHANICS)
@given(data=st.data())
def test_result_requires_grad_if_any_input_does(device, data):
    op = data.draw(st.sampled_from(ops.select(names=("add", "mul", "div", "atan2", "hypot", "matmul"))),
                   label="op")
    case = draw_case(data, op, device, data.draw(op_dtypes(device, op), label="dtype"))
    flags = data.draw(st.tuples(st.booleans(), st.booleans()), label="requires_grad")
    inputs = [t.requires_grad_(flag) for t, flag in zip(case.leaves(), flags)]
    y = case.fn(*inputs)
    assert (y.requires_grad, y.grad_fn is not None) == (any(flags), any(flags))


@invariant("detach", source=DETACH_DOC)
@given(data=st.data())
def test_detach_returns_a_leaf_sharing_storage(device, data):
    """``detach()``: a new leaf that does not require grad, on the same storage with the same layout;
    writing into it changes the original."""
    _, fn, x = unary_case(data, device, layouts=WRITABLE_LAYOUTS)
    y = fn(x)
    d = y.detach()
    assert (d.is_leaf, d.requires_grad, d.grad_fn) == (True, False, None)
    assert (d.shape, d.stride(), d.storage_offset()) == (y.shape, y.stride(), y.storage_offset())
    assert same_storage(d, y) or y.numel() == 0
    d.zero_()
    assert_equal(y.detach(), torch.zeros_like(y))


@invariant("detach-inplace", source=DOCS + "generated/torch.Tensor.detach_.html")
@given(data=st.data())
def test_detach_inplace_makes_a_leaf(device, data):
    _, fn, x = unary_case(data, device)
    y = fn(x)
    assert y.detach_() is y
    assert (y.is_leaf, y.requires_grad, y.grad_fn) == (True, False, None)


@invariant("new-tensor-copies", source=DOCS + "generated/torch.Tensor.new_tensor.html")
@given(data=st.data())
def test_new_tensor_copies_data_without_graph(device, data):
    """``t.new_tensor(x)`` is ``x.clone().detach()``: equal values, its own memory, a leaf without grad."""
    _, fn, x = unary_case(data, device)
    y = fn(x)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # "recommended to use sourceTensor.clone().detach()"
        copy = x.new_tensor(y)
    assert (copy.is_leaf, copy.requires_grad, copy.grad_fn, copy.dtype, copy.device) == \
        (True, False, None, y.dtype, y.device)
    assert not same_storage(copy, y) or y.numel() == 0
    assert_equal(copy, y.detach())


DATA_WRITES = {
    "data": lambda a: a.data,
    "detach": lambda a: a.detach(),
}


@invariant("data-write", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(DATA_WRITES))
@given(data=st.data())
def test_writing_through_data_changes_a_leaf_that_backward_then_uses(device, op, data):
    """``a.data.fill_(c)`` / ``a.detach().fill_(c)`` changes a leaf without error; it stays a leaf and
    backward of ``(a * a).mean()`` uses the new values: ``2 c / N``."""
    a = data.draw(tensors(dtype=dtypes(device, ("float",)), device=device,
                          layouts=WRITABLE_LAYOUTS, requires_grad=True), label="a")
    c = data.draw(st.floats(-4, 4, width=16), label="c")
    DATA_WRITES[op](a).fill_(c)
    assert (a.is_leaf, a.requires_grad) == (True, True)
    assert_equal(a.detach(), torch.full_like(a, c))
    (a * a).mean().backward()
    torch.testing.assert_close(a.grad.cpu(), torch.full(a.shape, 2 * c / max(a.numel(), 1), dtype=torch.float64),
                               check_dtype=False)


def _setitem(t):
    t[...] = 3.0
    return t


IN_PLACE = {  # in-place ops on a tensor of floats, each bumping its version counter once
    "add_": lambda t: t.add_(1.5),
    "mul_": lambda t: t.mul_(0.5),
    "zero_": lambda t: t.zero_(),
    "fill_": lambda t: t.fill_(2.0),
    "exp_": lambda t: t.exp_(),
    "copy_": lambda t: t.copy_(torch.ones_like(t)),
    "setitem": _setitem,
}


def writable_leaf(data, device):
    return data.draw(tensors(dtype=dtypes(device, ("float",)), device=device,
                             layouts=WRITABLE_LAYOUTS, low=-2.0, high=2.0, requires_grad=True), label="x")


@invariant("inplace-leaf-raises", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(IN_PLACE))
@given(data=st.data())
def test_inplace_on_leaf_requiring_grad_raises(device, op, data):
    x = writable_leaf(data, device)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad is being used in an in-place operation"):
        IN_PLACE[op](x)


@invariant("inplace-leaf-no-grad", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(IN_PLACE))
@given(data=st.data())
def test_inplace_on_leaf_is_allowed_under_no_grad(device, op, data):
    """Under ``no_grad`` the same in-place op works: the tensor stays a leaf requiring grad, with new values."""
    x = writable_leaf(data, device)
    expected = IN_PLACE[op](x.detach().clone())
    with torch.no_grad():
        IN_PLACE[op](x)
    assert (x.is_leaf, x.requires_grad, x.grad_fn) == (True, True, None)
    assert_equal(x.detach(), expected)


@invariant("version-counter", source=SEED_GRAPH)
@given(data=st.data())
def test_version_counter_counts_inplace_ops(device, data):
    """``_version`` grows by one with each in-place op (seed: 0 after ``b = a + 2``, 1 after ``b[0] = 1000``)."""
    x = writable_leaf(data, device)
    b = x + 2
    assert b._version == 0
    names = data.draw(st.lists(st.sampled_from(sorted(IN_PLACE)), max_size=5), label="in-place ops")
    for count, name in enumerate(names, 1):
        IN_PLACE[name](b)
        assert b._version == count


@invariant("saved-modified-raises", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(SAVING))
@given(data=st.data())
def test_modifying_a_saved_tensor_makes_backward_raise(device, op, data):
    """Backward checks the version of each saved tensor: an in-place op on it after the forward raises."""
    x = writable_leaf(data, device)
    b = x + 2
    fn, saves = SAVING[op]
    y = fn(b)
    loss = y.sum()
    IN_PLACE[data.draw(st.sampled_from(sorted(IN_PLACE)), label="in-place op")](b if saves == "input" else y)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


UNSAVED = {  # ops whose backward does not read their input (seed: "y = x + 1")
    "add-scalar": lambda b: b + 1,
    "neg": torch.neg,
    "mul-scalar": lambda b: b * 3,
    "sum": torch.sum,
}


@invariant("unsaved-modified-ok", source=SEED_GRAPH)
@pytest.mark.parametrize("op", sorted(UNSAVED))
@given(data=st.data())
def test_modifying_an_unsaved_tensor_keeps_backward_working(device, op, data):
    """When backward does not need a value, modifying it in place is fine and gradients are unchanged."""
    x = writable_leaf(data, device)
    expected = torch.autograd.grad(UNSAVED[op](x + 2).sum(), x)[0]
    b = x + 2
    loss = UNSAVED[op](b).sum()
    IN_PLACE[data.draw(st.sampled_from(sorted(IN_PLACE)), label="in-place op")](b)
    loss.backward()
    assert_equal(x.grad, expected)
