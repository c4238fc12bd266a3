"""torch.linalg.solve_triangular with an out= of a lower type kind (bool) raises, but writes into out first
(https://pytorch.org/docs/stable/notes/out.html: the result is 'safe copied' into out; a failing call should
leave it alone as linalg.solve does).  torch 2.13.0 CPU."""
import torch

a, b = torch.full((1, 1), 2.0), torch.ones(1, 1)
for name, call in {"solve_triangular": lambda out: torch.linalg.solve_triangular(a, b, upper=False, out=out),
                   "solve": lambda out: torch.linalg.solve(a, b, out=out)}.items():
    out = torch.zeros(1, 1, dtype=torch.bool)
    try:
        call(out)
        print(f"{name}: bool out accepted")
    except RuntimeError as e:
        print(f"{name}: raises ({str(e)[:70]}), out now {out.flatten().tolist()}")
