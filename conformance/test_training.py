"""Training-loop family: parameters and freezing, ``zero_grad``, optimizer steps against their documented
algorithms, agreement of the for-loop, foreach and fused implementations, train/eval modes, dtype and device
conversion, state dicts, and the seed's frozen-backbone fine-tuning example.

References and module builders live in ``conformance/training.py``.  Each test checks one rule, cites its
source, and runs on every device under test.
"""

from __future__ import annotations

import functools
from collections import OrderedDict

import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from packaging.version import Version
from torch import nn

from conformance.oracles import assert_equal, layout, same_storage
from conformance.training import (
    CONVERSIONS, DOCS, DROPOUT, IMPLEMENTATIONS, MODE_CALLS, OPTIMIZERS, PRECISIONS, VARIANTS, ZERO_GRAD,
    Arithmetic, Implementation, Rounded, Variant, as_float64, assert_implementations_agree, assert_same_state,
    assert_within, available, backpropagated, batch_norm_expected, batch_norms, batches, build_mlp, dropout_inputs,
    hyperparameters, mlp_parameter_names, mlp_specs, mlp_state_names, optimizer_inputs, participating,
    partly_frozen, reference_of, run_optimizer, saved_and_loaded, seeded, sgd_step, state_copy, storage_outside,
    supports, take_steps, tied_pair, two_heads, warmed_mlps,
)
from strategies import WRITABLE_LAYOUTS, dtypes, supported, tensors

invariant = functools.partial(pytest.mark.invariant, "training")

PARAMETER_DOC = DOCS + "generated/torch.nn.parameter.Parameter.html"
MODULE_DOC = DOCS + "generated/torch.nn.Module.html#torch.nn.Module."
FREEZING_DOC = DOCS + "notes/autograd.html#setting-requires-grad"
ZERO_GRAD_DOC = DOCS + "generated/torch.optim.Optimizer.zero_grad.html"
OPTIM_STATE_DOC = DOCS + "generated/torch.optim.Optimizer.state_dict.html"
OPTIM_LOAD_DOC = DOCS + "generated/torch.optim.Optimizer.load_state_dict.html"
FUSED_DOC = DOCS + "optim.html#algorithms"
DROPOUT_DOC = DOCS + "generated/torch.nn.Dropout.html"
BATCHNORM_DOC = DOCS + "generated/torch.nn.BatchNorm1d.html"
FUTURE_DOC = DOCS + "future_mod.html"
SEED_FINETUNE = ("seed 003 (fine-tuning: param.requires_grad = False for every parameter, a new model.fc, "
                 "optim.SGD(model.parameters(), lr=1e-2, momentum=0.9), 'only the classifier is updated')")

# torch 2.0 made set_to_none=True the default of Optimizer.zero_grad and Module.zero_grad.
SET_TO_NONE_DEFAULT_SINCE = Version("2.0")


def per_optimizer(invariant_id: str, ops, source=lambda op: op.optim.doc):
    """Parametrize ``op`` over ``ops``, each marked with the invariant and the documentation page of its optimizer."""
    return pytest.mark.parametrize("op", [pytest.param(op, id=op.name, marks=invariant(invariant_id, source=source(op)))
                                          for op in ops])


def canonical(device) -> torch.device:
    """The device torch puts tensors on for ``device`` ('cuda' -> 'cuda:0')."""
    return torch.empty(0, device=device).device


def precise_dtype(device) -> torch.dtype:
    """float64, which the tight reference comparisons need; a device without it skips the check."""
    if torch.float64 not in supported(device, ("float",)):
        pytest.skip(f"{device} has no float64")
    return torch.float64


def float_dtypes(device):
    return dtypes(device, ("float",))


# ---------------------------------------------------------------------------
# 1. Parameters and freezing
# ---------------------------------------------------------------------------

