# names, numbers, bytes and format specs the tokenizer checks as CPython 3.12 does
café = 0x_1 + 0o_7 + 0b_1 + 1_000.000_1e1_0j + 00.5 + 1.e5
日本 = [0x1for x in y] if 1in y else 1jif 1 else 2
b = b"\xe9" + rb"\d"
s = f"{café:{{}}>10} {x:{w}.{p}f} {{lit}}"
