"""Meta strides differ from the CPU's for a permuted (non-contiguous, dense) input:
torch.angle of a complex input and torch.pow(python_scalar, x) (pow.Scalar) on the CPU return a contiguous
result, while on the meta device they keep the input's permuted strides (as every other unary op does on both).
torch + numpy only."""
import torch

x = torch.randn(2, 3, dtype=torch.complex64).t()          # strides (1, 3): a permuted dense tensor
print("angle cpu :", torch.angle(x).stride(), " meta:", torch.angle(x.to("meta")).stride())
print("abs   cpu :", torch.abs(x).stride(), " meta:", torch.abs(x.to("meta")).stride(), "(reference: agree)")
y = torch.randn(2, 3).t()
print("pow.Scalar cpu :", torch.pow(2.0, y).stride(), " meta:", torch.pow(2.0, y.to("meta")).stride())
print("exp2       cpu :", torch.exp2(y).stride(), " meta:", torch.exp2(y.to("meta")).stride(), "(reference: agree)")