@invariant("parameters-are-leaves", source=PARAMETER_DOC)
@given(data=st.data())
def test_parameters_are_leaves_that_require_grad(device, data):
    """Every parameter of a module is an ``nn.Parameter``: a leaf that requires grad, without ``.grad`` yet."""
    spec = data.draw(mlp_specs(), label="layers")
    dtype = data.draw(float_dtypes(device), label="dtype")
    model = build_mlp(spec, device, dtype)
    for name, p in model.named_parameters():
        assert isinstance(p, nn.Parameter), name
        assert (p.is_leaf, p.requires_grad, p.grad_fn, p.grad) == (True, True, None, None), name
        assert (p.dtype, p.device) == (dtype, canonical(device)), name


@invariant("named-parameters-order", source=MODULE_DOC + "named_parameters")
@given(data=st.data())
def test_named_parameters_follow_registration_order(device, data):
    """``named_parameters()`` lists submodules in registration order, each one's parameters in theirs;
    ``parameters()`` yields the same objects in the same order, and each name resolves to its parameter."""
    spec = data.draw(mlp_specs(), label="layers")
    model = build_mlp(spec, device)
    named = list(model.named_parameters())
    assert [name for name, _ in named] == mlp_parameter_names(spec)
    plain = list(model.parameters())
    assert len(plain) == len(named) and all(p is q for (_, p), q in zip(named, plain))
    assert all(model.get_parameter(name) is p for name, p in named)


@invariant("shared-parameter-once", source=MODULE_DOC + "named_parameters")
@given(data=st.data())
def test_shared_parameter_is_listed_once(device, data):
    """A parameter registered in two submodules appears once, under its first name (``remove_duplicate=True``
    by default); ``remove_duplicate=False`` lists it under both names."""
    model = tied_pair(data.draw(st.integers(1, 4), label="width"), device, torch.float32)
    assert [name for name, _ in model.named_parameters()] == ["0.weight", "0.bias", "2.bias"]
    assert len(list(model.parameters())) == 3
    every = dict(model.named_parameters(remove_duplicate=False))
    assert list(every) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert every["2.weight"] is every["0.weight"]


@invariant("shared-parameter-gradient", source=DOCS + "generated/torch.Tensor.backward.html")
@given(data=st.data())
def test_shared_parameter_gradient_sums_its_uses(device, data):
    """The gradient of a tied weight is the sum of the gradients of its two uses: exactly the gradients of
    two untied copies, added."""
    dtype = precise_dtype(device)
    width = data.draw(st.integers(1, 4), label="width")
    model = tied_pair(width, device, dtype)
    x = data.draw(batches(device, dtype, width), label="x")
    model(x).sum().backward()
    untied = tied_pair(width, device, dtype)
    with torch.no_grad():
        for target, source in zip(untied.parameters(), model.parameters()):
            target.copy_(source)
        untied[2].weight = nn.Parameter(model[0].weight.detach().clone())
    untied(x).sum().backward()
    assert_equal(model[0].weight.grad, untied[0].weight.grad + untied[2].weight.grad)


