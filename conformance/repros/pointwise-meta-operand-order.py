"""Meta strides of binary pointwise ops whose meta kernel is a Python reference (torch._refs) differ from the
CPU's when a 0-d operand meets a permuted one, or when the two operands disagree on dim order: TensorIterator
orders the output's dims by the operands in turn (the first operand's layout wins a tie, a 0-d operand has
none), the references build the result from intermediate ops that order them otherwise.  add/mul agree on
every pattern (reference).  torch only."""
import torch

zero_d = torch.tensor(0.75)
permuted = torch.tensor([[0.5, 1.5], [2.5, 0.25]]).t()  # strides (1, 2)
contiguous = torch.tensor([[0.5, 1.5], [2.5, 0.25]])     # strides (2, 1)
PATTERNS = {"(0-d, permuted)": (zero_d, permuted), "(permuted, 0-d)": (permuted, zero_d),
            "(contiguous, permuted)": (contiguous, permuted), "(permuted, contiguous)": (permuted, contiguous)}
OPS = {"add": torch.add, "mul": torch.mul, "logical_and": torch.logical_and, "logical_or": torch.logical_or,
       "logical_xor": torch.logical_xor, "copysign": torch.copysign, "ldexp": torch.ldexp,
       "logaddexp": torch.logaddexp, "logaddexp2": torch.logaddexp2, "heaviside": torch.heaviside,
       "xlogy": torch.xlogy, "xlog1py": torch.special.xlog1py}
for name, fn in OPS.items():
    for pattern, (a, b) in PATTERNS.items():
        cpu, meta = fn(a, b).stride(), fn(a.to("meta"), b.to("meta")).stride()
        print(f"{name:12s} {pattern:23s} cpu {cpu}  meta {meta}{'' if cpu == meta else '   <- differ'}")
