"""CPU conv_transpose2d in float16 (alone among the convolutions here): a channels-last (permuted) input gives results up to a few ulps from
its contiguous copy's, beyond assert_close's float16 tolerance (rtol 1e-3); float32 agrees to its own tolerance.
PyTorch does not promise bitwise-identical results across layouts (numerical accuracy note).  torch only."""
import torch
import torch.nn.functional as F

torch.manual_seed(0)
CASES = {
    "conv1d": (F.conv1d, (8, 6, 9), (4, 6, 3), (0, 2, 1)),
    "conv2d": (F.conv2d, (4, 6, 5, 5), (4, 6, 3, 3), (0, 2, 3, 1)),
    "conv3d": (F.conv3d, (2, 4, 4, 4, 4), (3, 4, 2, 2, 2), (0, 2, 3, 4, 1)),
    "conv_transpose1d": (F.conv_transpose1d, (8, 6, 9), (6, 4, 3), (0, 2, 1)),
    "conv_transpose2d": (F.conv_transpose2d, (4, 6, 5, 5), (6, 4, 3, 3), (0, 2, 3, 1)),
    "conv_transpose3d": (F.conv_transpose3d, (2, 4, 4, 4, 4), (4, 3, 2, 2, 2), (0, 2, 3, 4, 1)),
}
for name, (fn, xs, ws, order) in CASES.items():
    for dtype in (torch.float16, torch.bfloat16, torch.float32):
        x = (torch.rand(xs, dtype=torch.float64) + 0.5).to(dtype)
        w = (torch.rand(ws, dtype=torch.float64) + 0.5).to(dtype)
        # the same values, laid out channels-last: permute a contiguous copy of the permuted tensor back
        inverse = [order.index(i) for i in range(len(order))]
        strided = x.permute(order).contiguous().permute(inverse)
        try:
            a, b = fn(x, w), fn(strided, w)
        except RuntimeError as error:
            print(f"{name:17s} {str(dtype):15s} raises: {str(error)[:60]}")
            continue
        rtol = {torch.float16: 1e-3, torch.bfloat16: 1.6e-2, torch.float32: 1.3e-6}[dtype]
        rel = ((a.double() - b.double()).abs() / b.double().abs()).max().item()
        print(f"{name:17s} {str(dtype):15s} differing {int((a != b).sum())} of {a.numel()}, max relative "
              f"difference {rel:.2e} ({'beyond' if rel > rtol else 'within'} assert_close's rtol {rtol:g})")