@invariant("grad-of-trainable-participating", source=FREEZING_DOC + "; " + SEED_FINETUNE)
@given(data=st.data())
def test_backward_fills_grad_of_exactly_the_trainable_parameters_that_take_part(device, data):
    """After ``backward`` a parameter has ``.grad`` exactly when it requires grad and takes part in the forward
    pass: frozen parameters (``requires_grad = False``, as in the seed) and an unused head keep ``None``."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    model, width, head = data.draw(partly_frozen(device, dtype), label="model, input width, head used")
    x = data.draw(batches(device, dtype, width), label="x").requires_grad_()  # backward runs even if all is frozen
    model(x, head).sum().backward()
    used = participating(model, head)
    for name, p in model.named_parameters():
        assert (p.grad is not None) == (p.requires_grad and id(p) in used), name


@invariant("requires-grad-false-freezes-all", source=MODULE_DOC + "requires_grad_")
@given(data=st.data())
def test_module_requires_grad_false_freezes_every_parameter(device, data):
    """``module.requires_grad_(False)`` returns the module and freezes all its parameters: the output of a
    forward pass on an input that does not require grad no longer requires grad; ``requires_grad_()`` undoes it."""
    spec = data.draw(mlp_specs(), label="layers")
    model = build_mlp(spec, device)
    assert model.requires_grad_(False) is model
    assert not any(p.requires_grad for p in model.parameters())
    y = model(data.draw(batches(device, torch.float64, spec[0].width_in), label="x"))
    assert (y.requires_grad, y.grad_fn) == (False, None)
    assert model.requires_grad_() is model
    assert all(p.requires_grad for p in model.parameters())


@per_optimizer("step-skips-frozen", [Variant(optim) for optim in OPTIMIZERS],
               source=lambda op: ZERO_GRAD_DOC + "; " + SEED_FINETUNE)
@given(data=st.data())
def test_step_leaves_parameters_without_grad_untouched(device, op, data):
    """With every parameter registered (as in the seed), ``step()`` skips those whose ``.grad`` is None --
    frozen ones and those of an unused head -- whatever the hyperparameters (weight decay included), and leaves
    their optimizer state as construction left it."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    model, width, head = data.draw(partly_frozen(device, dtype), label="model, input width, head used")
    params = list(model.parameters())
    optimizer = op.optim.cls(model.parameters(), **data.draw(hyperparameters(op), label="hyperparameters"))
    before = [(p.detach().clone(), state_copy(optimizer, p)) for p in params]  # Adagrad fills its state here
    x = data.draw(batches(device, dtype, width), label="x").requires_grad_()
    for _ in range(data.draw(st.integers(1, 3), label="steps")):
        optimizer.zero_grad()
        model(x, head).sum().backward()
        optimizer.step()
    used = participating(model, head)
    for (name, p), (value, state) in zip(model.named_parameters(), before):
        if not (p.requires_grad and id(p) in used):
            assert_equal(p.detach(), value, f"{name} changed")
            assert_same_state(state_copy(optimizer, p), state, name)


# ---------------------------------------------------------------------------
# 2. zero_grad
# ---------------------------------------------------------------------------

def zero_grad_sets_none_by_default() -> bool:
    return Version(Version(torch.__version__).base_version) >= SET_TO_NONE_DEFAULT_SINCE


@invariant("zero-grad-default", source=ZERO_GRAD_DOC + "; " + MODULE_DOC + "zero_grad")
@pytest.mark.parametrize("op", sorted(ZERO_GRAD))
@given(data=st.data())
def test_zero_grad_default_sets_grads_to_none(device, op, data):
    """``zero_grad()`` sets every ``.grad`` to None (the default since torch 2.0; zeros before)."""
    model, optimizer = data.draw(backpropagated(device), label="model, optimizer")
    ZERO_GRAD[op](model, optimizer)
    for name, p in model.named_parameters():
        if zero_grad_sets_none_by_default():
            assert p.grad is None, name
        else:
            assert_equal(p.grad, torch.zeros_like(p), name)


@invariant("zero-grad-zeros", source=ZERO_GRAD_DOC + "; " + MODULE_DOC + "zero_grad")
@pytest.mark.parametrize("op", sorted(ZERO_GRAD))
@given(data=st.data())
def test_zero_grad_without_set_to_none_writes_zeros(device, op, data):
    """``zero_grad(set_to_none=False)`` leaves a zero gradient of the parameter's shape, dtype and device."""
    model, optimizer = data.draw(backpropagated(device), label="model, optimizer")
    ZERO_GRAD[op](model, optimizer, set_to_none=False)
    for name, p in model.named_parameters():
        assert p.grad is not None, name
        assert_equal(p.grad, torch.zeros_like(p), name)


