# Python 3.8-3.13 syntax a tokenizer must get right
x: int = 1_000_000 + 0x_ff + 0o17 + 0b1010 + 1.5e-3 + 3j
if (n := len("abc")) > 2:
    y = f"{x!r:>{n}} {{lit}} {d["k"]}" u"u" F"{x=}"; b = rb"\d" Rb"raw"
    z = """tri
ple""" + '''t'''
async def f(a, /, b=2, *args, c, **kw) -> None:
    w @= m; w **= 2; w //= 3; w >>= 1; w <<= 1
    s = a[1:2, ::3] if a else \
        [i for i in range(3) if i]
    with (open("a") as p, open("b") as q):
        pass
match cmd:
    case [x, *rest]:
        pass
match = {1, 2}; lam = lambda q, *r, **k: q