@invariant("optimizer-zero-grad-scope", source=ZERO_GRAD_DOC)
@given(data=st.data())
def test_optimizer_zero_grad_resets_only_its_parameters(device, data):
    """``optimizer.zero_grad()`` resets 'the gradients of all optimized tensors' and of no other."""
    model, width = data.draw(two_heads(device), label="model")
    optimizer = torch.optim.SGD(model.trunk.parameters(), lr=0.1)
    head = data.draw(st.integers(0, 1), label="head")
    model(data.draw(batches(device, torch.float64, width), label="x"), head).sum().backward()
    head_grads = [p.grad.clone() for p in model.heads[head].parameters()]
    optimizer.zero_grad(set_to_none=data.draw(st.booleans(), label="set_to_none"))
    for p in model.trunk.parameters():
        assert p.grad is None or not p.grad.any()
    for p, grad in zip(model.heads[head].parameters(), head_grads):
        assert_equal(p.grad, grad)


# ---------------------------------------------------------------------------
# 3. Optimizer steps against the documented algorithms
# ---------------------------------------------------------------------------

@per_optimizer("step-matches-documented-algorithm", VARIANTS)
@given(data=st.data())
def test_step_matches_documented_algorithm(device, op, data):
    """Steps of the for-loop implementation on strided float64 parameters equal the pseudo-code of the
    optimizer's documentation, run in numpy: parameters and state (moments, buffers, step count), within
    :data:`~conformance.training.SLACK` bounds of the formula's rounding error."""
    dtype = precise_dtype(device)
    hyper = data.draw(hyperparameters(op), label="hyperparameters")
    inputs = data.draw(optimizer_inputs(device, dtype, WRITABLE_LAYOUTS), label="inputs")
    got, optimizer = run_optimizer(op.optim, hyper, "for-loop", inputs)
    expected, states = reference_of(op.optim, hyper, inputs, dtype)
    for i, (p, want, state) in enumerate(zip(got, expected, states)):
        assert (p.dtype, layout(p)) == (dtype, layout(inputs.params[i])), f"parameter {i} changed dtype or layout"
        assert_within(p, want, f"parameter {i}")
        held = optimizer.state[p]
        if "step" in held:
            assert float(held["step"]) == inputs.steps, f"step count of parameter {i}"
        for key, value in state.items():
            assert key in held and held[key].dtype == dtype, f"state {key!r} of parameter {i}: {held.get(key)!r}"
            assert_within(held[key], value, f"state {key!r} of parameter {i}")


def agreement(optim, impl, data, device, dtype, layouts, max_params: int = 2):
    """The for-loop and ``impl`` on the same drawn inputs: (for-loop run, ``impl`` run, reference, the drawn
    parameters), each run a (parameters, optimizer) pair; skips where ``impl`` is unavailable."""
    reason = available(optim, impl, device, dtype)
    if reason:
        pytest.skip(reason)
    hyper = data.draw(hyperparameters(Variant(optim)), label="hyperparameters")
    inputs = data.draw(optimizer_inputs(device, dtype, layouts, max_params), label="inputs")
    baseline = run_optimizer(optim, hyper, "for-loop", inputs)
    tested = run_optimizer(optim, hyper, impl, inputs)
    return baseline, tested, reference_of(optim, hyper, inputs, dtype), inputs.params


AGREEMENT = [Implementation(optim, impl, precision) for optim in OPTIMIZERS for impl in ("foreach", "fused")
             if supports(optim, impl) for precision in PRECISIONS]


@per_optimizer("implementations-agree", AGREEMENT, source=lambda op: op.optim.doc + "; " + FUSED_DOC)
@given(data=st.data())
def test_implementations_agree(device, op, data):
    """The foreach and fused implementations give the for-loop's parameters and state after several steps, on
    drawn shapes, hyperparameters and dtypes: within the rounding error of the documented formula in that dtype
    (each implementation rounds its own way; torch promises no bitwise equality)."""
    choices = [d for d in PRECISIONS[op.precision] if d in supported(device, ("float",))]
    if not choices:
        pytest.skip(f"{device} has none of {PRECISIONS[op.precision]}")
    dtype = data.draw(st.sampled_from(choices), label="dtype")
    # up to three parameters: foreach and fused kernels take lists of tensors
    baseline, tested, reference, _ = agreement(op.optim, op.impl, data, device, dtype, ("contiguous",), 3)
    assert_implementations_agree(baseline, tested, reference, op.impl)


@per_optimizer("implementations-agree-strided",
               [Implementation(optim, impl) for optim in OPTIMIZERS for impl in ("foreach", "fused")
                if supports(optim, impl)], source=lambda op: op.optim.doc + "; " + DOCS + "tensor_view.html")
@given(data=st.data())
def test_implementations_agree_on_strided_parameters(device, op, data):
    """On strided parameters and gradients (permuted, sliced, stepped, offset; each laid out its own way) the
    foreach and fused implementations update exactly the parameter's elements, as the for-loop does: the same
    values within rounding, and the storage cells around the parameter untouched."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    baseline, tested, reference, params = agreement(op.optim, op.impl, data, device, dtype, WRITABLE_LAYOUTS)
    for i, (p, drawn) in enumerate(zip(tested[0], params)):
        assert_equal(storage_outside(p), storage_outside(drawn), f"{op.impl}: storage around parameter {i}")
    assert_implementations_agree(baseline, tested, reference, op.impl)


# ---------------------------------------------------------------------------
# 4. Modes: train() and eval()
# ---------------------------------------------------------------------------

@invariant("train-eval-recursive", source=MODULE_DOC + "train")
@given(data=st.data())
def test_train_and_eval_set_the_mode_of_every_submodule(device, data):
    """``train(mode)`` and ``eval()`` (``train(False)``) return the module and set ``training`` on it and on
    every submodule, whatever mode a submodule was left in."""
    model, _ = data.draw(two_heads(device), label="model")
    modules = list(model.modules())
    for call in data.draw(st.lists(st.sampled_from(sorted(MODE_CALLS)), min_size=1, max_size=4), label="calls"):
        modules[data.draw(st.integers(0, len(modules) - 1), label="submodule")].train(
            data.draw(st.booleans(), label="its mode"))
        apply, mode = MODE_CALLS[call]
        assert apply(model) is model
        assert all(m.training == mode for m in modules), call


@invariant("dropout-train", source=DROPOUT_DOC)
@pytest.mark.parametrize("op", sorted(DROPOUT))
@given(data=st.data())
def test_dropout_in_training_zeroes_or_scales_each_element(device, op, data):
    """In training mode each element is zeroed or scaled by 1/(1-p); both happen."""
    x, p = data.draw(dropout_inputs(device), label="x, p")
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(data.draw(st.integers(0, 2**31 - 1), label="seed"))
        y = DROPOUT[op](x, p, True)
    assert (y.dtype, y.shape) == (x.dtype, x.shape)
    kept = (y != 0).cpu().numpy()
    assert kept.any() and not kept.all()
    scaled = Rounded.exact(as_float64(x), Arithmetic.of(x.dtype)) * (1 / (1 - p))
    assert_within(y[torch.from_numpy(kept).to(y.device)], scaled[kept], "kept elements")


@invariant("dropout-eval", source=DROPOUT_DOC)
@pytest.mark.parametrize("op", sorted(DROPOUT))
@given(data=st.data())
def test_dropout_in_evaluation_is_the_identity(device, op, data):
    x, p = data.draw(dropout_inputs(device), label="x, p")
    assert_equal(DROPOUT[op](x, p, False), x)


@invariant("batchnorm-train", source=BATCHNORM_DOC)
@given(data=st.data())
def test_batchnorm_in_training_uses_batch_statistics(device, data):
    """Training mode normalizes with the batch mean and biased variance, moves the running estimates toward the
    batch mean and unbiased variance by ``momentum`` (None: the cumulative average) and counts the batch."""
    dtype = data.draw(st.sampled_from([d for d in (torch.float64, torch.float32) if d in supported(device)]),
                      label="dtype")
    model, layer, x = data.draw(batch_norms(device, dtype, training=True), label="batch norm")
    seen = int(layer.num_batches_tracked)
    expected, mean, var = batch_norm_expected(layer, x, True)
    y = model(x)
    assert_within(y.detach(), expected, "output")
    assert_within(layer.running_mean, mean, "running_mean")
    assert_within(layer.running_var, var, "running_var")
    assert int(layer.num_batches_tracked) == seen + 1


@invariant("batchnorm-eval", source=BATCHNORM_DOC)
@given(data=st.data())
def test_batchnorm_in_evaluation_uses_running_statistics(device, data):
    """Evaluation mode normalizes with the running estimates and leaves them and the batch count unchanged."""
    dtype = data.draw(st.sampled_from([d for d in (torch.float64, torch.float32) if d in supported(device)]),
                      label="dtype")
    model, layer, x = data.draw(batch_norms(device, dtype, training=False), label="batch norm")
    buffers = {name: b.clone() for name, b in layer.named_buffers()}
    expected, _, _ = batch_norm_expected(layer, x, False)
    assert_within(model(x).detach(), expected, "output")
    for name, b in layer.named_buffers():
        assert_equal(b, buffers[name], name)


# ---------------------------------------------------------------------------
# 5. Conversion and state dicts
# ---------------------------------------------------------------------------

@invariant("to-keeps-parameter-objects", source=MODULE_DOC + "to; " + FUTURE_DOC)
@pytest.mark.parametrize("op", list(CONVERSIONS))
@given(data=st.data())
def test_conversion_changes_parameters_in_place(device, reference_device, op, data):
    """``module.to(...)``, ``type``, ``double()``/``float()``/``half()``/``bfloat16()`` modify the module in
    place and return it: the same ``Parameter`` objects (``get_overwrite_module_params_on_conversion()`` is
    False by default) now hold the old values cast to the new dtype, on the new device, still requiring grad."""
    convert, moves, fixed = CONVERSIONS[op]
    floats = supported(device, ("float",))
    if fixed is not None and fixed not in floats:
        pytest.skip(f"{device} has no {fixed}")
    target = fixed or data.draw(st.sampled_from(floats), label="target dtype")
    source = data.draw(st.sampled_from([d for d in floats if d != target and d in supported(reference_device)]),
                       label="source dtype")
    spec = data.draw(mlp_specs(), label="layers")
    model = build_mlp(spec, reference_device if moves else device, source)
    params = list(model.parameters())
    old = [p.detach().cpu().clone() for p in params]
    assert convert(model, device, target) is model
    assert len(list(model.parameters())) == len(params)
    for (name, p), q, before in zip(model.named_parameters(), params, old):
        assert p is q, f"{name} is a new object"
        assert isinstance(p, nn.Parameter) and p.requires_grad, name
        assert (p.dtype, p.device) == (target, canonical(device)), name
        assert_equal(p.detach().cpu(), before.to(target), name)


@invariant("to-casts-floating-only", source=MODULE_DOC + "to")
@given(data=st.data())
def test_conversion_casts_floating_buffers_only(device, data):
    """``module.to(dtype)`` casts floating-point parameters and buffers; integral buffers (BatchNorm's
    ``num_batches_tracked``) keep their dtype and value."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    layer = nn.BatchNorm1d(data.draw(st.integers(1, 4), label="channels"), device=device)
    layer.num_batches_tracked.fill_(data.draw(st.integers(0, 100), label="num_batches_tracked"))
    count = int(layer.num_batches_tracked)
    layer.to(dtype)
    assert (layer.running_mean.dtype, layer.running_var.dtype, layer.weight.dtype) == (dtype,) * 3
    assert (layer.num_batches_tracked.dtype, int(layer.num_batches_tracked)) == (torch.int64, count)


@invariant("state-dict-references", source=MODULE_DOC + "state_dict")
@given(data=st.data())
def test_state_dict_holds_detached_references(device, data):
    """``state_dict()`` has a key per parameter and persistent buffer (per submodule: parameters, then buffers)
    whose tensor is detached and shares the module tensor's memory and layout ('references', a shallow copy)."""
    spec, model = data.draw(warmed_mlps(device, torch.float64), label="model")
    state = model.state_dict()
    assert list(state) == mlp_state_names(spec)
    module_tensors = dict(model.named_parameters()) | dict(model.named_buffers())
    for key, value in state.items():
        t = module_tensors[key]
        assert not value.requires_grad, key
        assert same_storage(value, t) and layout(value) == layout(t), key
        assert_equal(value, t.detach(), key)


@invariant("load-state-dict-copies", source=MODULE_DOC + "load_state_dict")
@given(data=st.data())
def test_load_state_dict_copies_into_the_existing_parameters(device, data):
    """``load_state_dict`` (``assign=False``) copies every value exactly into the module's own parameters and
    buffers: the same ``Parameter`` objects, still requiring grad, sharing no memory with the loaded dict."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    spec, source = data.draw(warmed_mlps(device, dtype), label="source")
    target = build_mlp(spec, device, dtype, data.draw(st.integers(0, 2**31 - 1), label="target init seed"))
    params = list(target.parameters())
    state = source.state_dict()
    result = target.load_state_dict(state)
    assert (result.missing_keys, result.unexpected_keys) == ([], [])
    assert all(p is q and p.requires_grad for p, q in zip(target.parameters(), params))
    for key, value in target.state_dict().items():
        assert_equal(value, state[key], key)
        assert value.numel() == 0 or not same_storage(value, state[key]), f"{key} shares memory with the dict"


@invariant("load-state-dict-assign", source=MODULE_DOC + "load_state_dict")
@given(data=st.data())
def test_load_state_dict_with_assign_adopts_the_dict_tensors(device, data):
    """``assign=True`` keeps the properties of the dict's tensors -- the module's parameters are now those
    tensors' memory -- except ``requires_grad``, which comes from the module."""
    spec, source = data.draw(warmed_mlps(device, torch.float64), label="source")
    target = build_mlp(spec, device)
    state = source.state_dict()
    target.load_state_dict(state, assign=True)
    for name, p in target.named_parameters():
        assert isinstance(p, nn.Parameter) and p.requires_grad, name
        assert same_storage(p, state[name]) and layout(p) == layout(state[name]), name


@invariant("state-dict-round-trip", source=MODULE_DOC + "state_dict; " + MODULE_DOC + "load_state_dict")
@given(data=st.data())
def test_state_dict_round_trip_reproduces_the_module(device, data):
    """A module loaded from another's saved ``state_dict()`` computes bitwise the same outputs."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    spec, source = data.draw(warmed_mlps(device, dtype), label="source")
    target = build_mlp(spec, device, dtype, data.draw(st.integers(0, 2**31 - 1), label="target init seed"))
    target.load_state_dict(saved_and_loaded(source.state_dict()))
    source.eval()
    target.eval()
    x = data.draw(batches(device, dtype, spec[0].width_in, min_rows=1), label="x")
    with torch.no_grad():
        assert_equal(target(x), source(x))


@per_optimizer("optimizer-resume", [Variant(optim) for optim in OPTIMIZERS],
               source=lambda op: OPTIM_STATE_DOC + "; " + OPTIM_LOAD_DOC)
@given(data=st.data())
def test_optimizer_state_dict_resumes_identically(device, op, data):
    """An optimizer built afresh (with another learning rate) and loaded from a saved ``state_dict()`` continues
    exactly as the original: the state holds the per-parameter buffers and step counts and the param groups
    hold the hyperparameters."""
    dtype = data.draw(float_dtypes(device), label="dtype")
    hyper = data.draw(hyperparameters(op), label="hyperparameters")
    impl = data.draw(st.sampled_from(["for-loop", "foreach"]), label="implementation")
    inputs = data.draw(optimizer_inputs(device, dtype, ("contiguous",), min_steps=2, max_steps=4), label="inputs")
    split = data.draw(st.integers(1, inputs.steps - 1), label="saved after step")
    original, optimizer = run_optimizer(op.optim, hyper, impl, inputs, range(split))
    checkpoint = saved_and_loaded(optimizer.state_dict())
    resumed = [nn.Parameter(p.detach().clone()) for p in original]
    fresh = op.optim.cls(resumed, **(hyper | {"lr": hyper["lr"] * 2}), **IMPLEMENTATIONS[impl])
    fresh.load_state_dict(checkpoint)
    take_steps(optimizer, original, inputs, range(split, inputs.steps))
    take_steps(fresh, resumed, inputs, range(split, inputs.steps))
    for i, (p, q) in enumerate(zip(resumed, original)):
        assert_equal(p.detach(), q.detach(), f"parameter {i}")
        assert_same_state(state_copy(fresh, p), state_copy(optimizer, q), f"parameter {i}")


# ---------------------------------------------------------------------------
# 6. The seed's fine-tuning example, in miniature
# ---------------------------------------------------------------------------

@invariant("seed-frozen-backbone", source=SEED_FINETUNE)
@given(data=st.data())
def test_seed_fine_tuning_updates_only_the_new_classifier(device, data):
    """Freeze every parameter, replace ``model.fc`` by a new Linear, register all parameters with
    ``SGD(lr=1e-2, momentum=0.9)`` and train on ``loss = (prediction - labels).sum()``: the backbone keeps
    ``.grad is None`` and its values; the classifier's gradient is the batch sum of the features (weight) and
    the batch size (bias), and its steps follow SGD with momentum."""
    widths = [data.draw(st.integers(1, 6), label=f"width {i}") for i in range(4)]
    seed = data.draw(st.integers(0, 2**31 - 1), label="init seed")
    model = seeded(lambda: nn.Sequential(OrderedDict(
        features=nn.Sequential(nn.Linear(widths[0], widths[1]), nn.ReLU(), nn.Linear(widths[1], widths[2])),
        fc=nn.Linear(widths[2], 5))), seed).to(device)
    for param in model.parameters():
        param.requires_grad = False
    model.fc = seeded(lambda: nn.Linear(widths[2], widths[3]), seed + 1).to(device)
    optimizer = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9)
    assert sum(len(group["params"]) for group in optimizer.param_groups) == 6  # every parameter registered
    assert [p.requires_grad for p in model.parameters()] == [False] * 4 + [True] * 2
    frozen = {name: p.detach().clone() for name, p in model.features.named_parameters()}
    rows = data.draw(st.integers(1, 4), label="batch")
    inputs = data.draw(tensors(torch.float32, (rows, widths[0]), device, low=0.0, high=1.0), label="data")
    labels = data.draw(tensors(torch.float32, (rows, widths[3]), device, low=0.0, high=1.0), label="labels")
    with torch.no_grad():
        features = Rounded.exact(as_float64(model.features(inputs)), Arithmetic.of(torch.float32))
    # d loss / d fc.weight[i, j] = sum over the batch of features[:, j], for every output i; fc's own values
    # do not enter, so every step has the same gradient.
    weight_grad = features.sum(0).broadcast_to((widths[3], widths[2]))
    classifier = (model.fc.weight, model.fc.bias)
    expected = [Rounded.exact(as_float64(p), features.arith) for p in classifier]
    states = [{}, {}]
    for t in range(1, data.draw(st.integers(1, 3), label="steps") + 1):
        optimizer.zero_grad()
        prediction = model(inputs)
        loss = (prediction - labels).sum()
        loss.backward()
        assert all(p.grad is None for p in model.features.parameters())
        assert model.fc.weight.grad.dtype == torch.float32
        assert_within(model.fc.weight.grad, weight_grad, f"fc.weight.grad at step {t}")
        assert_equal(model.fc.bias.grad, torch.full((widths[3],), float(rows), device=device))
        grads = [Rounded.exact(as_float64(p.grad), features.arith) for p in classifier]
        optimizer.step()
        expected = [sgd_step(theta, g, state, t, lr=1e-2, momentum=0.9)
                    for theta, g, state in zip(expected, grads, states)]
        for name, p, want in zip(("fc.weight", "fc.bias"), classifier, expected):
            assert_within(p.detach(), want, f"{name} after step {t}")
    for name, p in model.features.named_parameters():
        assert_equal(p.detach(), frozen[name], f"features.{name} changed")
